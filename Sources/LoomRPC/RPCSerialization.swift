import NIOCore

/// Turns a message into the bytes of a MESSAGE frame payload.
public protocol RPCSerializer<Message>: Sendable {
    /// The message type.
    associatedtype Message
    /// Encodes `message`. A thrown error fails the call (INTERNAL on the server, INVALID_ARGUMENT locally on the
    /// client).
    func serialize(_ message: Message, allocator: ByteBufferAllocator) throws -> ByteBuffer
}

/// Turns the bytes of a MESSAGE frame payload into a message.
public protocol RPCDeserializer<Message>: Sendable {
    /// The message type.
    associatedtype Message
    /// Decodes `bytes`. A thrown error means the bytes are not a valid message: the server answers
    /// INVALID_ARGUMENT, the client fails the call with INTERNAL.
    func deserialize(_ bytes: ByteBuffer) throws -> Message
}

/// Passes message bytes through unchanged (for raw-bytes methods, tests and benchmarks).
public struct RPCRawBytesCoder: RPCSerializer, RPCDeserializer {
    /// Creates the coder.
    public init() {}

    /// Returns `message` unchanged.
    public func serialize(_ message: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer { message }

    /// Returns `bytes` unchanged.
    public func deserialize(_ bytes: ByteBuffer) -> ByteBuffer { bytes }
}
