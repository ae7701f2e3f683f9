import LoomProto
import LoomRPC
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

    /// Decodes the bytes; throws `ProtoCodecError` when they are not a valid encoding of `Message` or break a bound of
    /// `DecodeLimits.default` (the frame decoder already bounds their size).
    public func deserialize(_ bytes: ByteBuffer) throws -> Message {
        try bytes.withUnsafeReadableBytes { raw in try Message(decoding: raw, maxSize: Int.max) }
    }

    /// Decodes the bytes as ``deserialize(_:)`` does; `admit` gets the pre-scan's estimate of the decoded size
    /// (`DecodeCost.decodedBytes`) after the bytes passed every check and before anything is allocated.
    public func deserialize(_ bytes: ByteBuffer, admitting admit: (Int) throws -> Void) throws -> Message {
        try bytes.withUnsafeReadableBytes { raw in
            try Message(decoding: raw, maxSize: Int.max) { cost in try admit(cost.decodedBytes) }
        }
    }
}
