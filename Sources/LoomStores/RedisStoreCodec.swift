import Foundation
import LoomCore

/// JSON records with a schema version, as stored by ``RedisStore``.
///
/// Candidates and history entries are stored as `{"v":1,"data":{…}}`; migration and run
/// hashes carry the version in their `v` field. A reader meeting a version it does not know
/// fails with ``LoomError/Code/internal`` instead of guessing.
enum RedisStoreCodec {
    /// The schema version written by this code.
    static let schemaVersion = 1

    private struct Envelope<Value: Codable>: Codable {
        var v: Int
        var data: Value
    }

    /// The part of a migration that an announce replaces.
    struct Definition: Codable {
        var name: String
        var description: String
        var migratorUrl: String
        var requiredInputs: [InputDefinition]
        var steps: [StepDefinition]
    }

    static func encode<Value: Codable>(_ value: Value) throws -> String {
        let data = try JSONEncoder().encode(Envelope(v: schemaVersion, data: value))
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<Value: Codable>(_ type: Value.Type, from text: String, what: String) throws -> Value {
        do {
            let envelope = try JSONDecoder().decode(Envelope<Value>.self, from: Data(text.utf8))
            try checkVersion(envelope.v, what: what)
            return envelope.data
        } catch let error as LoomError {
            throw error
        } catch {
            throw LoomError.internal("stored \(what) is not readable", cause: CodecFailure(description: "\(error)"))
        }
    }

    static func checkVersion(_ version: Int, what: String) throws {
        guard version == schemaVersion else {
            throw LoomError.internal("stored \(what) has schema version \(version); this server reads \(schemaVersion)")
        }
    }

    struct CodecFailure: Error, CustomStringConvertible {
        var description: String
    }
}
