/// A small JSON writer and reader for the store's records.
///
/// Every run transition encodes the run record (and reads decode it), so the record codec sits
/// on the orchestrator's hot path. Foundation's `JSONEncoder`/`JSONDecoder` spent more than half
/// of the orchestrator's CPU there (generic `Codable` containers); this codec writes and reads
/// the same JSON shape directly. `RecordCodecTests` pins it to the synthesized `Codable` form in
/// both directions, so records stay readable by either.
struct RecordJSONWriter {
    fileprivate(set) var bytes: [UInt8] = []

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// The document as text.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Writes `{`, lets `body` add the members, writes `}`.
    mutating func object(_ body: (inout ObjectWriter) throws -> Void) rethrows {
        bytes.append(UInt8(ascii: "{"))
        var members = ObjectWriter(writer: RecordJSONWriter(capacity: 0))
        swap(&members.writer.bytes, &bytes)  // hand the buffer over and back without copying it
        defer { swap(&members.writer.bytes, &bytes) }
        try body(&members)
        members.writer.bytes.append(UInt8(ascii: "}"))
    }

    /// Writes `[`, one element per item (written by `element`), `]`.
    mutating func array<Element>(_ items: [Element], _ element: (inout RecordJSONWriter, Element) throws -> Void) rethrows {
        bytes.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            try element(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a string literal, escaping quotes, backslashes and control characters.
    ///
    /// Runs of bytes that need no escape (nearly all of them) are copied in one go: this sits
    /// on every transition's encode path.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                appendEscape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            bytes.append(contentsOf: [
                UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                Self.hexDigit(byte >> 4), Self.hexDigit(byte & 0xF),
            ])
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Writes an integer.
    mutating func integer<Value: BinaryInteger>(_ value: Value) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// Writes an object of string values.
    mutating func stringMap(_ map: [String: String]) {
        object { members in
            for (key, value) in map { members.string(key, value) }
        }
    }

    /// Adds the members of one object; separators are written as needed.
    struct ObjectWriter {
        fileprivate(set) var writer: RecordJSONWriter
        private var first = true

        fileprivate init(writer: RecordJSONWriter) {
            self.writer = writer
        }

        /// Writes `"name":` and lets `value` write the value.
        mutating func member(_ name: String, _ value: (inout RecordJSONWriter) throws -> Void) rethrows {
            if !first { writer.bytes.append(UInt8(ascii: ",")) }
            first = false
            writer.string(name)
            writer.bytes.append(UInt8(ascii: ":"))
            try value(&writer)
        }

        mutating func string(_ name: String, _ value: String) { member(name) { $0.string(value) } }
        mutating func integer<Value: BinaryInteger>(_ name: String, _ value: Value) { member(name) { $0.integer(value) } }
        /// Omits the member when `value` is nil, as synthesized `Codable` does.
        mutating func string(_ name: String, ifPresent value: String?) {
            if let value { string(name, value) }
        }
        /// Omits the member when `value` is nil, as synthesized `Codable` does.
        mutating func integer<Value: BinaryInteger>(_ name: String, ifPresent value: Value?) {
            if let value { integer(name, value) }
        }
        mutating func stringMap(_ name: String, _ map: [String: String]) { member(name) { $0.stringMap(map) } }
    }
}

/// A parsed JSON value (only what records use: no fractional numbers).
enum RecordJSONValue {
    case object([String: RecordJSONValue])
    case array([RecordJSONValue])
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case null

    /// Parses one JSON document; throws ``RecordJSONError`` on anything malformed.
    static func parse(_ text: String) throws -> RecordJSONValue {
        var utf8 = text
        return try utf8.withUTF8 { buffer in
            var parser = RecordJSONParser(bytes: buffer)
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw RecordJSONError("trailing characters at offset \(parser.index)") }
            return value
        }
    }

    /// The members of an object.
    func object(_ what: String) throws(RecordJSONError) -> RecordJSONObject {
        guard case .object(let members) = self else { throw RecordJSONError("\(what) is not an object") }
        return RecordJSONObject(members: members, what: what)
    }

    /// The elements of an array.
    func array(_ what: String) throws(RecordJSONError) -> [RecordJSONValue] {
        guard case .array(let elements) = self else { throw RecordJSONError("\(what) is not an array") }
        return elements
    }

    /// The string.
    func string(_ what: String) throws(RecordJSONError) -> String {
        guard case .string(let text) = self else { throw RecordJSONError("\(what) is not a string") }
        return text
    }

    /// The integer, checked to fit `Value`.
    func integer<Value: FixedWidthInteger>(_ what: String, as: Value.Type = Value.self) throws(RecordJSONError) -> Value {
        guard case .integer(let number) = self, let value = Value(exactly: number) else {
            throw RecordJSONError("\(what) is not an integer of the expected range")
        }
        return value
    }

    /// A string-backed enum value.
    func enumeration<Value: RawRepresentable>(_ what: String, as: Value.Type = Value.self) throws(RecordJSONError) -> Value
    where Value.RawValue == String {
        let raw = try string(what)
        guard let value = Value(rawValue: raw) else { throw RecordJSONError("\(what) has an unknown value \"\(raw)\"") }
        return value
    }

    /// An object of string values.
    func stringMap(_ what: String) throws(RecordJSONError) -> [String: String] {
        guard case .object(let members) = self else { throw RecordJSONError("\(what) is not an object") }
        var map: [String: String] = [:]
        map.reserveCapacity(members.count)
        for (key, value) in members { map[key] = try value.string("\(what).\(key)") }
        return map
    }
}

