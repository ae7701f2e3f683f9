import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One connection to a Redis-protocol server, safe to use from many tasks at once.
///
/// Commands sent concurrently are pipelined: written as they come and answered
/// in order. Server error replies are thrown as ``RedisError``; a connection that
/// closes fails everything in flight with ``RedisError/Code/connectionClosed`` and
/// stays closed (``RedisConnectionPool`` replaces it).
///
/// ```swift
/// let connection = try await RedisConnection.connect(
///     to: try RedisConfiguration(url: "redis://127.0.0.1:6379/0"), on: MultiThreadedEventLoopGroup.singleton)
/// try await connection.send(RedisCommand("SET", "greeting", "hello"))
/// let value = try await connection.send(RedisCommand("GET", "greeting")).string
/// ```
public final class RedisConnection: Sendable {
    let channel: any Channel
    /// The protocol negotiated at connect: 3 after a successful `HELLO 3`, else 2.
    public let protocolVersion: Int
    /// The configuration the connection was opened with.
    public let configuration: RedisConfiguration

    let closeReason: RedisCloseReason
    /// The connection's handler, for sends from its own event loop (no trip through the pipeline).
    let handler: NIOLoopBound<RedisChannelHandler>

    init(
        channel: any Channel, handler: NIOLoopBound<RedisChannelHandler>, protocolVersion: Int,
        configuration: RedisConfiguration, closeReason: RedisCloseReason
    ) {
        self.channel = channel
        self.handler = handler
        self.closeReason = closeReason
        self.protocolVersion = protocolVersion
        self.configuration = configuration
    }

    /// Whether the connection is still open.
    public var isActive: Bool { channel.isActive }

