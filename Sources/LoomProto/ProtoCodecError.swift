/// A failure to decode a Loom protobuf message.
///
/// Decoding never traps: truncated or malformed bytes, wrong wire types, invalid
/// UTF-8, strings containing NUL, messages over the size limit and messages over a bound of
/// ``DecodeLimits`` all surface as this error, and nothing is changed by a failed decode
/// (everything it allocated is freed; a message over a bound allocates nothing).
public struct ProtoCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, without the message and field names.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case malformed, tooLarge, invalidUTF8, nulCharacter
            case tooManyElements, duplicateField, tooManyUnknownFields, tooDeep, decodedTooLarge
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
        /// A repeated or map field has more elements than its bound
        /// (``DecodeLimits/maxElements(ofField:)``); it was not unpacked.
        public static let tooManyElements = Self(.tooManyElements)
        /// A singular message field occurs more than once (protobuf would merge the occurrences;
        /// no encoder writes them); it was not unpacked.
        public static let duplicateField = Self(.duplicateField)
        /// More unknown fields than ``DecodeLimits/maxUnknownFields``; it was not unpacked.
        public static let tooManyUnknownFields = Self(.tooManyUnknownFields)
        /// Messages nested deeper than ``DecodeLimits/maxDepth``; it was not unpacked.
        public static let tooDeep = Self(.tooDeep)
        /// Decoding would take more memory than ``DecodeLimits/maxDecodedBytes(encodedSize:)``
        /// allows for the encoding's size; it was not unpacked.
        public static let decodedTooLarge = Self(.decodedTooLarge)

        /// A short name of the code, e.g. `malformed`.
        public var description: String {
            switch base {
            case .malformed: "malformed"
            case .tooLarge: "tooLarge"
            case .invalidUTF8: "invalidUTF8"
            case .nulCharacter: "nulCharacter"
            case .tooManyElements: "tooManyElements"
            case .duplicateField: "duplicateField"
            case .tooManyUnknownFields: "tooManyUnknownFields"
            case .tooDeep: "tooDeep"
            case .decodedTooLarge: "decodedTooLarge"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The fully qualified protobuf name of the message being decoded, e.g. `loom.v1.Run`.
    public let messageName: String
    /// The fully qualified field at fault (e.g. `loom.v1.Candidate.metadata`): for every code but
    /// ``Code/malformed`` and ``Code/tooLarge``. An unknown field is named by its number
    /// (`loom.v1.GetRunRequest.99`).
    public let field: String?
    /// The size of the rejected encoding, for ``Code/tooLarge`` and ``Code/decodedTooLarge``.
    public let size: Int?
    /// The bound it broke, for every code but ``Code/malformed``, ``Code/invalidUTF8``,
    /// ``Code/nulCharacter`` and ``Code/duplicateField``: bytes for ``Code/tooLarge`` and
    /// ``Code/decodedTooLarge``, elements, unknown fields or depth for the others.
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

    /// A repeated field (named in full) has more elements than `limit`.
    public static func tooManyElements(_ messageName: String, field: String, limit: Int) -> Self {
        Self(.tooManyElements, messageName: messageName, field: field, limit: limit)
    }

    /// A singular message field (named in full) occurs more than once.
    public static func duplicateField(_ messageName: String, field: String) -> Self {
        Self(.duplicateField, messageName: messageName, field: field)
    }

    /// More than `limit` unknown fields; `field` is the one over the limit, e.g. `loom.v1.Run.99`.
    public static func tooManyUnknownFields(_ messageName: String, field: String, limit: Int) -> Self {
        Self(.tooManyUnknownFields, messageName: messageName, field: field, limit: limit)
    }

    /// The message field `field` (named in full) is nested deeper than `limit`.
    public static func tooDeep(_ messageName: String, field: String, limit: Int) -> Self {
        Self(.tooDeep, messageName: messageName, field: field, limit: limit)
    }

    /// Decoding the `size`-byte encoding would take more than `limit` bytes; the estimate went
    /// over while counting `field`.
    public static func decodedTooLarge(_ messageName: String, field: String, size: Int, limit: Int) -> Self {
        Self(.decodedTooLarge, messageName: messageName, field: field, size: size, limit: limit)
    }

    /// A one-line explanation naming the message (and field), suitable for a client.
    public var description: String {
        switch code {
        case .tooLarge:
            "\(messageName) message of \(size ?? 0) bytes exceeds the limit of \(limit ?? 0) bytes"
        case .tooManyElements:
            "\(messageName) message: field \(field ?? "?") has more than \(limit ?? 0) elements"
        case .duplicateField:
            "\(messageName) message: singular field \(field ?? "?") occurs more than once"
        case .tooManyUnknownFields:
            "\(messageName) message: more than \(limit ?? 0) unknown fields (the last: \(field ?? "?"))"
        case .tooDeep:
            "\(messageName) message: field \(field ?? "?") is nested deeper than \(limit ?? 0) messages"
        case .decodedTooLarge:
            "\(messageName) message of \(size ?? 0) bytes would take more than \(limit ?? 0) bytes to decode"
                + " (at field \(field ?? "?"))"
        case .invalidUTF8:
            "\(messageName) message: string field \(field ?? "?") is not valid UTF-8"
        case .nulCharacter:
            "\(messageName) message: string field \(field ?? "?") contains a NUL character"
        default:
            "malformed \(messageName) message"
        }
    }
}
