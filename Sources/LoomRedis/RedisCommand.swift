import NIOCore

/// One argument of a command, sent as a RESP bulk string.
public enum RESPArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// UTF-8 text.
    case string(String)
    /// Raw bytes.
    case bytes(ByteBuffer)
    /// An integer, sent as its decimal digits.
    case integer(Int64)
    /// A floating point number, sent in Redis' notation (`inf`, `-inf` for infinities).
    case double(Double)

    /// Creates a text argument from a literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates an integer argument from a literal.
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

/// A command: its name and arguments, encoded as a RESP array of bulk strings.
///
/// ```swift
/// let reply = try await client.send(RedisCommand("SET", "key", "value", "PX", 500))
/// ```
public struct RedisCommand: Sendable, Hashable, CustomStringConvertible {
    /// The command name (`GET`, `EVALSHA`, …).
    public var name: String
    /// The arguments after the name.
    public var arguments: [RESPArgument]

    /// Creates a command from a name and a list of arguments.
    public init(_ name: String, arguments: [RESPArgument]) {
        self.name = name
        self.arguments = arguments
    }

    /// Creates a command from a name and variadic arguments.
    public init(_ name: String, _ arguments: RESPArgument...) {
        self.init(name, arguments: arguments)
    }

    /// The name and the number of arguments only: arguments may hold secrets (AUTH, HELLO) or large payloads.
    public var description: String { "\(name) (\(arguments.count) arguments)" }
}

/// Writes commands (and, for tests and fake servers, any ``RESPValue``) in RESP.
public enum RESPEncoder {
    /// Appends `command` as an array of bulk strings.
    public static func encode(_ command: RedisCommand, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        writeDecimal(Int64(command.arguments.count + 1), into: &buffer)
        writeBulk(string: command.name, into: &buffer)
        for argument in command.arguments {
            switch argument {
            case .string(let s): writeBulk(string: s, into: &buffer)
            case .bytes(var b):
                buffer.writeInteger(UInt8(ascii: "$"))
                writeDecimal(Int64(b.readableBytes), into: &buffer)
                buffer.writeBuffer(&b)
                buffer.writeStaticString("\r\n")
            case .integer(let i) where i >= 0 && i < 10:
                buffer.writeStaticString("$1\r\n")
                buffer.writeInteger(UInt8(0x30 + i))
                buffer.writeStaticString("\r\n")
            case .integer(let i): writeBulk(string: String(i), into: &buffer)
            case .double(let d): writeBulk(string: format(d), into: &buffer)
            }
        }
    }

    /// Appends `value` in RESP3 (RESP2 for the types RESP2 has).
    public static func encode(_ value: RESPValue, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let s): writeLine("+", s, into: &buffer)
        case .error(let s): writeLine("-", s, into: &buffer)
        case .integer(let i):
            buffer.writeInteger(UInt8(ascii: ":"))
            writeDecimal(i, into: &buffer)
        case .bulkString(var b):
            buffer.writeInteger(UInt8(ascii: "$"))
            writeDecimal(Int64(b.readableBytes), into: &buffer)
            buffer.writeBuffer(&b)
            buffer.writeStaticString("\r\n")
        case .null: buffer.writeStaticString("_\r\n")
        case .array(let a): writeAggregate("*", a, into: &buffer)
        case .set(let a): writeAggregate("~", a, into: &buffer)
        case .push(let a): writeAggregate(">", a, into: &buffer)
        case .map(let pairs): writePairs("%", pairs, into: &buffer)
        case .double(let d): writeLine(",", format(d), into: &buffer)
        case .boolean(let b): buffer.writeStaticString(b ? "#t\r\n" : "#f\r\n")
        case .bigNumber(let n): writeLine("(", n, into: &buffer)
        case .verbatimString(let format, var text):
            buffer.writeInteger(UInt8(ascii: "="))
            writeDecimal(Int64(text.readableBytes + 4), into: &buffer)
            buffer.writeString(format)
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeBuffer(&text)
            buffer.writeStaticString("\r\n")
        case .attributed(let attributes, let inner):
            writePairs("|", attributes, into: &buffer)
            encode(inner, into: &buffer)
        }
    }

    private static func writeLine(_ type: Unicode.Scalar, _ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: type))
        buffer.writeString(text)
        buffer.writeStaticString("\r\n")
    }

    private static func writeAggregate(_ type: Unicode.Scalar, _ elements: [RESPValue], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: type))
        writeDecimal(Int64(elements.count), into: &buffer)
        for element in elements { encode(element, into: &buffer) }
    }

    private static func writePairs(_ type: Unicode.Scalar, _ pairs: [RESPPair], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: type))
        writeDecimal(Int64(pairs.count), into: &buffer)
        for pair in pairs {
            encode(pair.key, into: &buffer)
            encode(pair.value, into: &buffer)
        }
    }

    private static func writeBulk(string: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "$"))
        writeDecimal(Int64(string.utf8.count), into: &buffer)
        buffer.writeString(string)
        buffer.writeStaticString("\r\n")
    }

    /// Writes `value` in decimal followed by CRLF, without allocating a String.
    private static func writeDecimal(_ value: Int64, into buffer: inout ByteBuffer) {
        if value >= 0 && value < 10 {
            buffer.writeInteger(UInt8(0x30 + value))
        } else if value >= 10 && value < 100 {
            buffer.writeInteger(UInt16(0x30 + value / 10) << 8 | UInt16(0x30 + value % 10))
        } else {
            buffer.writeString(String(value))
        }
        buffer.writeStaticString("\r\n")
    }

    private static func format(_ d: Double) -> String {
        if d == .infinity { return "inf" }
        if d == -.infinity { return "-inf" }
        if d.isNaN { return "nan" }
        return String(d)
    }
}
