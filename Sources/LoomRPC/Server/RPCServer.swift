import Logging
import LoomTLS
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A Loom RPC server: accepts connections and serves the calls of each through a ``RPCRouter``.
///
/// ```swift
/// var router = RPCRouter()
/// router.registerUnary("/echo.Echo/Get") { request, context in request }
/// let server = try await RPCServer.bind(host: "127.0.0.1", port: 0, router: router,
///                                       configuration: .defaults(transportSecurity: .insecure))
/// try await server.serve() // until the task is cancelled; then drains
/// ```
///
/// Shutdown is graceful: ``beginGracefulShutdown()`` stops accepting, sends GOAWAY with the last accepted call id
/// on every connection, lets in-flight calls finish (up to ``Configuration/drainTimeout``) and then closes.
public final class RPCServer: Sendable {
    private struct Connections {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
        var listenerClosed = false
        var closeReported = false

        /// Whether everything is closed and nobody was told yet; marks it told.
        mutating func takeClosedReport() -> Bool {
            guard listenerClosed, channels.isEmpty, !closeReported else { return false }
            closeReported = true
            return true
        }
    }

    private let listener: any Channel
    private let configuration: Configuration
    private let logger: Logger
    private let connections: NIOLockedValueBox<Connections>
    private let closedPromise: EventLoopPromise<Void>

    /// The address the server listens on (useful after binding port 0).
    public var localAddress: SocketAddress? { listener.localAddress }

    private init(
        listener: any Channel,
        configuration: Configuration,
        logger: Logger,
        connections: NIOLockedValueBox<Connections>,
        closedPromise: EventLoopPromise<Void>
    ) {
        self.listener = listener
        self.configuration = configuration
        self.logger = logger
        self.connections = connections
        self.closedPromise = closedPromise
    }

    /// Binds a listening socket and starts serving.
    /// - Parameters:
    ///   - host: The address to listen on, e.g. `127.0.0.1`.
    ///   - port: The port; 0 picks a free one (see ``localAddress``).
    ///   - router: The methods served.
    ///   - configuration: Security and limits.
    ///   - group: The event loops for the listener and its connections.
    ///   - logger: Where connection events and unmapped handler errors are logged.
    public static func bind(
        host: String,
        port: Int,
        router: RPCRouter,
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "loom.rpc.server")
    ) async throws -> RPCServer {
        try configuration.transportSecurity.validate(isServer: true)
        if configuration.transportSecurity.isInsecure {
            logger.warning("RPC server runs WITHOUT TLS (insecure): peers are unauthenticated and traffic is plaintext")
        }
        let connections = NIOLockedValueBox(Connections())
        let closedPromise = group.any().makePromise(of: Void.self)
        let handlerConfiguration = ServerConnectionHandler.Configuration(
            maxConcurrentCalls: configuration.maxConcurrentCallsPerConnection,
            idleTimeout: configuration.idleTimeout,
            handlerExecution: configuration.handlerExecution,
            maxMessageSize: configuration.maxMessageSize,
            serverDecodeBudget: RPCDecodeBudget(limit: configuration.maxDecodedBytesInFlight),
            maxDecodedBytesInFlightPerConnection: configuration.maxDecodedBytesInFlightPerConnection,
            requestTimeout: configuration.requestTimeout,
            maxUnaryDuration: configuration.maxUnaryDuration
        )
        let admission = ConnectionAdmission(
            listener: "rpc", limits: configuration.connectionLimits, tls: !configuration.transportSecurity.isInsecure,
            logger: logger, eventLoop: group.any())
        let listener = try await ServerBootstrap(group: group)
            .serverChannelInitializer { admission.configureServerChannel($0) }
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let accepted = connections.withLockedValue { state -> Bool in
                        guard !state.shuttingDown else { return false }
                        state.channels[ObjectIdentifier(channel)] = channel
                        return true
                    }
                    guard accepted else { throw ChannelError.ioOnClosedChannel }
                    channel.closeFuture.whenComplete { _ in
                        let report = connections.withLockedValue { state -> Bool in
                            state.channels[ObjectIdentifier(channel)] = nil
                            return state.takeClosedReport()
                        }
                        if report { closedPromise.succeed() }
                    }
                    if let tls = try configuration.transportSecurity.configure(
                        channel: channel, isServer: true, targetHost: nil, logger: logger, rejections: admission
                    ) {
                        admission.trackHandshake(of: channel, tls: tls)
                    }
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(
                        ServerConnectionHandler(
                            router: router,
                            authorizer: configuration.authorizer,
                            configuration: handlerConfiguration,
                            peerIdentity: nil,
                            logger: logger
                        )
                    )
                }
            }
            .bind(host: host, port: port)
            .get()
        let server = RPCServer(
            listener: listener,
            configuration: configuration,
            logger: logger,
            connections: connections,
            closedPromise: closedPromise
        )
        server.installCloseTracking()
        logger.info("RPC server listening", metadata: ["address": "\(listener.localAddress.map { "\($0)" } ?? "?")"])
        return server
    }

    private func installCloseTracking() {
        listener.closeFuture.whenComplete { [self] _ in
            let done = connections.withLockedValue { state -> Bool in
                state.listenerClosed = true
                return state.takeClosedReport()
            }
            if done { closedPromise.succeed() }
        }
    }

    /// Serves until the calling task is cancelled, then shuts down gracefully and returns once every connection
    /// has closed. Returns early if the server is shut down by ``beginGracefulShutdown()`` or ``close()``.
    public func serve() async throws {
        await withTaskCancellationHandler {
            await waitUntilClosed()
        } onCancel: {
            beginGracefulShutdown()
        }
    }

    /// Waits until the listener and every connection have closed.
    public func waitUntilClosed() async {
        try? await closedPromise.futureResult.get()
    }

    /// Stops accepting connections and drains the open ones: each gets GOAWAY(NO_ERROR) with its last accepted
    /// call id, its in-flight calls finish, then it closes. Connections still open after
    /// ``Configuration/drainTimeout`` are closed. Calling it again has no effect.
    public func beginGracefulShutdown() {
        let channels = connections.withLockedValue { state -> [any Channel]? in
            guard !state.shuttingDown else { return nil }
            state.shuttingDown = true
            return Array(state.channels.values)
        }
        guard let channels else { return }
        logger.info("RPC server draining", metadata: ["connections": "\(channels.count)"])
        listener.close(promise: nil)
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.GracefulShutdownEvent())
        }
        let connections = self.connections
        listener.eventLoop.scheduleTask(in: configuration.drainTimeout) {
            let remaining = connections.withLockedValue { Array($0.channels.values) }
            for channel in remaining { channel.close(promise: nil) }
        }
    }

    /// Closes the listener and every connection at once; in-flight calls are cancelled.
    public func close() async {
        let channels = connections.withLockedValue { state -> [any Channel] in
            state.shuttingDown = true
            return Array(state.channels.values)
        }
        listener.close(promise: nil)
        for channel in channels { channel.close(promise: nil) }
        await waitUntilClosed()
    }
}
