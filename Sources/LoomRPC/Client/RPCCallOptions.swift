import NIOCore

/// Per-call settings for ``RPCClient``.
public struct RPCCallOptions: Sendable {
    /// How long the call may take, measured from when it is started; `nil` defers to
    /// ``RPCClient/Configuration/defaultTimeout``. Includes waiting for a connection. Past it the call fails with
    /// DEADLINE_EXCEEDED, the client sends CANCEL, and the server (which receives the timeout) stops the handler.
    public var timeout: TimeAmount?
    /// Metadata sent with CALL_START. Keys: lowercase ASCII letters, digits, `-`, `_`, `.`.
    public var metadata: RPCMetadata

    /// Creates call options.
    public init(timeout: TimeAmount? = nil, metadata: RPCMetadata = [:]) {
        self.timeout = timeout
        self.metadata = metadata
    }

    /// No timeout beyond the client default, no metadata.
    public static let defaults = RPCCallOptions()
}

/// The response messages of a server-streaming call, in order.
///
/// Iteration ends normally when the call ends with OK, and throws ``RPCError`` otherwise. Cancelling the iterating
/// task, or dropping the sequence before the end, cancels the call on the server.
///
/// Messages not taken yet are bounded (``RPCClient/Configuration/maxBufferedStreamBytes``): a caller that falls further
/// behind gets the messages it was sent, then RESOURCE_EXHAUSTED; the call is cancelled on the server.
public struct RPCResponseStream<Message: Sendable>: AsyncSequence, Sendable {
    /// The element type.
    public typealias Element = Message

    private let base: AsyncThrowingStream<ByteBuffer, any Error>
    private let backlog: StreamBacklog
    private let decode: @Sendable (ByteBuffer) throws -> Message

    init(
        base: AsyncThrowingStream<ByteBuffer, any Error>,
        backlog: StreamBacklog,
        decode: @escaping @Sendable (ByteBuffer) throws -> Message
    ) {
        self.base = base
        self.backlog = backlog
        self.decode = decode
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), backlog: backlog, decode: decode)
    }

    /// Iterates the responses.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
        let backlog: StreamBacklog
        let decode: @Sendable (ByteBuffer) throws -> Message

        /// The next response, `nil` after OK; throws ``RPCError`` when the call failed.
        public mutating func next() async throws -> Message? {
            do {
                guard let bytes = try await base.next() else { return nil }
                backlog.taken(StreamBacklog.cost(of: bytes))
                return try decode(bytes)
            } catch let error as RPCError {
                throw error
            } catch {
                throw RPCError(code: .internalError, message: "could not decode a response message", cause: error)
            }
        }
    }
}
