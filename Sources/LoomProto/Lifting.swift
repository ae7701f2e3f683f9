import CProtobufC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A string field that is not valid UTF-8; the decoder adds the message name.
struct FieldError: Error {
    /// The fully qualified field, e.g. `loom.v1.FileRef.path`.
    let field: StaticString
}

// Conversions from structs unpacked by protobuf-c to Swift.

/// A string field, validated as UTF-8. Its length is `strlen`'s: the pre-scan refused the
/// message if any string field contained a NUL byte, so no string is cut short.
func liftString(_ string: UnsafeMutablePointer<CChar>?, field: StaticString) throws(FieldError) -> String {
    guard let string else { return "" }
    let length = strlen(string)
    if length == 0 { return "" }
    let utf8 = UnsafeBufferPointer(start: UnsafeRawPointer(string).assumingMemoryBound(to: UInt8.self), count: length)
    guard let value = String(validating: utf8, as: UTF8.self) else {
        throw FieldError(field: field)
    }
    return value
}

/// A singular message field; nil when absent.
func liftOptional<CStruct, Value>(
    _ message: UnsafeMutablePointer<CStruct>?,
    _ lift: (UnsafePointer<CStruct>) throws(FieldError) -> Value
) throws(FieldError) -> Value? {
    guard let message else { return nil }
    return try lift(message)
}

/// A repeated message field.
func liftRepeated<CStruct, Value>(
    _ count: Int,
    _ elements: UnsafeMutablePointer<UnsafeMutablePointer<CStruct>?>?,
    _ lift: (UnsafePointer<CStruct>) throws(FieldError) -> Value
) throws(FieldError) -> [Value] {
    guard count > 0, let elements else { return [] }
    var values: [Value] = []
    values.reserveCapacity(count)
    for index in 0..<count {
        guard let element = elements[index] else { continue }
        values.append(try lift(element))
    }
    return values
}

/// A repeated string field.
func liftStrings(
    _ count: Int,
    _ elements: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    field: StaticString
) throws(FieldError) -> [String] {
    guard count > 0, let elements else { return [] }
    var values: [String] = []
    values.reserveCapacity(count)
    for index in 0..<count {
        values.append(try liftString(elements[index], field: field))
    }
    return values
}

/// A `map<string, string>` field; for a repeated key the last entry wins, as protobuf requires.
func liftMap<Entry: CStringMapEntry>(
    _ count: Int,
    _ entries: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>?,
    field: StaticString
) throws(FieldError) -> [String: String] {
    guard count > 0, let entries else { return [:] }
    var values: [String: String] = [:]
    values.reserveCapacity(count)
    for index in 0..<count {
        guard let entry = entries[index] else { continue }
        values[try liftString(entry.pointee.key, field: field)] = try liftString(entry.pointee.value, field: field)
    }
    return values
}

/// The name a protobuf-c enum descriptor gives `number`, or nil when it has none.
func enumValueName(_ descriptor: ProtobufCEnumDescriptor, number: Int32) -> String? {
    withUnsafePointer(to: descriptor) { descriptor in
        protobuf_c_enum_descriptor_get_value(descriptor, number).map { String(cString: $0.pointee.name) }
    }
}
