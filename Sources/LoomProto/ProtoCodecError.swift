/// A failure to decode a Loom protobuf message.
///
/// Decoding never traps: truncated or malformed bytes, wrong wire types, invalid
/// UTF-8, strings containing NUL and messages over the size limit all surface as
/// this error, and nothing is allocated or changed by a failed decode.
public struct ProtoCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, without the message and field names.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case malformed, tooLarge, invalidUTF8, nulCharacter
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The bytes are not a valid protobuf encoding of the message (truncated,
        /// a length past the end, a wrong wire type, an invalid varint...).
        public static let malformed = Self(.malformed)
        /// The encoded message is larger than the allowed limit; it was not parsed.
        public static let tooLarge = Self(.tooLarge)
        /// A string field is not valid UTF-8 (protobuf requires it).
        public static let invalidUTF8 = Self(.invalidUTF8)
        /// A string field contains U+0000, which Loom's C codec cannot carry.
        public static let nulCharacter = Self(.nulCharacter)

        /// A short name of the code, e.g. `malformed`.
        public var description: String {
            switch base {
            case .malformed: "malformed"
            case .tooLarge: "tooLarge"
            case .invalidUTF8: "invalidUTF8"
            case .nulCharacter: "nulCharacter"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The fully qualified protobuf name of the message being decoded, e.g. `loom.v1.Run`.
    public let messageName: String
    /// The fully qualified field at fault (e.g. `loom.v1.Candidate.metadata`), for string errors.
    public let field: String?
    /// The size of the rejected encoding, for ``Code/tooLarge``.
    public let size: Int?
    /// The limit it exceeded, for ``Code/tooLarge``.
    public let limit: Int?

    private init(_ code: Code, messageName: String, field: String? = nil, size: Int? = nil, limit: Int? = nil) {
        self.code = code
        self.messageName = messageName
        self.field = field
        self.size = size
        self.limit = limit
    }

    /// The bytes are not a valid encoding of the message.
    public static func malformed(_ messageName: String) -> Self { Self(.malformed, messageName: messageName) }

    /// The encoded message is larger than the allowed limit.
    public static func tooLarge(_ messageName: String, size: Int, limit: Int) -> Self {
        Self(.tooLarge, messageName: messageName, size: size, limit: limit)
    }

    /// A string field (named in full, e.g. `loom.v1.FileRef.path`) is not valid UTF-8.
    public static func invalidUTF8(_ messageName: String, field: String) -> Self {
        Self(.invalidUTF8, messageName: messageName, field: field)
    }

    /// A string field (named in full) contains a NUL character.
    public static func nulCharacter(_ messageName: String, field: String) -> Self {
        Self(.nulCharacter, messageName: messageName, field: field)
    }

    /// A one-line explanation naming the message (and field), suitable for a client.
    public var description: String {
        switch code {
        case .tooLarge:
            "\(messageName) message of \(size ?? 0) bytes exceeds the limit of \(limit ?? 0) bytes"
        case .invalidUTF8:
            "\(messageName) message: string field \(field ?? "?") is not valid UTF-8"
        case .nulCharacter:
            "\(messageName) message: string field \(field ?? "?") contains a NUL character"
        default:
            "malformed \(messageName) message"
        }
    }
}
