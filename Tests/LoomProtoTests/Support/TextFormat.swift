import Foundation
import LoomProto

// The protobuf text format as `protoc --decode` prints it and `protoc --encode` reads it,
// and a field-by-field comparison of a Loom message with it (by reflection, so every field
// of every message is covered without a per-message table).

/// A parsed text-format message: its fields in order (repeated fields appear repeatedly).
struct TextMessage: Equatable {
    enum Value: Equatable {
        /// A quoted string, unescaped to its bytes.
        case string([UInt8])
        /// An unquoted scalar: a number, `true`, or an enum value name.
        case token(String)
        /// A nested message.
        case message(TextMessage)
    }

    var fields: [(name: String, value: Value)] = []

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    func values(_ name: String) -> [Value] { fields.filter { $0.name == name }.map(\.value) }

    /// Parses the line-oriented output of `protoc --decode`.
    init(parsing text: String) throws {
        var stack: [(name: String, message: TextMessage)] = []
        var current = TextMessage()
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line == "}" {
                guard let (name, parent) = stack.popLast() else { throw ToolError("unbalanced } in \(text)") }
                var message = parent
                message.fields.append((name, .message(current)))
                current = message
            } else if line.hasSuffix(" {") {
                stack.append((String(line.dropLast(2)), current))
                current = TextMessage()
            } else if let colon = line.range(of: ": ") {
                let name = String(line[..<colon.lowerBound])
                let value = String(line[colon.upperBound...])
                if value.hasPrefix("\"") {
                    current.fields.append((name, .string(try Self.unescape(value))))
                } else {
                    current.fields.append((name, .token(value)))
                }
            } else {
                throw ToolError("unexpected text-format line: \(line)")
            }
        }
        guard stack.isEmpty else { throw ToolError("unterminated message in \(text)") }
        self = current
    }

    private init() {}

    /// Undoes C escaping (`\n`, `\"`, `\\`, octal `\303`, hex `\xC3`...) of a quoted string.
    static func unescape(_ quoted: String) throws -> [UInt8] {
        var bytes = Array(quoted.utf8)
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else {
            throw ToolError("not a quoted string: \(quoted)")
        }
        bytes = Array(bytes.dropFirst().dropLast())
        var out: [UInt8] = []
        var index = 0
        func isOctal(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte) }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            guard index < bytes.count else { throw ToolError("dangling backslash in \(quoted)") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "x"):
                var value: UInt32 = 0
                var digits = 0
                while index < bytes.count, digits < 2, let digit = Int(String(UnicodeScalar(bytes[index])), radix: 16) {
                    value = value * 16 + UInt32(digit)
                    index += 1
                    digits += 1
                }
                out.append(UInt8(value))
            case _ where isOctal(escape):
                var value = UInt32(escape - UInt8(ascii: "0"))
                var digits = 1
                while index < bytes.count, digits < 3, isOctal(bytes[index]) {
                    value = value * 8 + UInt32(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            default:
                out.append(escape)  // \" \' \\ and \?
            }
        }
        return out
    }
}

/// `camelCase`/`snake_case` names compared without case and underscores
/// (`migratorURL` ~ `migrator_url`, `skippedIDs` ~ `skipped_ids`).
func normalizedFieldName(_ name: String) -> String {
    name.lowercased().filter { $0 != "_" }
}

/// The stored properties of a message as (label, value), in declaration order.
func storedFields(of message: any LoomMessage) -> [(label: String, value: Any)] {
    Mirror(reflecting: message).children.map { ($0.label ?? "?", $0.value) }
}

/// A value with its field kind, as the comparisons and the writer need it.
enum FieldValue {
    case string(String)
    case scalar(String, isDefault: Bool)
    case enumeration(any LoomEnum)
    case message((any LoomMessage)?)
    case strings([String])
    case messages([any LoomMessage])
    case map([String: String])

    init(_ value: Any) {
        if let value = value as? String {
            self = .string(value)
        } else if let value = value as? Bool {
            self = .scalar(value ? "true" : "false", isDefault: !value)
        } else if let value = value as? Int64 {
            self = .scalar("\(value)", isDefault: value == 0)
        } else if let value = value as? UInt32 {
            self = .scalar("\(value)", isDefault: value == 0)
        } else if let value = value as? UInt64 {
            self = .scalar("\(value)", isDefault: value == 0)
        } else if let value = value as? Double {
            self = .scalar("\(value)", isDefault: value == 0)
        } else if let value = value as? any LoomEnum {
            self = .enumeration(value)
        } else if let value = value as? any LoomMessage {
            self = .message(value)
        } else if Mirror(reflecting: value).displayStyle == .optional {
            self = .message(Mirror(reflecting: value).children.first?.value as? any LoomMessage)
        } else if let value = value as? [String: String] {
            self = .map(value)
        } else if let value = value as? [String] {
            self = .strings(value)
        } else if let value = value as? [any LoomMessage] {
            self = .messages(value)
        } else {
            fatalError("unexpected field type \(type(of: value)) in a Loom message")
        }
    }

    /// Whether the value is the proto3 default, which is not encoded.
    var isDefault: Bool {
        switch self {
        case .string(let value): value.isEmpty
        case .scalar(_, let isDefault): isDefault
        case .enumeration(let value): value.rawValue == 0
        case .message(let value): value == nil
        case .strings(let value): value.isEmpty
        case .messages(let value): value.isEmpty
        case .map(let value): value.isEmpty
        }
    }
}

