import Logging
import LoomTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// The console's listener: HTTP/1.1 (HTTPS with client certificates in auth mode `mtls`) in
/// front of a ``ConsoleRouter``.
///
/// ```swift
/// let console = ConsoleServer(configuration: config, router: router, tls: nil, limits: .init(), group: group, logger: logger)
/// try await console.start()     // `console.localPort` is the bound port
/// try await console.shutdown()
/// ```
public final class ConsoleServer: Sendable {
    private let configuration: ConsoleConfiguration
    private let router: ConsoleRouter
    private let tls: TLSContext?
    private let limits: ConnectionLimits
    private let group: any EventLoopGroup
    private let logger: Logger
    private let open = OpenConnections()

    /// Creates the listener.
    /// - Parameters:
    ///   - configuration: Address, auth mode and limits.
    ///   - router: What answers requests.
    ///   - tls: A server TLS context (required for `mtls`, which needs it to ask for client certificates).
    ///   - limits: Connection limits (the server's shared budget and per-peer limits).
    ///   - group: Event loops to serve on.
    ///   - logger: For lifecycle messages.
    public init(
        configuration: ConsoleConfiguration, router: ConsoleRouter, tls: TLSContext?, limits: ConnectionLimits,
        group: any EventLoopGroup, logger: Logger
    ) {
        self.configuration = configuration
        self.router = router
        self.tls = tls
        self.limits = limits
        self.group = group
        self.logger = logger
    }

    /// The TLS context it serves with (`nil`: plain HTTP), for certificate reloads.
    public var tlsContext: TLSContext? { tls }

    /// The bound port, once started.
    public var localPort: Int? { open.localPort }

    /// Checks the configuration against the auth mode, binds and starts accepting.
    /// - Throws: ``ConsoleConfigurationError`` naming the flag for `none` off loopback, `proxy`
    ///   without peers, or `mtls` without TLS.
    public func start() async throws {
        let config = configuration
        try Self.check(config, hasTLS: tls != nil)
        if config.auth == .none {
            logger.warning(
                "console authentication is OFF (--console-auth none): anyone who can reach \(config.host):\(config.port) reads everything; loopback only")
        }
        let router = self.router
        let tls = self.tls
        let logger = self.logger
        let admission = ConnectionAdmission(listener: "console", limits: limits, tls: tls != nil, logger: logger, eventLoop: group.any())
        let channel = try await ServerBootstrap(group: group)
            .serverChannelInitializer { admission.configureServerChannel($0) }
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    let tlsHandler = try tls.map { try sync.addTLSServerHandlers(context: $0, logger: logger, rejections: admission) }
                    if let tlsHandler { admission.trackHandshake(of: channel, tls: tlsHandler) }
                    var decoderLimits = NIOHTTPDecoderLimitConfiguration()
                    decoderLimits.maxHeaderListSize = config.maxHeaderSize
                    decoderLimits.maxHeaderFieldSize = config.maxHeaderSize
                    decoderLimits.maxHeaderFieldCount = 128
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withServerUpgrade: nil, withErrorHandling: false,
                        withOutboundHeaderValidation: true, withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(
                        ConsoleConnectionHandler(
                            router: router, idleTimeout: config.idleTimeout, requestTimeout: config.requestTimeout,
                            peerIdentity: { tlsHandler?.peerIdentity }))
                    self?.open.track(channel)
                }
            }
            .bind(host: config.host, port: config.port)
            .get()
        open.listening(on: channel)
        logger.notice(
            "listening",
            metadata: [
                "listener": "console", "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                "auth": "\(config.auth.rawValue)", "tls": "\(tls != nil)",
            ])
    }

    /// The configuration problems that stop the console from starting, naming the flag.
    public static func check(_ config: ConsoleConfiguration, hasTLS: Bool) throws(ConsoleConfigurationError) {
        switch config.auth {
        case .none:
            guard ConsoleConfiguration.isLoopback(config.host) else {
                throw ConsoleConfigurationError(
                    "--console-auth none is only allowed on a loopback address (127.0.0.1, ::1, localhost), not --console-listen host \"\(config.host)\"; use proxy or mtls")
            }
        case .proxy:
            guard !config.proxyPeers.isEmpty else {
                throw ConsoleConfigurationError("--console-auth proxy needs --console-proxy-peers (the reverse proxy's addresses or CIDR ranges)")
            }
        case .mtls:
            guard hasTLS else {
                throw ConsoleConfigurationError("--console-auth mtls needs --tls-cert, --tls-key and --tls-ca (the CA that signs browser certificates)")
            }
        }
    }

    /// Stops accepting and closes open connections (event streams end). Idempotent.
    public func shutdown() async {
        await open.closeAll()
    }
}
