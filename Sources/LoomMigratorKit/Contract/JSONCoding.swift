#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encoding and decoding of reference JSON bodies with one configuration for the whole module.
///
/// Keys are sorted and `/` is not escaped, so the bytes Loom sends are deterministic (golden tests compare them).
/// Decode failures are turned into ``JSONBodyError`` with a short, safe message that names the offending field
/// but never echoes the input.
public enum JSONCoding {
    /// Encodes a value to JSON bytes.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The reference types hold only strings, bools, ints, arrays and maps: encoding cannot fail.
        do {
            return Array(try encoder.encode(value))
        } catch {
            preconditionFailure("encoding a reference JSON body cannot fail: \(error)")
        }
    }

    /// Decodes a value from JSON bytes.
    /// - Throws: ``JSONBodyError`` when the bytes are not JSON or do not match the type.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(JSONBodyError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw JSONBodyError(error)
        } catch {
            throw JSONBodyError(message: "malformed JSON")
        }
    }
}

/// A request or response body that is not valid JSON of the expected shape.
public struct JSONBodyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A short message safe to return to the client (`missing required field "stepName"`).
    public var message: String

    /// Creates an error with a message.
    public init(message: String) {
        self.message = message
    }

    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.message = "missing required field \"\(Self.path(context.codingPath + [key]))\""
        case .typeMismatch(_, let context):
            self.message = Self.describe("wrong type", context)
        case .valueNotFound(_, let context):
            self.message = Self.describe("null or missing value", context)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.message = "malformed JSON"
            } else {
                self.message = Self.describe("invalid value", context)
            }
        @unknown default:
            self.message = "malformed JSON"
        }
    }

    /// The message.
    public var description: String { self.message }

    private static func describe(_ what: String, _ context: DecodingError.Context) -> String {
        context.codingPath.isEmpty ? "\(what) for the request body" : "\(what) for field \"\(path(context.codingPath))\""
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        // Bound what we reflect back: a key path is user-controlled text.
        return String(out.prefix(200))
    }
}