    /// The event loop the connection runs on.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Completes when the connection has closed.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Sends one command and returns its reply; an error reply is thrown as ``RedisError``.
    ///
    /// - Parameter timeout: overrides ``RedisConfiguration/commandTimeout``.
    ///
    /// Runs on the caller's executor (`nonisolated(nonsending)`): a caller isolated to the
    /// connection's event loop (an actor using ``eventLoop``'s executor) sends and resumes
    /// without any thread hop.
    @discardableResult
    nonisolated(nonsending)
    public func send(_ command: RedisCommand, timeout: TimeAmount? = nil) async throws -> RESPValue {
        let deadline = self.deadline(timeout)
        let reply = try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<RESPValue, any Error>) in
            // Decided inside the continuation's body, which runs synchronously on the thread
            // that then uses the handler (awaiting `withUnsafeThrowingContinuation` itself may
            // switch executors, so a check before it would prove nothing).
            if channel.eventLoop.inEventLoop && channel.isActive {
                // On the connection's own loop: the handler gets the request synchronously and
                // resumes this task directly.
                handler.value.sendDirect(.single(command, .continuation(continuation)), deadline: deadline)
            } else {
                let promise = self.replyPromise(resuming: continuation)
                self.write(RedisOutbound(kind: .single(command, .promise(promise)), deadline: deadline), failing: promise)
            }
        }
        if case .error(let text) = reply.withoutAttributes { throw RedisError.serverReply(text) }
        return reply
    }

    /// Writes all `commands` at once and returns their replies in order.
    ///
    /// Error replies are returned in place as ``RESPValue/error(_:)`` so that one
    /// failing command does not hide the others' results. The batch is written
    /// contiguously: no other caller's command can come between its commands.
    nonisolated(nonsending)
    public func pipeline(_ commands: [RedisCommand], timeout: TimeAmount? = nil) async throws -> [RESPValue] {
        try await self.batch(commands, replies: commands.count, timeout: timeout)
    }

    /// Runs `commands` inside `MULTI`/`EXEC` and returns the `EXEC` results.
    ///
    /// Throws the first error reply (a command Redis rejected while queueing aborts the
    /// whole transaction with `EXECABORT`), or ``RedisError/Code/transactionAborted``
    /// when `EXEC` returns null.
    nonisolated(nonsending)
    public func transaction(_ commands: [RedisCommand], timeout: TimeAmount? = nil) async throws -> [RESPValue] {
        let all = [RedisCommand("MULTI")] + commands + [RedisCommand("EXEC")]
        let replies = try await self.batch(all, replies: all.count, timeout: timeout)
        let exec = replies[replies.count - 1].withoutAttributes
        if case .error(let text) = exec { throw RedisError.serverReply(text) }
        for reply in replies.dropLast() {
            if case .error(let text) = reply.withoutAttributes { throw RedisError.serverReply(text) }
        }
        if exec.isNull { throw RedisError(.transactionAborted, "EXEC returned null: the transaction was aborted") }
        guard let results = exec.array else {
            throw RedisError(.protocolViolation, "EXEC did not return an array")
        }
        return results
    }

    nonisolated(nonsending)
    func batch(_ commands: [RedisCommand], replies: Int, timeout: TimeAmount?) async throws -> [RESPValue] {
        let deadline = self.deadline(timeout)
        return try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<[RESPValue], any Error>) in
            if channel.eventLoop.inEventLoop && channel.isActive {
                handler.value.sendDirect(.batch(commands, replies: replies, .continuation(continuation)), deadline: deadline)
            } else {
                let promise = self.replyPromise(resuming: continuation)
                self.write(RedisOutbound(kind: .batch(commands, replies: replies, .promise(promise)), deadline: deadline), failing: promise)
            }
        }
    }

    /// A promise on the connection's loop that resumes `continuation` once, whatever completes it.
    private func replyPromise<Value: Sendable>(resuming continuation: UnsafeContinuation<Value, any Error>) -> EventLoopPromise<Value> {
        let promise = channel.eventLoop.makePromise(of: Value.self)
        promise.futureResult.whenComplete { continuation.resume(with: $0) }
        return promise
    }

    /// Writes `outbound`; when the write cannot reach the handler (the channel closed and its
    /// handlers are gone), fails the reply promise instead of leaving it pending forever.
    /// A promise the handler already completed ignores the second completion.
    private func write<Reply>(_ outbound: RedisOutbound, failing reply: EventLoopPromise<Reply>) {
        let written = channel.eventLoop.makePromise(of: Void.self)
        let closeReason = self.closeReason
        written.futureResult.whenFailure { error in
            reply.fail(
                closeReason.error ?? error as? RedisError
                    ?? RedisError(.connectionClosed, "cannot send: the connection is closed (\(error))"))
        }
        channel.writeAndFlush(outbound, promise: written)
    }

    /// Closes the connection; commands in flight fail with ``RedisError/Code/connectionClosed``.
    public func close() async {
        try? await channel.close()
    }

    private func deadline(_ timeout: TimeAmount?) -> NIODeadline? {
        let amount = timeout ?? configuration.commandTimeout
        return amount.nanoseconds > 0 ? .now() + amount : nil
    }
}

