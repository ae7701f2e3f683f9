import LoomTLS
import LoomTestSupport
import NIOCore
import NIOEmbedded

/// Builds TLS configurations from the shared test CA.
enum TestTLS {
    static func ca() throws -> TestCertificateAuthority { try TestCertificateAuthority.shared() }

    static func certificates(_ credential: TestCertificateAuthority.Credential) -> TLSConfig.Certificates {
        TLSConfig.Certificates(chainPath: credential.chainPath, privateKeyPath: credential.keyPath)
    }

    /// A server config: test server cert, test CA as trust roots, ALPN loom/1.
    static func serverConfig(
        clientAuthentication: TLSConfig.ClientAuthentication = .require,
        configure: (inout TLSConfig) -> Void = { _ in }
    ) throws -> TLSConfig {
        let ca = try ca()
        var config = TLSConfig.defaults
        config.certificates = certificates(ca.server)
        config.trustRootsPath = ca.caPath
        config.clientAuthentication = clientAuthentication
        config.alpnProtocols = ["loom/1"]
        configure(&config)
        return config
    }

    /// A client config presenting `credential` (none when nil), verifying `localhost`.
    static func clientConfig(
        credential: TestCertificateAuthority.Credential?,
        configure: (inout TLSConfig) -> Void = { _ in }
    ) throws -> TLSConfig {
        let ca = try ca()
        var config = TLSConfig.defaults
        config.certificates = credential.map(certificates)
        config.trustRootsPath = ca.caPath
        config.serverName = "localhost"
        config.alpnProtocols = ["loom/1"]
        configure(&config)
        return config
    }
}

/// Records what reaches the end of a pipeline: plaintext, user events, errors.
final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    var received = ByteBuffer()
    var handshakes: [TLSHandshakeCompleted] = []
    var errors: [any Error] = []
    var inactive = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        received.writeBuffer(&buffer)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            handshakes.append(handshake)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
        context.fireChannelInactive()
    }

    var tlsErrors: [TLSError] { errors.compactMap { $0 as? TLSError } }
}

/// Two EmbeddedChannels with TLS handlers, pumped against each other in memory
/// (no sockets): what one side writes to the network the other reads.
struct InMemoryTLSPair {
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientHandler: TLSHandler
    let serverHandler: TLSHandler
    let clientEvents = EventRecorder()
    let serverEvents = EventRecorder()

    init(
        server serverContext: TLSContext,
        client clientContext: TLSContext,
        serverHostname: String? = nil
    ) throws {
        let loop = EmbeddedEventLoop()
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        serverHandler = try server.pipeline.syncOperations.addTLSServerHandlers(context: serverContext)
        clientHandler = try client.pipeline.syncOperations.addTLSClientHandlers(
            context: clientContext, serverHostname: serverHostname)
        try server.pipeline.syncOperations.addHandler(serverEvents)
        try client.pipeline.syncOperations.addHandler(clientEvents)
    }

    /// Activates both channels (the client starts the handshake) without pumping.
    func activate() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
        try server.connect(to: address).wait()
        try client.connect(to: address).wait()
    }

    /// Moves bytes between the two channels until neither has anything to send.
    /// Returns how many buffers were moved.
    @discardableResult
    func pump() throws -> Int {
        var moved = 0
        var quiet = false
        while !quiet {
            quiet = true
            // Read outbound even from a closed channel: its last close_notify is still queued.
            while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                quiet = false
                moved += 1
                if server.isActive { try server.writeInbound(bytes) }
            }
            while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                quiet = false
                moved += 1
                if client.isActive { try client.writeInbound(bytes) }
            }
        }
        return moved
    }

    /// Activates and pumps until the handshake is over.
    func handshake() throws {
        try activate()
        try pump()
    }
}

extension EventLoopFuture {
    /// The result if the future has completed, without blocking (EmbeddedEventLoop runs
    /// callbacks inline, so a completed future reports at once).
    func currentResult() -> Result<Value, any Error>? {
        var result: Result<Value, any Error>?
        assumeIsolated().whenComplete { result = $0 }
        return result
    }

    /// The value if the future has succeeded, nil otherwise.
    func currentValue() -> Value? {
        guard case .success(let value) = currentResult() else { return nil }
        return value
    }
}
