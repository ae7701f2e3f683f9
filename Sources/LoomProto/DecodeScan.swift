import CLoomProto
import CProtobufC

/// What decoding one message takes, as the pre-scan of its bytes estimates it.
public struct DecodeCost: Sendable, Hashable {
    /// The size of the encoding in bytes.
    public let encodedBytes: Int
    /// protobuf-c's allocations for the message, estimated (see
    /// ``DecodeLimits/maxDecodedBytes(encodedSize:)``); the Swift value built from them is of the
    /// same order.
    public let decodedBytes: Int
}

/// The scan nodes of one message type and of every message type it contains: built once per
/// type from protobuf-c's descriptors and ``DecodeLimits/repeatedFieldBounds``, and never freed
/// (like the descriptors themselves).
///
/// `@unchecked Sendable`: immutable after `init`, which runs once in the codec's `static let`.
final class ScanSchema: @unchecked Sendable {
    let root: UnsafePointer<loom_pbc_scan_node>

    init(descriptor: ProtobufCMessageDescriptor) {
        // A stable copy of the top-level descriptor (the codec holds its own by value); nested
        // descriptors are protobuf-c's globals, reached through the fields.
        let copy = UnsafeMutablePointer<ProtobufCMessageDescriptor>.allocate(capacity: 1)
        copy.initialize(to: descriptor)
        var built: [String: UnsafePointer<loom_pbc_scan_node>] = [:]
        root = Self.node(for: UnsafePointer(copy), built: &built)
    }

    /// The node of `descriptor`, built with its children; `built` holds the nodes made so far,
    /// by message name, so a type that occurs in several places has one node.
    private static func node(
        for descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        built: inout [String: UnsafePointer<loom_pbc_scan_node>]
    ) -> UnsafePointer<loom_pbc_scan_node> {
        let messageName = String(cString: descriptor.pointee.name)
        if let node = built[messageName] { return node }
        let fieldCount = Int(descriptor.pointee.n_fields)
        precondition(fieldCount <= Int(LOOM_PBC_SCAN_MAX_FIELDS), "\(messageName) has more fields than the scan supports")
        let maxElements = UnsafeMutablePointer<Int>.allocate(capacity: max(fieldCount, 1))
        let children = UnsafeMutablePointer<UnsafePointer<loom_pbc_scan_node>?>.allocate(capacity: max(fieldCount, 1))
        children.initialize(repeating: nil, count: max(fieldCount, 1))
        let created = UnsafeMutablePointer<loom_pbc_scan_node>.allocate(capacity: 1)
        created.initialize(to: loom_pbc_scan_node(
            descriptor: descriptor,
            max_elements: UnsafeRawPointer(maxElements).assumingMemoryBound(to: Int.self),
            children: UnsafePointer(children)
        ))
        built[messageName] = UnsafePointer(created)
        for index in 0..<fieldCount {
            let field = descriptor.pointee.fields[index]
            let fieldName = "\(messageName).\(String(cString: field.name))"
            maxElements[index] = DecodeLimits.repeatedFieldBounds[fieldName] ?? DecodeLimits.fallbackMaxElements
            if field.type == PROTOBUF_C_TYPE_MESSAGE, let nested = field.descriptor {
                let nestedDescriptor = nested.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                children[index] = node(for: nestedDescriptor, built: &built)
            }
        }
        return UnsafePointer(created)
    }

    /// Scans `bytes` against `limits`; throws the first bound they break.
    func scan(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits, messageName: String) throws(ProtoCodecError) -> DecodeCost {
        let maxDecoded = limits.maxDecodedBytes(encodedSize: bytes.count)
        var cLimits = loom_pbc_scan_limits(
            max_depth: UInt32(clamping: limits.maxDepth),
            max_unknown_fields: limits.maxUnknownFields,
            max_decoded_bytes: maxDecoded
        )
        var result = loom_pbc_scan_result()
        let status = withUnsafePointer(to: 0 as UInt8) { empty in
            loom_pbc_scan(root, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty, bytes.count, &cLimits, &result)
        }
        if status == LOOM_PBC_SCAN_OK {
            return DecodeCost(encodedBytes: bytes.count, decodedBytes: result.decoded_bytes)
        }
        throw Self.error(status, result, messageName: messageName, encodedSize: bytes.count, limits: limits)
    }

    private static func error(
        _ status: loom_pbc_scan_status,
        _ result: loom_pbc_scan_result,
        messageName: String,
        encodedSize: Int,
        limits: DecodeLimits
    ) -> ProtoCodecError {
        let container = result.message.map { String(cString: $0.pointee.name) } ?? messageName
        let field = result.field.map { "\(container).\(String(cString: $0.pointee.name))" }
        switch status {
        case LOOM_PBC_SCAN_NUL_CHARACTER:
            return .nulCharacter(messageName, field: field ?? container)
        case LOOM_PBC_SCAN_TOO_MANY_ELEMENTS:
            let bound = field.flatMap { DecodeLimits.repeatedFieldBounds[$0] } ?? DecodeLimits.fallbackMaxElements
            return .tooManyElements(messageName, field: field ?? container, limit: bound)
        case LOOM_PBC_SCAN_DUPLICATE_FIELD:
            return .duplicateField(messageName, field: field ?? container)
        case LOOM_PBC_SCAN_TOO_MANY_UNKNOWN_FIELDS:
            return .tooManyUnknownFields(messageName, field: "\(container).\(result.field_number)", limit: limits.maxUnknownFields)
        case LOOM_PBC_SCAN_TOO_DEEP:
            return .tooDeep(messageName, field: field ?? container, limit: limits.maxDepth)
        case LOOM_PBC_SCAN_DECODED_TOO_LARGE:
            return .decodedTooLarge(
                messageName, field: field ?? container, size: encodedSize,
                limit: limits.maxDecodedBytes(encodedSize: encodedSize)
            )
        default:
            return .malformed(messageName)
        }
    }
}