/// An object's members with typed, error-reporting accessors (missing required member → error).
struct RecordJSONObject {
    let members: [String: RecordJSONValue]
    let what: String

    func value(_ key: String) throws(RecordJSONError) -> RecordJSONValue {
        guard let value = members[key] else { throw RecordJSONError("\(what) has no \"\(key)\"") }
        return value
    }

    /// The member, or nil when it is missing or null.
    func optional(_ key: String) -> RecordJSONValue? {
        guard let value = members[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    func string(_ key: String) throws(RecordJSONError) -> String { try value(key).string("\(what).\(key)") }
    func integer<Value: FixedWidthInteger>(_ key: String, as type: Value.Type = Value.self) throws(RecordJSONError) -> Value {
        try value(key).integer("\(what).\(key)", as: type)
    }
    func stringMap(_ key: String) throws(RecordJSONError) -> [String: String] { try value(key).stringMap("\(what).\(key)") }
    func array(_ key: String) throws(RecordJSONError) -> [RecordJSONValue] { try value(key).array("\(what).\(key)") }
    func object(_ key: String) throws(RecordJSONError) -> RecordJSONObject { try value(key).object("\(what).\(key)") }

    /// A string-backed enum member.
    func enumeration<Value: RawRepresentable>(_ key: String, as type: Value.Type = Value.self) throws(RecordJSONError) -> Value
    where Value.RawValue == String {
        try value(key).enumeration("\(what).\(key)", as: type)
    }

    /// A string member that may be absent (or null).
    func stringIfPresent(_ key: String) throws(RecordJSONError) -> String? {
        guard let value = optional(key) else { return nil }
        return try value.string("\(what).\(key)")
    }

    /// An integer member that may be absent (or null).
    func integerIfPresent<Value: FixedWidthInteger>(_ key: String, as type: Value.Type = Value.self) throws(RecordJSONError) -> Value? {
        guard let value = optional(key) else { return nil }
        return try value.integer("\(what).\(key)", as: type)
    }
}

/// Why a stored record could not be read.
struct RecordJSONError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A recursive-descent parser over UTF-8 bytes, nesting bounded.
private struct RecordJSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    static let maxDepth = 64

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(RecordJSONError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else {
            throw RecordJSONError("expected '\(Character(Unicode.Scalar(byte)))' at offset \(index)")
        }
        index += 1
    }

    private mutating func literal(_ text: StaticString, _ value: RecordJSONValue) throws(RecordJSONError) -> RecordJSONValue {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count,
            memcmpEqual(text.utf8Start, bytes.baseAddress! + index, count)
        else { throw RecordJSONError("bad literal at offset \(index)") }
        index += count
        return value
    }

    mutating func value(depth: Int) throws(RecordJSONError) -> RecordJSONValue {
        guard depth < Self.maxDepth else { throw RecordJSONError("nesting too deep") }
        skipWhitespace()
        guard index < bytes.count else { throw RecordJSONError("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: RecordJSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                members[key] = try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw RecordJSONError("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw RecordJSONError("expected ',' or '}' at offset \(index)")
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [RecordJSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw RecordJSONError("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw RecordJSONError("expected ',' or ']' at offset \(index)")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return .integer(try integer())
        }
    }

    private mutating func integer() throws(RecordJSONError) -> Int64 {
        let start = index
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var magnitude: UInt64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw RecordJSONError("number out of range at offset \(start)") }
            magnitude = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw RecordJSONError("unexpected character at offset \(start)") }
        if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
            throw RecordJSONError("fractional number at offset \(start): records hold integers only")
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw RecordJSONError("number out of range at offset \(start)") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw RecordJSONError("number out of range at offset \(start)") }
        return Int64(magnitude)
    }

    private mutating func string() throws(RecordJSONError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw RecordJSONError("expected a string at offset \(index)")
        }
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw RecordJSONError("control character in string at offset \(index)") }
            index += 1
        }
        guard index < bytes.count else { throw RecordJSONError("unterminated string") }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
        }
        var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw RecordJSONError("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        else { throw RecordJSONError("lone surrogate in string") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw RecordJSONError("bad surrogate pair in string") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw RecordJSONError("lone surrogate in string")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw RecordJSONError("bad \\u escape") }
                    scalars.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    throw RecordJSONError("bad escape at offset \(index - 1)")
                }
            case 0..<0x20:
                throw RecordJSONError("control character in string at offset \(index - 1)")
            default:
                scalars.append(byte)
            }
        }
        throw RecordJSONError("unterminated string")
    }

    private mutating func hex4() throws(RecordJSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw RecordJSONError("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw RecordJSONError("bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

private func memcmpEqual(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for offset in 0..<count where lhs[offset] != rhs[offset] { return false }
    return true
}
