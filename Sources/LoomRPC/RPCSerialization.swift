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
    /// Decodes `bytes` as ``deserialize(_:)`` does, but first calls `admit` with the memory the decoded message
    /// will take (an estimate in bytes), before allocating it. The server reserves that memory from its decode
    /// budgets there (``RPCServer/Configuration/maxDecodedBytesInFlight``); an error `admit` throws is rethrown
    /// unchanged and nothing is decoded.
    ///
    /// The default implementation admits `bytes.readableBytes`, then calls ``deserialize(_:)``.
    func deserialize(_ bytes: ByteBuffer, admitting admit: (Int) throws -> Void) throws -> Message
}

extension RPCDeserializer {
    /// Admits `bytes.readableBytes`, then decodes with ``deserialize(_:)``.
    public func deserialize(_ bytes: ByteBuffer, admitting admit: (Int) throws -> Void) throws -> Message {
        try admit(bytes.readableBytes)
        return try deserialize(bytes)
    }
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
