import CProtobufC

/// The libprotobuf-c side of one ``LoomMessage`` type: its descriptor and scan schema, its
/// generated `*__unpack`, `*__free_unpacked`, `*__get_packed_size` and `*__pack` functions, and
/// the conversions between the Swift value and the C struct.
///
/// Only LoomProto can create one, which keeps ``LoomMessage`` closed to outside types.
/// Each message type holds one in a `static let`, so a call allocates no closures.
///
/// `@unchecked Sendable`: it is immutable, and holds only a constant descriptor, its immutable
/// scan schema, C function pointers and conversion functions that capture no state.
public struct LoomMessageCodec<Message>: @unchecked Sendable {
    /// The protobuf-c descriptor of the message.
    let descriptor: ProtobufCMessageDescriptor
    /// The pre-scan's view of the message type (``DecodeLimits``).
    let schema: ScanSchema
    /// Unpacks, converts to Swift and frees: the decode after the size check and the scan.
    let decode: (UnsafeRawBufferPointer) throws(DecodeFailure) -> Message
    /// Converts a value to its C struct (allocated in the arena), ready to pack.
    let lower: (Message, LoweringArena) -> LoweredMessage

    init<CStruct>(
        descriptor: ProtobufCMessageDescriptor,
        unpack: @escaping (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<CStruct>?,
        freeUnpacked: @escaping (UnsafeMutablePointer<CStruct>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void,
        packedSize: @escaping (UnsafePointer<CStruct>?) -> Int,
        pack: @escaping (UnsafePointer<CStruct>?, UnsafeMutablePointer<UInt8>?) -> Int,
        lift: @escaping (UnsafePointer<CStruct>) throws(FieldError) -> Message,
        lower: @escaping (Message, LoweringArena) -> UnsafeMutablePointer<CStruct>
    ) {
        self.descriptor = descriptor
        self.schema = ScanSchema(descriptor: descriptor)
        self.decode = { (bytes: UnsafeRawBufferPointer) throws(DecodeFailure) -> Message in
            // protobuf-c does not read `data` when `len` is 0, but give it a valid pointer anyway.
            let unpacked = withUnsafePointer(to: 0 as UInt8) { empty in
                unpack(nil, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty)
            }
            guard let unpacked else { throw .malformed }
            defer { freeUnpacked(unpacked, nil) }
            do throws(FieldError) {
                return try lift(unpacked)
            } catch {
                throw .field(error)
            }
        }
        self.lower = { message, arena in
            let c = UnsafePointer(lower(message, arena))
            return LoweredMessage(size: packedSize(c), pack: { pack(c, $0) })
        }
    }
}

/// A message converted to its C struct, whose memory lives in a ``LoweringArena``.
struct LoweredMessage {
    /// The exact encoded size in bytes.
    let size: Int
    /// Packs the struct into at least `size` bytes; returns the bytes written.
    let pack: (UnsafeMutablePointer<UInt8>) -> Int
}

/// Why a decode failed, before the message name is attached.
enum DecodeFailure: Error {
    case malformed
    case field(FieldError)

    func codecError(messageName: String) -> ProtoCodecError {
        switch self {
        case .malformed:
            .malformed(messageName)
        case .field(let error):
            .invalidUTF8(messageName, field: "\(error.field)")
        }
    }
}