/// Compares `message` with its text format field by field; returns the differences.
func differences(between message: any LoomMessage, and text: TextMessage, path: String = "") -> [String] {
    var problems: [String] = []
    var matched = Set<String>()
    for (label, value) in storedFields(of: message) {
        let entries = text.fields.filter { normalizedFieldName($0.name) == normalizedFieldName(label) }
        if let first = entries.first { matched.insert(first.name) }
        let where_ = "\(path)\(type(of: message)).\(label)"
        func expectSingle(_ expected: TextMessage.Value) {
            if entries.map(\.value) != [expected] { problems.append("\(where_): text has \(entries), expected \(expected)") }
        }
        let field = FieldValue(value)
        if field.isDefault {
            if !entries.isEmpty { problems.append("\(where_): default value, but text has \(entries)") }
            continue
        }
        switch field {
        case .string(let value):
            expectSingle(.string(Array(value.utf8)))
        case .scalar(let token, _):
            expectSingle(.token(token))
        case .enumeration(let value):
            expectSingle(.token(value.protoValueName ?? "\(value.rawValue)"))
        case .message(let value):
            guard let value, entries.count == 1, case .message(let nested) = entries[0].value else {
                problems.append("\(where_): expected one nested message, text has \(entries)")
                continue
            }
            problems += differences(between: value, and: nested, path: "\(where_) > ")
        case .strings(let values):
            if entries.map(\.value) != values.map({ .string(Array($0.utf8)) }) {
                problems.append("\(where_): text has \(entries), expected \(values)")
            }
        case .messages(let values):
            guard entries.count == values.count else {
                problems.append("\(where_): \(values.count) elements, text has \(entries.count)")
                continue
            }
            for (index, (value, entry)) in zip(values, entries).enumerated() {
                guard case .message(let nested) = entry.value else {
                    problems.append("\(where_)[\(index)]: not a message in text")
                    continue
                }
                problems += differences(between: value, and: nested, path: "\(where_)[\(index)] > ")
            }
        case .map(let values):
            var decoded: [[UInt8]: [UInt8]] = [:]
            for entry in entries {
                guard case .message(let pair) = entry.value else {
                    problems.append("\(where_): map entry is not a message")
                    continue
                }
                func bytes(_ name: String) -> [UInt8] {
                    if case .string(let bytes) = pair.values(name).last { bytes } else { [] }
                }
                decoded[bytes("key")] = bytes("value")
            }
            let expected = Dictionary(uniqueKeysWithValues: values.map { (Array($0.key.utf8), Array($0.value.utf8)) })
            if decoded != expected { problems.append("\(where_): map differs: text has \(decoded), expected \(values)") }
        }
    }
    for field in text.fields where !matched.contains(field.name) {
        problems.append("\(path)\(type(of: message)): text has field \(field.name) the Swift type does not")
    }
    return problems
}

/// Writes `message` in the text format `protoc --encode` reads (strings octal-escaped).
func textFormat(of message: any LoomMessage, indent: String = "") -> String {
    var out = ""
    func quoted(_ string: String) -> String {
        var result = "\""
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): result += "\\\""
            case UInt8(ascii: "\\"): result += "\\\\"
            case 0x20..<0x7F: result.append(Character(UnicodeScalar(byte)))
            default: result += "\\" + String(byte, radix: 8).leftPadded(to: 3)
            }
        }
        return result + "\""
    }
    for (label, value) in storedFields(of: message) {
        let name = snakeCase(label)
        let field = FieldValue(value)
        if field.isDefault { continue }
        switch field {
        case .string(let value): out += "\(indent)\(name): \(quoted(value))\n"
        case .scalar(let token, _): out += "\(indent)\(name): \(token)\n"
        case .enumeration(let value): out += "\(indent)\(name): \(value.protoValueName ?? "\(value.rawValue)")\n"
        case .message(let value?):
            out += "\(indent)\(name) {\n\(textFormat(of: value, indent: indent + "  "))\(indent)}\n"
        case .message(nil): break
        case .strings(let values):
            for value in values { out += "\(indent)\(name): \(quoted(value))\n" }
        case .messages(let values):
            for value in values { out += "\(indent)\(name) {\n\(textFormat(of: value, indent: indent + "  "))\(indent)}\n" }
        case .map(let values):
            for (key, value) in values {
                out += "\(indent)\(name) {\n\(indent)  key: \(quoted(key))\n\(indent)  value: \(quoted(value))\n\(indent)}\n"
            }
        }
    }
    return out
}

/// `migratorURL` -> `migrator_url`, `skippedIDs` -> `skipped_ids`, `createdAtUnixMs` -> `created_at_unix_ms`.
func snakeCase(_ label: String) -> String {
    var out = ""
    let characters = Array(label)
    for (index, character) in characters.enumerated() {
        if character.isUppercase, index > 0 {
            let previousIsLower = characters[index - 1].isLowercase
            let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase && characters[index + 1] != "s"
            if previousIsLower || nextIsLower { out += "_" }
        }
        out += character.lowercased()
    }
    return out
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
