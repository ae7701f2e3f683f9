import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A Loom RPC client: one multiplexed connection shared by every concurrent call, reconnected with backoff.
///
/// ```swift
/// let client = RPCClient(host: "127.0.0.1", port: 7443, configuration: .defaults(transportSecurity: .insecure))
/// let reply = try await client.unary(method: "/echo.Echo/Get", request: buffer,
///                                    options: RPCCallOptions(timeout: .seconds(2)))
/// await client.close()
/// ```
///
/// The connection is opened by the first call. When it closes, or the server sends GOAWAY, the next call opens a
/// new one; after a failed connect, later attempts wait for ``Backoff``. Cancelling the calling task cancels the
/// call on the server (CANCEL frame).
public final class RPCClient: Sendable {
    /// One open connection.
    struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
        let acceptsCalls: NIOLockedValueBox<Bool>

        var isUsable: Bool { acceptsCalls.withLockedValue { $0 } }
    }

    private enum State {
        case idle(failures: Int, retryAt: NIODeadline?)
        case connecting(EventLoopFuture<Connection>)
        case ready(Connection, failures: Int)
        case closed
    }

    private enum NextStep {
        case use(Connection)
        case wait(EventLoopFuture<Connection>)
        case sleep(until: NIODeadline)
        case fail(RPCError)
    }

    private let host: String
    private let port: Int
    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State.idle(failures: 0, retryAt: nil))
    private let configurationError: (any Error)?

    /// Creates a client. No connection is opened until the first call.
    /// - Parameters:
    ///   - host: The server's host name or address (also the TLS server name).
    ///   - port: The server's port.
    ///   - configuration: Security, limits, keepalive and backoff.
    ///   - group: The event loops the connection runs on.
    ///   - logger: Where connection events are logged.
    public init(
        host: String,
        port: Int,
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "loom.rpc.client")
    ) {
        self.host = host
        self.port = port
        self.configuration = configuration
        self.group = group
        self.logger = logger
        if configuration.transportSecurity.isInsecure {
            logger.warning("RPC client connects WITHOUT TLS (insecure) to \(host):\(port)")
        }
        self.configurationError = Result {
            try configuration.transportSecurity.validate(isServer: false)
            guard configuration.maxMessageSize >= 0, configuration.maxBufferedStreamBytes >= 1 else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "maxMessageSize must be at least 0 and maxBufferedStreamBytes at least 1")
            }
        }.error
    }

    // MARK: Calls

    /// Makes a unary call with raw message bytes.
    /// - Returns: The response message bytes.
    /// - Throws: ``RPCError`` with the server's status, or a local one (DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE).
    ///
    /// Runs on the caller's executor (`nonisolated(nonsending)`). A caller already on the connection's event loop
    /// (a task there, with NIO's event loops as Swift's global executor, or an actor using that loop as its
    /// executor) starts the call synchronously and is resumed from the response without any thread hop.
    nonisolated(nonsending)
    public func unary(method: String, request: ByteBuffer, options: RPCCallOptions = .defaults) async throws -> ByteBuffer {
        let timeout = options.timeout ?? configuration.defaultTimeout
        let deadline = timeout.map { NIODeadline.now() + $0 }
        let connection = try await connection(deadline: deadline)
        let token = RPCCallToken()
        let handler = connection.handler
        let eventLoop = connection.channel.eventLoop
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<ByteBuffer, any Error>) in
                // The handler resumes the continuation exactly once (see `ClientConnectionHandler.Sink`).
                let remaining = deadline.map { $0 - .now() }
                let start: @Sendable () -> Void = {
                    handler.value.startCall(
                        token: token, method: method, request: request, timeout: remaining,
                        metadata: options.metadata, sink: .unary(continuation)
                    )
                }
                // On the loop already: start synchronously (`handler.value` is read on the thread that checked).
                if eventLoop.inEventLoop { start() } else { eventLoop.execute(start) }
            }
        } onCancel: {
            // May run before `startCall` reached the loop (a task cancelled early): the mark stops the call then.
            token.markCancelled()
            eventLoop.execute { handler.value.cancel(token: token) }
        }
    }

    /// Makes a typed unary call.
    /// - Throws: ``RPCError``; a request the serializer rejects fails with INVALID_ARGUMENT before anything is
    ///   sent, a response the deserializer rejects fails with INTERNAL.
    nonisolated(nonsending)
    public func unary<Request, Response>(
        method: String,
        request: Request,
        serializer: some RPCSerializer<Request>,
        deserializer: some RPCDeserializer<Response>,
        options: RPCCallOptions = .defaults
    ) async throws -> Response {
        let bytes: ByteBuffer
        do {
            bytes = try serializer.serialize(request, allocator: ByteBufferAllocator())
        } catch {
            throw RPCError(code: .invalidArgument, message: "could not encode the request", cause: error)
        }
        let response = try await unary(method: method, request: bytes, options: options)
        do {
            return try deserializer.deserialize(response)
        } catch {
            throw RPCError(code: .internalError, message: "could not decode the response", cause: error)
        }
    }

    /// Starts a server-streaming call with raw message bytes; iterate the result for the responses.
    public func serverStreaming(
        method: String,
        request: ByteBuffer,
        options: RPCCallOptions = .defaults
    ) async throws -> RPCResponseStream<ByteBuffer> {
        try await serverStreaming(method: method, request: request, options: options) { $0 }
    }

    /// Starts a typed server-streaming call; iterate the result for the responses.
    public func serverStreaming<Request, Response: Sendable>(
        method: String,
        request: Request,
        serializer: some RPCSerializer<Request>,
        deserializer: some RPCDeserializer<Response>,
        options: RPCCallOptions = .defaults
    ) async throws -> RPCResponseStream<Response> {
        let bytes: ByteBuffer
        do {
            bytes = try serializer.serialize(request, allocator: ByteBufferAllocator())
        } catch {
            throw RPCError(code: .invalidArgument, message: "could not encode the request", cause: error)
        }
        return try await serverStreaming(method: method, request: bytes, options: options) {
            try deserializer.deserialize($0)
        }
    }

    private func serverStreaming<Response>(
        method: String,
        request: ByteBuffer,
        options: RPCCallOptions,
        decode: @escaping @Sendable (ByteBuffer) throws -> Response
    ) async throws -> RPCResponseStream<Response> {
        let timeout = options.timeout ?? configuration.defaultTimeout
        let deadline = timeout.map { NIODeadline.now() + $0 }
        let connection = try await connection(deadline: deadline)
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let token = RPCCallToken()
        let handler = connection.handler
        let eventLoop = connection.channel.eventLoop
        let backlog = StreamBacklog(limit: configuration.maxBufferedStreamBytes)
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                token.markCancelled()
                eventLoop.execute { handler.value.cancel(token: token) }
            }
        }
        let remaining = deadline.map { $0 - .now() }
        eventLoop.execute {
            handler.value.startCall(
                token: token, method: method, request: request, timeout: remaining,
                metadata: options.metadata, sink: .stream(continuation, backlog)
            )
        }
        return RPCResponseStream(base: stream, backlog: backlog, decode: decode)
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE and later calls fail at once.
    public func close() async {
        let previous = state.withLockedValue { state -> State in
            let previous = state
            state = .closed
            return previous
        }
        switch previous {
        case .ready(let connection, _):
            try? await connection.channel.close()
        case .connecting(let future):
            if let connection = try? await future.get() { try? await connection.channel.close() }
        case .idle, .closed:
            break
        }
    }

    // MARK: Connection management

    /// Returns a usable connection, opening one if needed; waits out the backoff after failures.
    func connection(deadline: NIODeadline?) async throws -> Connection {
        if let configurationError {
            throw RPCError(code: .failedPrecondition, message: "invalid client configuration: \(configurationError)", cause: configurationError)
        }
        while true {
            try Task.checkCancellation()
            switch nextStep() {
            case .use(let connection):
                return connection
            case .wait(let future):
                do {
                    return try await future.get()
                } catch {
                    throw RPCError(refusedCertificate: error)
                        ?? RPCError(code: .unavailable, message: "could not connect to \(host):\(port)", cause: error)
                }
            case .sleep(let until):
                if let deadline, deadline < until {
                    throw RPCError(code: .unavailable, message: "\(host):\(port) is unreachable; the next attempt is after the deadline")
                }
                let nanos = max(0, (until - .now()).nanoseconds)
                try await Task.sleep(nanoseconds: UInt64(nanos))
            case .fail(let error):
                throw error
            }
        }
    }

    private func nextStep() -> NextStep {
        state.withLockedValue { state -> NextStep in
            switch state {
            case .ready(let connection, let failures):
                if connection.isUsable && connection.channel.isActive { return .use(connection) }
                state = .idle(failures: failures, retryAt: nil)
                return startConnecting(&state, failures: 0)
            case .connecting(let future):
                return .wait(future)
            case .idle(let failures, let retryAt):
                if let retryAt, retryAt > .now() { return .sleep(until: retryAt) }
                return startConnecting(&state, failures: failures)
            case .closed:
                return .fail(RPCError(code: .unavailable, message: "the client is closed"))
            }
        }
    }

    private func startConnecting(_ state: inout State, failures: Int) -> NextStep {
        let future = makeConnection()
        state = .connecting(future)
        let box = self.state
        let backoff = configuration.backoff
        let logger = self.logger
        future.whenComplete { result in
            box.withLockedValue { state in
                guard case .connecting = state else { return }  // closed meanwhile
                switch result {
                case .success(let connection):
                    state = .ready(connection, failures: 0)
                case .failure(let error):
                    let delay = backoff.delay(afterFailures: failures + 1)
                    logger.debug("connect failed", metadata: ["error": "\(error)", "retry_in_ms": "\(delay.nanoseconds / 1_000_000)"])
                    state = .idle(failures: failures + 1, retryAt: .now() + delay)
                }
            }
        }
        future.whenSuccess { connection in
            // A connection that has closed hands over to a new one on the next call.
            connection.channel.closeFuture.whenComplete { _ in
                box.withLockedValue { state in
                    if case .ready(let current, _) = state, current.channel === connection.channel {
                        state = .idle(failures: 0, retryAt: nil)
                    }
                }
            }
        }
        return .wait(future)
    }

    private func makeConnection() -> EventLoopFuture<Connection> {
        let configuration = self.configuration
        let logger = self.logger
        let host = self.host
        let handlerConfiguration = ClientConnectionHandler.Configuration(
            maxMessageSize: configuration.maxMessageSize,
            keepaliveInterval: configuration.keepaliveInterval,
            keepaliveTimeout: configuration.keepaliveTimeout
        )
        return ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(configuration.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try configuration.transportSecurity.configure(
                        channel: channel, isServer: false, targetHost: host, logger: logger
                    )
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ClientConnectionHandler(configuration: handlerConfiguration, logger: logger))
                }
            }
            .connect(host: host, port: port)
            .flatMap { channel in
                // With TLS, a connection is ready once its handshake completed; a failed handshake fails the
                // connect with the TLSError as cause.
                guard !configuration.transportSecurity.isInsecure else { return channel.eventLoop.makeSucceededFuture(channel) }
                return channel.tlsHandshakeCompleted().map { _ in channel }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self)
                return Connection(
                    channel: channel,
                    handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                    acceptsCalls: handler.acceptsCalls
                )
            }
    }
}

extension Result {
    fileprivate var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
