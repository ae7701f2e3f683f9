import Logging
import LoomTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// The REST callback shim: an HTTP/1.1 server for migrators (announce, candidates, events) plus health,
/// readiness and Prometheus metrics.
///
/// ```swift
/// let shim = CallbackShim(configuration: .defaults { $0.port = 8081 }, router: router, group: group, logger: logger)
/// try await shim.start()          // binds; `shim.localPort` is the bound port
/// ...
/// try await shim.shutdown()       // stops accepting, closes connections
/// ```
public final class CallbackShim: Sendable {
    private let configuration: CallbackShimConfiguration
    private let router: CallbackShimRouter
    private let tls: TLSContext?
    private let group: any EventLoopGroup
    private let logger: Logger
    private let open = OpenConnections()

    /// Creates a shim.
    /// - Parameters:
    ///   - configuration: Address, limits and auth mode.
    ///   - router: The routing layer (its auth mode should equal `configuration.callbackAuth`).
    ///   - tls: A server TLS context to serve HTTPS (with client certificates when it asks for them, as the
    ///     `mtls` auth mode needs); `nil` serves plain HTTP.
    ///   - group: Event loops to serve on.
    ///   - logger: Logger for lifecycle and errors.
    public init(
        configuration: CallbackShimConfiguration,
        router: CallbackShimRouter,
        tls: TLSContext? = nil,
        group: any EventLoopGroup,
        logger: Logger
    ) {
        self.configuration = configuration
        self.router = router
        self.tls = tls
        self.group = group
        self.logger = logger
    }

    /// The port the shim listens on, once started.
    public var localPort: Int? {
        open.localPort
    }

    /// Binds and starts accepting connections.
    public func start() async throws {
        let config = self.configuration
        let router = self.router
        let tls = self.tls
        let logger = self.logger
        if config.callbackAuth == .mtls, tls == nil {
            self.logger.error("callback auth mode mtls needs TLS with client certificates; every event will be refused")
        }
        if config.callbackAuth == .none {
            self.logger.warning(
                "callback authentication is OFF (mode none): anyone who can reach the shim can complete, fail or fake any step (legacy migrators only)",
                metadata: ["host": "\(config.host)", "port": "\(config.port)"]
            )
        }
        let admission = ConnectionAdmission(
            listener: "http", limits: config.connectionLimits, tls: tls != nil, logger: logger, eventLoop: self.group.any())
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelInitializer { admission.configureServerChannel($0) }
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    let tlsHandler = try tls.map { try sync.addTLSServerHandlers(context: $0, logger: logger, rejections: admission) }
                    if let tlsHandler { admission.trackHandshake(of: channel, tls: tlsHandler) }
                    try Self.addHTTPHandlers(
                        to: sync,
                        configuration: config,
                        // Past the connection budget: one health probe, quickly (ProbeOnlyHandler).
                        probeOnly: admission.isProbeOnly(channel),
                        connectionHandler: ShimConnectionHandler(
                            responder: .router(router, requestTimeout: config.requestTimeout),
                            maxBodySize: config.maxBodySize,
                            peerIdentity: { tlsHandler?.peerIdentity }
                        )
                    )
                    self?.open.track(channel)
                }
            }
            .bind(host: config.host, port: config.port)
            .get()
        self.open.listening(on: channel)
        self.logger.info(
            "callback shim listening",
            metadata: [
                "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                "auth": "\(config.callbackAuth.rawValue)",
                "tls": "\(tls != nil)",
            ]
        )
    }

    /// Stops accepting connections and closes the open ones. Idempotent.
    public func shutdown() async throws {
        await open.closeAll()
    }

    /// Adds a connection's HTTP handlers (after TLS, if any): the ``ConnectionDeadlineHandler``, NIO's HTTP/1.1 server
    /// pipeline with pipelining assistance and header limits of `configuration.maxHeaderSize`, the
    /// ``ProbeOnlyHandler`` when `probeOnly` (with its short deadlines), then `connectionHandler`. The server's
    /// connections and the `shim-http` fuzz harness are both built here.
    static func addHTTPHandlers(
        to pipeline: ChannelPipeline.SynchronousOperations,
        configuration: CallbackShimConfiguration,
        probeOnly: Bool,
        connectionHandler: ShimConnectionHandler
    ) throws {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxHeaderSize
        limits.maxHeaderFieldSize = configuration.maxHeaderSize
        limits.maxHeaderFieldCount = 256
        try pipeline.addHandler(
            probeOnly
                ? ConnectionDeadlineHandler(idleTimeout: ProbeOnlyHandler.timeout, readTimeout: ProbeOnlyHandler.timeout)
                : ConnectionDeadlineHandler(idleTimeout: configuration.idleTimeout, readTimeout: configuration.requestReadTimeout)
        )
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: true,
            withServerUpgrade: nil,
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: limits
        )
        if probeOnly { try pipeline.addHandler(ProbeOnlyHandler()) }
        try pipeline.addHandler(connectionHandler)
    }

}
