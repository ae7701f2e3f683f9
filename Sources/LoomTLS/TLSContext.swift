import NIOConcurrencyHelpers

/// A reloadable TLS context for one role (server or client): the OpenSSL `SSL_CTX`
/// built from a ``TLSConfig``.
///
/// Build one per listener (or per outbound service) and share it between all
/// connections and event loops. Every new connection takes the context current at
/// that moment; ``reload()`` re-reads the certificate, key and CA files (for example on
/// SIGHUP, or when a certificate manager rotates them), and
/// ``reload(configuration:)`` swaps in a new configuration. Connections already open
/// keep the context they started with. A failed reload throws and leaves the
/// previous context in place.
public final class TLSContext: Sendable {
    /// Which side of the handshake a context serves.
    public enum Role: String, Sendable, Hashable {
        /// Accepts connections (`SSL_accept`); needs a certificate.
        case server
        /// Opens connections (`SSL_connect`); verifies the server.
        case client
    }

    /// The role this context was created for (fixed across reloads).
    public let role: Role
    private let current: NIOLockedValueBox<SSLContextBox>

    /// Loads `configuration` for `role`.
    /// - Parameters:
    ///   - configuration: Files, versions, ALPN, client authentication.
    ///   - role: Server or client.
    /// - Throws: ``TLSError`` with code `.invalidConfiguration`, `.certificateLoadFailed`,
    ///   `.privateKeyLoadFailed` or `.trustRootsLoadFailed`.
    public init(configuration: TLSConfig, role: Role) throws(TLSError) {
        self.role = role
        self.current = NIOLockedValueBox(try SSLContextBox(configuration: configuration, role: role))
    }

    /// Creates a server context (see ``init(configuration:role:)``).
    public static func server(_ configuration: TLSConfig) throws(TLSError) -> TLSContext {
        try TLSContext(configuration: configuration, role: .server)
    }

    /// Creates a client context (see ``init(configuration:role:)``).
    public static func client(_ configuration: TLSConfig) throws(TLSError) -> TLSContext {
        try TLSContext(configuration: configuration, role: .client)
    }

    /// The configuration new connections use.
    public var configuration: TLSConfig {
        current.withLockedValue { $0.configuration }
    }

    /// Re-reads the files named by the current configuration. New connections use the
    /// new certificates; open connections are unaffected.
    /// - Throws: ``TLSError`` when a file cannot be loaded; the previous context stays in use.
    public func reload() throws(TLSError) {
        try reload(configuration: configuration)
    }

    /// Replaces the configuration. New connections use it; open connections are unaffected.
    /// - Parameter configuration: The new configuration.
    /// - Throws: ``TLSError`` when it cannot be loaded; the previous context stays in use.
    public func reload(configuration: TLSConfig) throws(TLSError) {
        // Build outside the lock: reading files must not block connection setup.
        let box = try SSLContextBox(configuration: configuration, role: role)
        current.withLockedValue { $0 = box }
    }

    /// The context new connections start from.
    var currentBox: SSLContextBox {
        current.withLockedValue { $0 }
    }
}
