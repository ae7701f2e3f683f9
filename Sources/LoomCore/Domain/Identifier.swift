/// Rules for the identifiers Loom accepts: migration ids, step names and input names
/// (candidate ids follow ``CandidateID``).
///
/// An identifier is 1–128 characters of `[A-Za-z0-9._-]`. The sequence `__` is reserved
/// (it separates the two halves of a ``RunID``) and `:` is excluded by the alphabet
/// (it separated parts of the reference's event names and Redis keys). These rules make
/// run ids, event names and store keys unambiguous.
public enum Identifier {
    /// The maximum length of an identifier, in characters.
    public static let maxLength = 128

    /// Whether `value` is a valid identifier.
    public static func isValid(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= maxLength else { return false }
        var previousUnderscore = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"):
                previousUnderscore = false
            case UInt8(ascii: "_"):
                if previousUnderscore { return false }
                previousUnderscore = true
            default:
                return false
            }
        }
        return true
    }

    /// Throws ``LoomError/invalidArgument(_:)`` unless `value` is a valid identifier.
    /// - Parameters:
    ///   - value: The identifier to check.
    ///   - field: The field name used in the error message (e.g. `"migration id"`).
    public static func validate(_ value: String, field: String) throws(LoomError) {
        guard isValid(value) else {
            throw .invalidArgument(
                "\(field) must be 1-\(maxLength) characters of [A-Za-z0-9._-] without \"__\", got \(quoted(value))"
            )
        }
    }

    /// A short, safe rendering of untrusted text for error messages.
    static func quoted(_ value: String) -> String {
        let clipped = value.count > 64 ? String(value.prefix(64)) + "…" : value
        return "\"" + clipped.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" ? String($0) : "?" }
            .joined() + "\""
    }
}

/// Rules for candidate ids: names as fleets give them (`org/repo`, `group/sub/repo`,
/// `team:app`, `svc@prod`, `lib+extras`).
///
/// A candidate id is 1–256 characters of `[A-Za-z0-9._-/:@+=~]`. Ids are keys, not grammar:
/// Loom never splits one. A run id `{migrationId}__{candidateId}` is split at its first `__`,
/// which a migration id cannot contain, so a candidate id may contain `__` as well. Stores and
/// URLs escape the characters outside `[A-Za-z0-9._-]` (``escapedForKey(_:)``).
public enum CandidateID {
    /// The maximum length of a candidate id, in characters.
    public static let maxLength = 256

    /// The characters besides ASCII letters and digits that a candidate id may contain.
    public static let punctuation = "._-/:@+=~"

    /// Whether `value` is a valid candidate id.
    public static func isValid(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= maxLength else { return false }
        return utf8.allSatisfy(isAllowed)
    }

    /// Throws ``LoomError/invalidArgument(_:)`` unless `value` is a valid candidate id.
    public static func validate(_ value: String, field: String = "candidate id") throws(LoomError) {
        guard isValid(value) else {
            throw .invalidArgument(
                "\(field) must be 1-\(maxLength) characters of [A-Za-z0-9\(punctuation)], got \(Identifier.quoted(value))")
        }
    }

    /// `value` with every byte outside `[A-Za-z0-9._-]` percent-encoded (`org/repo` →
    /// `org%2Frepo`): safe inside a Redis key next to `:`-separated parts and inside one URL
    /// path segment. Ids made only of `[A-Za-z0-9._-]` are unchanged.
    public static func escapedForKey(_ value: String) -> String {
        if value.utf8.allSatisfy(isUnreserved) { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        if isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "~"): return true
        default: return false
        }
    }
}

/// The id of a run: `{migrationId}__{candidateId}`.
///
/// Stable per (migration, candidate): a restart after a cancel reuses it; the run's
/// ``Run/generation`` tells executions apart. It is also the migrator's `callbackId`.
/// Because migration ids cannot contain `__`, splitting at the first `__` is unambiguous
/// (candidate ids may contain it: ``CandidateID``).
public struct RunID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The migration part.
    public let migrationId: String
    /// The candidate part.
    public let candidateId: String

    /// Creates a run id from validated parts.
    /// - Throws: ``LoomError/invalidArgument(_:)`` if the migration id is not a valid
    ///   ``Identifier`` or the candidate id not a valid ``CandidateID``.
    public init(migrationId: String, candidateId: String) throws(LoomError) {
        try Identifier.validate(migrationId, field: "migration id")
        try CandidateID.validate(candidateId)
        self.migrationId = migrationId
        self.candidateId = candidateId
    }

    /// Parses `{migrationId}__{candidateId}`.
    /// - Throws: ``LoomError/invalidArgument(_:)`` if the text is not a well-formed run id.
    public init(parsing text: String) throws(LoomError) {
        // The first `__`, found on the UTF-8 bytes (this runs for every run a listing returns).
        let utf8 = text.utf8
        var previous: UInt8 = 0
        var separator: String.Index?
        for index in utf8.indices {
            if utf8[index] == UInt8(ascii: "_"), previous == UInt8(ascii: "_") {
                separator = index
                break
            }
            previous = utf8[index]
        }
        guard let separator else {
            throw .invalidArgument("run id must be {migrationId}__{candidateId}, got \(Identifier.quoted(text))")
        }
        let lower = utf8.index(before: separator), upper = utf8.index(after: separator)
        try self.init(migrationId: String(text[..<lower]), candidateId: String(text[upper...]))
    }

    /// The textual form `{migrationId}__{candidateId}`.
    public var description: String { "\(migrationId)__\(candidateId)" }

    /// Orders by textual form.
    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.description < rhs.description }

    /// Decodes from its textual form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    /// Encodes as its textual form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
