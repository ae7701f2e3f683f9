import LoomProto
import NIOCore

/// Encodes and decodes a LoomProto message as the payload of a MESSAGE frame (standard protobuf bytes).
public struct LoomMessageCoder<Message: LoomMessage>: RPCSerializer, RPCDeserializer {
    /// Creates the coder.
    public init() {}

    /// Writes the protobuf encoding of `message` into a new buffer, without an intermediate array.
    public func serialize(_ message: Message, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 0)
        _ = message.encode { size, fill in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { fill($0) }
        }
        return buffer
    }

    /// Decodes the bytes; throws `ProtoCodecError` when they are not a valid encoding of `Message`.
    public func deserialize(_ bytes: ByteBuffer) throws -> Message {
        try bytes.withUnsafeReadableBytes { raw in try Message(decoding: raw, maxSize: Int.max) }
    }
}
