import Foundation
import LoomProto

/// The JSON files loomctl reads, in the reference system's camelCase shape (the REST contract's bodies):
///
/// - `announce FILE`: a `MigrationAnnouncement` — `id`, `name`, `migratorUrl`, `steps` (each `name`,
///   `migratorApp`, optional `description`, `type`, `config`) required; `description`, `requiredInputs`
///   (`name`, `label`) and `candidates` optional.
/// - `candidates submit M FILE`: `{"candidates": [Candidate, ...]}` or a bare array of candidates.
/// - `dry-run --candidate-json FILE`: one candidate — `id`, `kind` required; `metadata` (string map) and
///   `files` (`[{"name", "repo", "files": [{"path", "url"}]}]`) and `steps` (names of the migration's steps this
///   candidate runs, in order) optional. A `status` is ignored.
///
/// Unknown properties are ignored, as the REST contract does.
public enum JSONInput {
    struct FileRefBody: Decodable {
        var path: String
        var url: String?
    }

    struct FileGroupBody: Decodable {
        var name: String
        var repo: String
        var files: [FileRefBody]?
    }

    struct CandidateBody: Decodable {
        var id: String
        var kind: String
        var metadata: [String: String]?
        var files: [FileGroupBody]?
        var steps: [String]?

        var proto: Candidate {
            Candidate(
                id: id,
                kind: kind,
                metadata: metadata ?? [:],
                files: (files ?? []).map { group in
                    FileGroup(name: group.name, repo: group.repo, files: (group.files ?? []).map { FileRef(path: $0.path, url: $0.url ?? "") })
                },
                steps: steps ?? []
            )
        }
    }

    struct InputDefinitionBody: Decodable {
        var name: String
        var label: String?
    }

    struct StepBody: Decodable {
        var name: String
        var migratorApp: String
        var description: String?
        var type: String?
        var config: [String: String]?
    }

    struct AnnouncementBody: Decodable {
        var id: String
        var name: String
        var description: String?
        var candidates: [CandidateBody]?
        var steps: [StepBody]
        var migratorUrl: String
        var requiredInputs: [InputDefinitionBody]?
    }

    struct CandidatesBody: Decodable {
        var candidates: [CandidateBody]
    }

    /// Decodes a `MigrationAnnouncement` into the migration to announce.
    public static func migration(from data: Data) throws(CLIError) -> Migration {
        let body = try decode(AnnouncementBody.self, from: data, what: "migration announcement")
        return Migration(
            id: body.id,
            name: body.name,
            description: body.description ?? "",
            migratorURL: body.migratorUrl,
            requiredInputs: (body.requiredInputs ?? []).map { InputDefinition(name: $0.name, label: $0.label ?? "") },
            candidates: (body.candidates ?? []).map(\.proto),
            steps: body.steps.map {
                StepDefinition(
                    name: $0.name,
                    migratorApp: $0.migratorApp,
                    description: $0.description ?? "",
                    type: $0.type ?? "",
                    config: $0.config ?? [:]
                )
            }
        )
    }

    /// Decodes `{"candidates": [...]}` or `[...]`.
    public static func candidates(from data: Data) throws(CLIError) -> [Candidate] {
        if let array = try? JSONDecoder().decode([CandidateBody].self, from: data) {
            return array.map(\.proto)
        }
        return try decode(CandidatesBody.self, from: data, what: "candidate list").candidates.map(\.proto)
    }

    /// Decodes one candidate.
    public static func candidate(from data: Data) throws(CLIError) -> Candidate {
        try decode(CandidateBody.self, from: data, what: "candidate").proto
    }

    /// Reads a file given on the command line; `-` reads standard input.
    public static func read(path: String) throws(CLIError) -> Data {
        if path == "-" {
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .usage("cannot read \(path)")
        }
        return data
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(CLIError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw .usage("invalid \(what) JSON: \(describe(error))")
        } catch {
            throw .usage("invalid \(what) JSON: \(error)")
        }
    }

    /// A one-line description of a decoding error with the JSON path it concerns.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.isEmpty ? "the document" : String(text.drop(while: { $0 == "." }))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context.codingPath))"
            return "missing property \"\(key.stringValue)\"\(parent)"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)), found null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is [String: String].Type: "an object of strings"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}
