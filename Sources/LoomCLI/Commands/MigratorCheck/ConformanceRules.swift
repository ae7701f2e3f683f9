import Foundation
import LoomMigratorKit

/// The contract's rules the checker holds a migrator's messages to, as pure functions (no I/O).
///
/// Each returns the decoded value or a reason that names the field, suitable for a table row.
public enum ConformanceRules {
    /// Phases Loom accepts with `success: true` (absent means `completed`).
    public static let knownPhases: Set<String> = ["", "completed", "merged", "open", "awaiting_review", "failed"]

    /// Whether `value` is a Loom identifier (migration ids, step names): 1-128 of `[A-Za-z0-9._-]`, no `__`.
    public static func isIdentifier(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 128, !value.contains("__") else { return false }
        return value.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// Whether `value` is a candidate id: 1-128 of `[A-Za-z0-9._-/:@+=~]`.
    public static func isCandidateID(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 128 else { return false }
        return value.utf8.allSatisfy { isAlphanumeric($0) || "._-/:@+=~".utf8.contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Whether `value` is an absolute `http://` or `https://` URL with a host.
    public static func isHTTPURL(_ value: String) -> Bool {
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host
        else { return false }
        return !host.isEmpty
    }

    /// Decodes and checks a `POST /registry/announce` body: id, name, steps (named, unique, with their
    /// `migratorApp`), `migratorUrl`, and the candidates it carries.
    public static func announcement(_ body: [UInt8]) -> Result<ReferenceJSON.MigrationAnnouncement, ConformanceProblem> {
        let announcement: ReferenceJSON.MigrationAnnouncement
        do {
            announcement = try JSONCoding.decode(ReferenceJSON.MigrationAnnouncement.self, from: body)
        } catch {
            return .failure("not a MigrationAnnouncement: \(error.message)")
        }
        guard isIdentifier(announcement.id) else {
            return .failure("id \(quoted(announcement.id)) is not 1-128 characters of [A-Za-z0-9._-] without \"__\"")
        }
        guard !announcement.name.isEmpty else { return .failure("name is empty") }
        guard !announcement.steps.isEmpty else { return .failure("steps is empty: a migration needs at least one step") }
        var names: Set<String> = []
        for (index, step) in announcement.steps.enumerated() {
            guard isIdentifier(step.name) else {
                return .failure("steps[\(index)].name \(quoted(step.name)) is not 1-128 characters of [A-Za-z0-9._-]")
            }
            guard names.insert(step.name).inserted else { return .failure("steps[\(index)].name \(quoted(step.name)) is repeated") }
            guard !step.migratorApp.isEmpty else { return .failure("steps[\(index)].migratorApp is empty") }
        }
        guard isHTTPURL(announcement.migratorUrl) else {
            return .failure("migratorUrl \(quoted(announcement.migratorUrl)) is not an absolute http(s) URL")
        }
        if let problem = candidatesProblem(announcement.candidates ?? [], field: "candidates") { return .failure(ConformanceProblem(problem)) }
        return .success(announcement)
    }

    /// Why a list of candidates would not be stored as given, or `nil` when every one is valid.
    public static func candidatesProblem(_ candidates: [ReferenceJSON.Candidate], field: String) -> String? {
        var ids: Set<String> = []
        for (index, candidate) in candidates.enumerated() {
            guard isCandidateID(candidate.id) else {
                return "\(field)[\(index)].id \(quoted(candidate.id)) is not 1-128 characters of [A-Za-z0-9._-/:@+=~]"
            }
            guard !candidate.kind.isEmpty else { return "\(field)[\(index)].kind is empty" }
            guard ids.insert(candidate.id).inserted else { return "\(field)[\(index)].id \(quoted(candidate.id)) is repeated" }
        }
        return nil
    }

    /// A well-formed event for the step and candidate, with its effective phase (`phase`, else `metadata.phase`).
    public struct CheckedEvent: Sendable, Hashable {
        /// The event as sent.
        public var event: ReferenceJSON.StepCompletedEvent
        /// `phase`, else `metadata.phase`, else `""`; `failed` for `success: false`.
        public var phase: String

        /// A short description for a table cell: `success, phase "open"` or `failure: <reason>`.
        public var summary: String {
            event.success ? "success, phase \(quoted(phase.isEmpty ? "completed" : phase))" : "failure: \(event.failureReason ?? "(no failureReason)")"
        }
    }

    /// Decodes and checks a `StepCompletedEvent` sent for `step` of `candidate`.
    public static func event(_ body: [UInt8], step: String, candidate: String) -> Result<CheckedEvent, ConformanceProblem> {
        let event: ReferenceJSON.StepCompletedEvent
        do {
            event = try JSONCoding.decode(ReferenceJSON.StepCompletedEvent.self, from: body)
        } catch {
            return .failure("not a StepCompletedEvent: \(error.message)")
        }
        guard event.stepName == step else {
            return .failure("stepName \(quoted(event.stepName)) is not the dispatched step \(quoted(step))")
        }
        guard event.candidateId == candidate else {
            return .failure("candidateId \(quoted(event.candidateId)) is not the dispatched candidate \(quoted(candidate))")
        }
        guard event.success else { return .success(CheckedEvent(event: event, phase: "failed")) }
        let phase = event.phase ?? event.metadata?["phase"] ?? ""
        guard knownPhases.contains(phase) else {
            return .failure("unknown phase \(quoted(phase)) with success: Loom would fail the step")
        }
        return .success(CheckedEvent(event: event, phase: phase))
    }

    /// Decodes and checks a dry-run answer to a request for `steps`: exactly one entry per step, and every
    /// entry consistent (`error` instead of `files`; a `new` file has no `before`, a `deleted` one no `after`).
    public static func dryRun(_ body: [UInt8], steps: [String]) -> Result<ReferenceJSON.DryRunResult, ConformanceProblem> {
        let result: ReferenceJSON.DryRunResult
        do {
            result = try JSONCoding.decode(ReferenceJSON.DryRunResult.self, from: body)
        } catch {
            return .failure("not a DryRunResult: \(error.message)")
        }
        let answered = result.steps.map(\.stepName)
        guard answered.count == steps.count, Set(answered) == Set(steps), Set(answered).count == answered.count else {
            return .failure("steps [\(answered.map(quoted).joined(separator: ", "))] are not one entry per requested step [\(steps.map(quoted).joined(separator: ", "))]")
        }
        for (index, step) in result.steps.enumerated() {
            let files = step.files ?? []
            if step.error != nil, !files.isEmpty {
                return .failure("steps[\(index)] carries both error and files")
            }
            if step.skipped, !files.isEmpty { return .failure("steps[\(index)] is skipped but carries files") }
            for (fileIndex, file) in files.enumerated() {
                let field = "steps[\(index)].files[\(fileIndex)]"
                guard !file.path.isEmpty else { return .failure("\(field).path is empty") }
                switch file.status {
                case .new where !(file.before ?? "").isEmpty:
                    return .failure("\(field) is \"new\" but has a before")
                case .deleted where !file.after.isEmpty:
                    return .failure("\(field) is \"deleted\" but has an after")
                default: break
                }
            }
        }
        return .success(result)
    }

    /// `value` in double quotes, cut to 80 characters.
    static func quoted(_ value: String) -> String {
        "\"\(value.count > 80 ? value.prefix(80) + "…" : Substring(value))\""
    }
}

/// Why a message breaks the contract: a reason naming the field, for a table row.
public struct ConformanceProblem: Error, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// The reason.
    public var reason: String

    /// Creates a problem.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// Creates a problem from a literal.
    public init(stringLiteral value: String) {
        self.reason = value
    }

    /// The reason.
    public var description: String { reason }
}
