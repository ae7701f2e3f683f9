import Logging
import LoomTLS
import NIOCore

/// How an RPC server or client secures its connections.
///
/// TLS (via LoomTLS, ALPN ``alpnProtocol``, optional mutual authentication) is the norm; plaintext exists only when
/// explicitly asked for with ``insecure``, and the server and client log a warning when they use it.
///
/// ```swift
/// let tls = try TLSContext.server(.defaults {
///     $0.certificates = .init(chainPath: "server.pem", privateKeyPath: "server.key")
///     $0.trustRootsPath = "ca.pem"
///     $0.clientAuthentication = .require
///     $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
/// })
/// let configuration = RPCServer.Configuration.defaults(transportSecurity: .tls(tls))
/// ```
public struct RPCTransportSecurity: Sendable {
    enum Base: Sendable {
        case insecure
        case tls(TLSContext, serverHostname: String?)
    }

    let base: Base

    /// The ALPN protocol identifier of this protocol version, `loom/1`.
    public static let alpnProtocol = "loom/1"

    /// Plaintext TCP. For tests and local development only: peers are unauthenticated (``RPCPeer/identity`` is
    /// `nil`) and traffic is readable on the network.
    public static let insecure = RPCTransportSecurity(base: .insecure)

    /// TLS with a LoomTLS context: a server context for ``RPCServer``, a client context for ``RPCClient``.
    ///
    /// The context's ``TLSConfig/alpnProtocols`` must include ``alpnProtocol``. On the server, the verified client
    /// certificate's identity reaches handlers as ``RPCPeer/identity``.
    /// - Parameters:
    ///   - context: The TLS context (certificates are reloadable through it).
    ///   - serverHostname: Client only: the name the server certificate must match; `nil` uses the host the
    ///     client connects to (or ``TLSConfig/serverName`` when set).
    public static func tls(_ context: TLSContext, serverHostname: String? = nil) -> RPCTransportSecurity {
        RPCTransportSecurity(base: .tls(context, serverHostname: serverHostname))
    }

    /// Whether this is plaintext.
    public var isInsecure: Bool {
        switch base {
        case .insecure: true
        case .tls: false
        }
    }

    /// Checks the settings a role needs; throws ``RPCConfigurationError`` describing the problem.
    func validate(isServer: Bool) throws {
        switch base {
        case .insecure:
            return
        case .tls(let context, _):
            guard (context.role == .server) == isServer else {
                throw RPCConfigurationError("an RPC \(isServer ? "server" : "client") needs a \(isServer ? "server" : "client") TLSContext")
            }
            guard context.configuration.alpnProtocols.contains(Self.alpnProtocol) else {
                throw RPCConfigurationError("the TLS configuration must offer ALPN \(Self.alpnProtocol)")
            }
        }
    }

    /// Adds the security handlers (if any) at the front of a new connection's pipeline; everything added after
    /// them sees plaintext frames. Returns the TLS handler, if any; a server's hands rejected handshakes to
    /// `rejections` when given.
    @discardableResult
    func configure(
        channel: any Channel,
        isServer: Bool,
        targetHost: String?,
        logger: Logger,
        rejections: (any TLSRejectionReporter)? = nil
    ) throws -> TLSHandler? {
        switch base {
        case .insecure:
            return nil
        case .tls(let context, let serverHostname):
            if isServer {
                return try channel.pipeline.syncOperations.addTLSServerHandlers(context: context, logger: logger, rejections: rejections)
            } else {
                let name = serverHostname ?? context.configuration.serverName ?? targetHost
                return try channel.pipeline.syncOperations.addTLSClientHandlers(context: context, serverHostname: name, logger: logger)
            }
        }
    }
}

/// An RPC server or client configuration that cannot work, found before any connection is made.
public struct RPCConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}
