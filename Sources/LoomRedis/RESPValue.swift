import NIOCore

/// One value of the Redis serialization protocol (RESP2 and RESP3).
///
/// Every reply type the server can send has its own case. RESP2's null bulk
/// string (`$-1`) and null array (`*-1`) both decode to ``null``, like RESP3's `_`.
/// Server error replies (`-ERR …` and RESP3 blob errors `!…`) decode to ``error(_:)``;
/// ``RedisConnection/send(_:timeout:)`` turns them into a thrown ``RedisError``.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a short status line without CR or LF.
    case simpleString(String)
    /// `-ERR …` or `!len` (RESP3 blob error): the server's error text, prefix included.
    case error(String)
    /// `:42`: a signed 64-bit integer.
    case integer(Int64)
    /// `$len`: binary-safe bytes.
    case bulkString(ByteBuffer)
    /// `_` (RESP3), `$-1` or `*-1` (RESP2): no value.
    case null
    /// `*n`: an ordered list of values.
    case array([RESPValue])
    /// `%n` (RESP3): key/value pairs in the order the server sent them.
    case map([RESPPair])
    /// `~n` (RESP3): an unordered collection, kept in wire order.
    case set([RESPValue])
    /// `,1.5` (RESP3): a floating point number (`inf`, `-inf` and `nan` included).
    case double(Double)
    /// `#t` / `#f` (RESP3).
    case boolean(Bool)
    /// `(1234…` (RESP3): an arbitrary-precision integer, kept as its decimal digits.
    case bigNumber(String)
    /// `=len` (RESP3): text with a three-letter format such as `txt` or `mkd`.
    case verbatimString(format: String, text: ByteBuffer)
    /// `>n` (RESP3): out-of-band data (pub/sub messages, invalidations); never a reply to a command.
    case push([RESPValue])
    /// `|n` (RESP3): attributes the server attached to the value that follows.
    indirect case attributed(attributes: [RESPPair], value: RESPValue)
}

/// One key/value pair of a RESP3 map or attribute.
public struct RESPPair: Sendable, Hashable {
    /// The key.
    public var key: RESPValue
    /// The value.
    public var value: RESPValue

    /// Creates a pair.
    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}

extension RESPValue {
    /// Creates a bulk string holding the UTF-8 bytes of `string`.
    public static func bulk(_ string: String) -> RESPValue {
        .bulkString(ByteBuffer(string: string))
    }

    /// The value with any RESP3 attributes removed.
    public var withoutAttributes: RESPValue {
        if case .attributed(_, let value) = self { return value.withoutAttributes }
        return self
    }

    /// The value as text: simple, bulk and verbatim strings, integers, doubles and big numbers; `nil` otherwise.
    public var string: String? {
        switch self.withoutAttributes {
        case .simpleString(let s): return s
        case .bulkString(let b): return String(buffer: b)
        case .verbatimString(_, let b): return String(buffer: b)
        case .integer(let i): return String(i)
        case .double(let d): return String(d)
        case .bigNumber(let n): return n
        default: return nil
        }
    }

    /// The value as an integer: RESP integers and strings holding a decimal integer; `nil` otherwise.
    public var int: Int64? {
        switch self.withoutAttributes {
        case .integer(let i): return i
        case .boolean(let b): return b ? 1 : 0
        case .simpleString, .bulkString, .bigNumber: return self.string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The bytes of a bulk or verbatim string, or the UTF-8 of a simple string; `nil` otherwise.
    public var bytes: ByteBuffer? {
        switch self.withoutAttributes {
        case .bulkString(let b): return b
        case .verbatimString(_, let b): return b
        case .simpleString(let s): return ByteBuffer(string: s)
        default: return nil
        }
    }

    /// The elements of an array, set or push; `nil` otherwise (``null`` included).
    public var array: [RESPValue]? {
        switch self.withoutAttributes {
        case .array(let a), .set(let a), .push(let a): return a
        default: return nil
        }
    }

    /// The pairs of a RESP3 map, or of a RESP2 array of alternating keys and values; `nil` otherwise.
    public var pairs: [RESPPair]? {
        switch self.withoutAttributes {
        case .map(let m): return m
        case .array(let a) where a.count % 2 == 0:
            return stride(from: 0, to: a.count, by: 2).map { RESPPair(key: a[$0], value: a[$0 + 1]) }
        default: return nil
        }
    }

    /// Whether the value is ``null``.
    public var isNull: Bool {
        if case .null = self.withoutAttributes { return true }
        return false
    }
}