extension RedisConnection {
    /// Opens a connection: socket (TCP or unix), TLS for `rediss://`, then the handshake
    /// (`HELLO 3` with `AUTH` and `SETNAME`, or RESP2 `AUTH`/`CLIENT SETNAME` when the
    /// server does not know HELLO), then `SELECT` for a non-zero database.
    ///
    /// Throws ``RedisError/Code/connectFailed``, ``RedisError/Code/authentication``,
    /// ``RedisError/Code/protocolViolation`` (a peer that does not speak RESP) or
    /// ``RedisError/Code/timeout`` (a peer that does not answer).
    public static func connect(
        to configuration: RedisConfiguration,
        on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "loom.redis")
    ) async throws -> RedisConnection {
        try await self.connect(to: configuration, on: group, logger: logger, pushSink: nil)
    }

    static func connect(
        to configuration: RedisConfiguration,
        on group: any EventLoopGroup,
        logger: Logger,
        pushSink: (@Sendable (RESPValue) -> Void)?
    ) async throws -> RedisConnection {
        var hostname: String?
        if configuration.useTLS {
            guard configuration.tlsProvider != nil else {
                throw RedisError(.unsupported, "rediss:// needs a TLS provider in the configuration")
            }
            if case .tcp(let host, _) = configuration.endpoint { hostname = host }
        }
        let tlsHostname = hostname
        let limits = configuration.decoderLimits
        let tlsProvider = configuration.tlsProvider
        let closeReason = RedisCloseReason()
        let handlerBox = NIOLockedValueBox<NIOLoopBound<RedisChannelHandler>?>(nil)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsHostname, let tlsProvider {
                        try channel.pipeline.syncOperations.addHandler(
                            tlsProvider.makeClientHandler(serverHostname: tlsHostname))
                    }
                    let handler = RedisChannelHandler(decoderLimits: limits, pushSink: pushSink, closeReason: closeReason)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    handlerBox.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                }
            }
        let channel: any Channel
        do {
            switch configuration.endpoint {
            case .tcp(let host, let port):
                channel = try await bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: host, port: port).get()
            case .unix(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            }
        } catch {
            throw RedisError(.connectFailed, "cannot connect to \(configuration): \(error)")
        }
        guard let handler = handlerBox.withLockedValue({ $0 }) else {
            try? await channel.close()
            throw RedisError(.connectFailed, "cannot connect to \(configuration): the channel was not set up")
        }
        do {
            let version = try await handshake(
                channel: channel, handler: handler, configuration: configuration, closeReason: closeReason)
            logger.debug("connected to Redis", metadata: ["redis": "\(configuration)", "resp": "\(version)"])
            return RedisConnection(
                channel: channel, handler: handler, protocolVersion: version, configuration: configuration,
                closeReason: closeReason)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private static func handshake(
        channel: any Channel, handler: NIOLoopBound<RedisChannelHandler>, configuration: RedisConfiguration,
        closeReason: RedisCloseReason
    ) async throws -> Int {
        let connection = RedisConnection(
            channel: channel, handler: handler, protocolVersion: 2, configuration: configuration, closeReason: closeReason)
        let timeout = configuration.connectTimeout
        func authError(_ error: any Error) -> any Error {
            guard let redisError = error as? RedisError, redisError.code == .server || redisError.code == .authentication
            else { return error }
            return RedisError(.authentication, redisError.message)
        }
        var version = 2
        if configuration.protocolVersion == .resp3 {
            var arguments: [RESPArgument] = ["3"]
            if let password = configuration.password {
                arguments += ["AUTH", .string(configuration.username ?? "default"), .string(password)]
            }
            if let name = configuration.clientName { arguments += ["SETNAME", .string(name)] }
            do {
                let reply = try await connection.send(RedisCommand("HELLO", arguments: arguments), timeout: timeout)
                guard reply.pairs != nil else {
                    throw RedisError(.protocolViolation, "HELLO did not return a map")
                }
                version = 3
            } catch let error as RedisError where error.code == .server && Self.isUnknownHello(error) {
                version = 2
            } catch let error as RedisError where error.code == .server || error.code == .authentication {
                throw authError(error)
            }
        }
        if version == 2 {
            do {
                if let password = configuration.password {
                    var arguments: [RESPArgument] = []
                    if let user = configuration.username { arguments.append(.string(user)) }
                    arguments.append(.string(password))
                    try await connection.send(RedisCommand("AUTH", arguments: arguments), timeout: timeout)
                }
            } catch {
                throw authError(error)
            }
            if let name = configuration.clientName {
                try await connection.send(RedisCommand("CLIENT", "SETNAME", .string(name)), timeout: timeout)
            }
        }
        if configuration.database != 0 {
            try await connection.send(RedisCommand("SELECT", .integer(Int64(configuration.database))), timeout: timeout)
        }
        return version
    }

    /// `HELLO` unknown (old servers) or protocol 3 refused (`NOPROTO`): fall back to RESP2.
    private static func isUnknownHello(_ error: RedisError) -> Bool {
        error.serverPrefix == "NOPROTO" || error.message.lowercased().contains("unknown command")
    }
}
