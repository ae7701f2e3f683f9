import NIOCore

/// Decodes RESP2 and RESP3 replies, one complete ``RESPValue`` at a time.
///
/// The decoder never consumes a partial value: when the bytes of a value are not
/// all in yet it returns `nil` and leaves the buffer untouched. Every declared
/// length and count is checked against ``Limits`` *before* anything is allocated
/// or waited for, and nesting is bounded, so a hostile peer cannot make it
/// allocate or recurse without bound. A bad type byte, a missing CRLF, a malformed
/// number or a length out of range throws ``RedisError`` with code
/// ``RedisError/Code/protocolViolation``.
public struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    /// The decoded value.
    public typealias InboundOut = RESPValue

    /// Bounds on what the decoder accepts.
    public struct Limits: Sendable, Hashable {
        /// Longest bulk string, blob error or verbatim string, in bytes. Default 64 MiB.
        public var maxBulkLength: Int
        /// Most elements in one array, set or push (pairs in one map). Default 4 Mi.
        public var maxAggregateCount: Int
        /// Deepest nesting of aggregates. Default 64.
        public var maxDepth: Int
        /// Longest line (simple string, error, number). Default 64 KiB.
        public var maxLineLength: Int

        /// Creates limits; the defaults suit any reply Loom expects.
        public init(
            maxBulkLength: Int = 64 << 20,
            maxAggregateCount: Int = 4 << 20,
            maxDepth: Int = 64,
            maxLineLength: Int = 64 << 10
        ) {
            self.maxBulkLength = maxBulkLength
            self.maxAggregateCount = maxAggregateCount
            self.maxDepth = maxDepth
            self.maxLineLength = maxLineLength
        }
    }

    /// The limits in force.
    public let limits: Limits

    /// Creates a decoder.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Decodes the next complete value, or returns `nil` (consuming nothing) when more bytes are needed.
    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        try self.next(from: &buffer)
    }

    /// ``decode(buffer:)`` without `mutating`: the decoder keeps no state between values, so a
    /// handler can hold it as a constant (no exclusivity check per reply).
    public func next(from buffer: inout ByteBuffer) throws -> RESPValue? {
        var cursor = buffer
        guard let value = try self.parseValue(&cursor, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor.readerIndex)
        return value
    }

    /// Decodes what is left at end of input; a partial value there is simply dropped by the caller.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try self.decode(buffer: &buffer)
    }

    // MARK: - Parsing

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    private func violation(_ message: String) -> RedisError {
        RedisError(.protocolViolation, message)
    }

    /// Parses one value; `nil` means "need more bytes" (the cursor is then meaningless).
    private func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return try self.readLine(&buffer).map { .simpleString(String(buffer: $0)) }
        case UInt8(ascii: "-"):
            return try self.readLine(&buffer).map { .error(String(buffer: $0)) }
        case UInt8(ascii: ":"):
            guard let line = try self.readLine(&buffer) else { return nil }
            return .integer(try self.parseInteger(line, what: "integer"))
        case UInt8(ascii: "$"):
            guard let length = try self.readLength(&buffer, allowNull: true, max: limits.maxBulkLength) else { return nil }
            if length < 0 { return .null }
            return try self.readBlob(&buffer, length: length).map { .bulkString($0) }
        case UInt8(ascii: "!"):
            guard let length = try self.readLength(&buffer, allowNull: false, max: limits.maxBulkLength) else { return nil }
            return try self.readBlob(&buffer, length: length).map { .error(String(buffer: $0)) }
        case UInt8(ascii: "="):
            guard let length = try self.readLength(&buffer, allowNull: false, max: limits.maxBulkLength) else { return nil }
            guard var blob = try self.readBlob(&buffer, length: length) else { return nil }
            guard length >= 4, blob.getInteger(at: blob.readerIndex + 3, as: UInt8.self) == UInt8(ascii: ":") else {
                throw violation("verbatim string without a 3-byte format and ':'")
            }
            let format = blob.readString(length: 3)!  // length >= 4 checked above
            blob.moveReaderIndex(forwardBy: 1)
            return .verbatimString(format: format, text: blob)
        case UInt8(ascii: "_"):
            guard let line = try self.readLine(&buffer) else { return nil }
            guard line.readableBytes == 0 else { throw violation("null with a payload") }
            return .null
        case UInt8(ascii: "#"):
            guard let line = try self.readLine(&buffer) else { return nil }
            switch line.readableBytesView.first {
            case UInt8(ascii: "t") where line.readableBytes == 1: return .boolean(true)
            case UInt8(ascii: "f") where line.readableBytes == 1: return .boolean(false)
            default: throw violation("boolean must be 't' or 'f'")
            }
        case UInt8(ascii: ","):
            guard let line = try self.readLine(&buffer) else { return nil }
            return .double(try self.parseDouble(line))
        case UInt8(ascii: "("):
            guard let line = try self.readLine(&buffer) else { return nil }
            let text = String(buffer: line)
            let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw violation("big number is not a decimal integer")
            }
            return .bigNumber(text)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            guard let count = try self.readLength(
                &buffer, allowNull: type == UInt8(ascii: "*"), max: limits.maxAggregateCount
            ) else { return nil }
            if count < 0 { return .null }
            guard let elements = try self.parseElements(&buffer, count: count, depth: depth) else { return nil }
            switch type {
            case UInt8(ascii: "*"): return .array(elements)
            case UInt8(ascii: "~"): return .set(elements)
            default: return .push(elements)
            }
        case UInt8(ascii: "%"), UInt8(ascii: "|"):
            guard let count = try self.readLength(&buffer, allowNull: false, max: limits.maxAggregateCount) else {
                return nil
            }
            guard let flat = try self.parseElements(&buffer, count: count * 2, depth: depth) else { return nil }
            let pairs = stride(from: 0, to: flat.count, by: 2).map { RESPPair(key: flat[$0], value: flat[$0 + 1]) }
            if type == UInt8(ascii: "%") { return .map(pairs) }
            guard let value = try self.parseValue(&buffer, depth: depth + 1) else { return nil }
            return .attributed(attributes: pairs, value: value)
        default:
            throw violation("unknown RESP type byte 0x\(String(type, radix: 16))")
        }
    }

    private func parseElements(_ buffer: inout ByteBuffer, count: Int, depth: Int) throws -> [RESPValue]? {
        guard depth + 1 <= limits.maxDepth else {
            throw violation("nesting deeper than \(limits.maxDepth)")
        }
        var elements: [RESPValue] = []
        // Every element takes at least 3 bytes; never reserve for elements that are not here.
        elements.reserveCapacity(min(count, buffer.readableBytes / 3))
        for _ in 0..<count {
            guard let element = try self.parseValue(&buffer, depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return elements
    }

    /// Reads up to CRLF; `nil` when the CRLF is not in yet.
    private func readLine(_ buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let crIndex = view.firstIndex(of: Self.cr) else {
            if view.count > limits.maxLineLength { throw violation("line longer than \(limits.maxLineLength) bytes") }
            return nil
        }
        let length = crIndex - view.startIndex
        if length > limits.maxLineLength { throw violation("line longer than \(limits.maxLineLength) bytes") }
        guard let next = buffer.getInteger(at: crIndex + 1, as: UInt8.self) else { return nil }
        guard next == Self.lf else { throw violation("CR not followed by LF") }
        let line = buffer.readSlice(length: length)!  // crIndex lies within the readable bytes
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// Reads a length line; `-1` only when `allowNull`; above `max` throws before anything is waited for.
    private func readLength(_ buffer: inout ByteBuffer, allowNull: Bool, max: Int) throws -> Int? {
        guard let line = try self.readLine(&buffer) else { return nil }
        if line.readableBytes == 1, line.readableBytesView.first == UInt8(ascii: "?") {
            throw violation("streamed RESP3 aggregates are not supported")
        }
        let value = try self.parseInteger(line, what: "length")
        if value == -1 && allowNull { return -1 }
        guard value >= 0 else { throw violation("negative length \(value)") }
        guard value <= Int64(max) else { throw violation("length \(value) exceeds the limit of \(max)") }
        return Int(value)
    }

    /// Reads `length` bytes followed by CRLF; `nil` until all of them are in.
    private func readBlob(_ buffer: inout ByteBuffer, length: Int) throws -> ByteBuffer? {
        guard buffer.readableBytes >= length + 2 else { return nil }
        let blob = buffer.readSlice(length: length)!  // readable bytes checked above
        guard buffer.readInteger(as: UInt8.self) == Self.cr, buffer.readInteger(as: UInt8.self) == Self.lf else {
            throw violation("bulk payload not terminated by CRLF")
        }
        return blob
    }

    private func parseInteger(_ line: ByteBuffer, what: String) throws -> Int64 {
        let view = line.readableBytesView
        var index = view.startIndex
        var negative = false
        if index < view.endIndex, view[index] == UInt8(ascii: "-") || view[index] == UInt8(ascii: "+") {
            negative = view[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < view.endIndex, view.endIndex - index <= 19 else { throw violation("malformed \(what)") }
        var value: Int64 = 0
        while index < view.endIndex {
            let byte = view[index]
            guard byte >= 0x30, byte <= 0x39 else { throw violation("malformed \(what)") }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.subtractingReportingOverflow(Int64(byte - 0x30))
            guard !o1, !o2 else { throw violation("\(what) out of range") }
            value = sum  // accumulate negatively so Int64.min parses
            index += 1
        }
        if negative { return value }
        guard value != Int64.min else { throw violation("\(what) out of range") }
        return -value
    }

    private func parseDouble(_ line: ByteBuffer) throws -> Double {
        let text = String(buffer: line)
        switch text {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default:
            guard text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 || $0 == 0x45 }),
                let value = Double(text)
            else { throw violation("malformed double") }
            return value
        }
    }
}
