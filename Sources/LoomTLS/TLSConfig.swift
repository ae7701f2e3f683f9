import NIOCore

/// Configuration of a TLS endpoint (server or client), in the nested-config style.
///
/// Start from ``defaults`` (TLS 1.3 only, modern ciphers, no certificates, no client
/// authentication, 10 s handshake timeout) and set what the deployment needs:
///
/// ```swift
/// let config = TLSConfig.defaults { config in
///     config.certificates = .init(chainPath: "server.pem", privateKeyPath: "server.key")
///     config.trustRootsPath = "ca.pem"
///     config.clientAuthentication = .require
///     config.alpnProtocols = ["loom/1"]
/// }
/// ```
///
/// The same structure configures both roles; ``TLSContext`` decides which fields
/// apply (see each field's documentation).
public struct TLSConfig: Sendable, Hashable {
    /// A certificate chain and its private key, both PEM files on disk.
    public struct Certificates: Sendable, Hashable {
        /// PEM file holding the leaf certificate first, then any intermediates.
        ///
        /// Exactly these certificates are sent: Loom does not complete the chain from
        /// ``TLSConfig/trustRootsPath``, so a leaf issued by an intermediate CA needs that
        /// intermediate in this file (the root may be left out; peers trust it already).
        public var chainPath: String
        /// PEM file holding the private key of the leaf certificate (unencrypted).
        public var privateKeyPath: String

        /// Creates a certificate reference.
        /// - Parameters:
        ///   - chainPath: PEM file with the leaf certificate followed by intermediates.
        ///   - privateKeyPath: PEM file with the leaf's private key.
        public init(chainPath: String, privateKeyPath: String) {
            self.chainPath = chainPath
            self.privateKeyPath = privateKeyPath
        }
    }

    /// Whether a server asks its clients for a certificate (mutual TLS).
    public enum ClientAuthentication: String, Sendable, Hashable, CaseIterable {
        /// Every client must present a certificate that chains to ``TLSConfig/trustRootsPath``.
        case require
        /// A client may present a certificate; when it does, it must be valid.
        case optional
        /// The server does not ask for client certificates.
        case none
    }

    /// A TLS protocol version Loom can negotiate.
    public enum ProtocolVersion: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
        /// TLS 1.2 (RFC 5246). Only negotiated when ``TLSConfig/minimumVersion`` allows it.
        case tls1_2 = 0x0303
        /// TLS 1.3 (RFC 8446), the default and preferred version.
        case tls1_3 = 0x0304

        /// Orders versions by age (`tls1_2 < tls1_3`).
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

        /// `"TLSv1.2"` or `"TLSv1.3"`, as OpenSSL spells them.
        public var description: String {
            switch self {
            case .tls1_2: "TLSv1.2"
            case .tls1_3: "TLSv1.3"
            }
        }
    }

    /// How a client checks the server's certificate.
    public enum ServerVerification: String, Sendable, Hashable, CaseIterable {
        /// The chain must verify against the trust roots and the certificate must name
        /// the host the client connects to (``TLSConfig/serverName`` or the per-connection name).
        case full
        /// The chain must verify, but the host name is not checked. For tests and
        /// legacy deployments only.
        case chainOnly
        /// Nothing is checked. Never use in production; logged as a warning.
        case none
    }

    /// Timeouts of one TLS connection.
    public struct Timeouts: Sendable, Hashable {
        /// How long the whole handshake may take, from the moment the connection is active.
        /// A peer that sends nothing, or stalls half-way, is disconnected when it expires.
        public var handshake: TimeAmount
        /// How long to wait for the peer's close_notify after sending ours before closing the
        /// socket anyway.
        public var closeNotify: TimeAmount

        /// Creates timeouts.
        /// - Parameters:
        ///   - handshake: Upper bound on the handshake (default 10 s).
        ///   - closeNotify: Upper bound on the close_notify exchange (default 3 s).
        public init(handshake: TimeAmount = .seconds(10), closeNotify: TimeAmount = .seconds(3)) {
            self.handshake = handshake
            self.closeNotify = closeNotify
        }
    }

    /// Our own certificate chain and key. Required for a server; optional for a client
    /// (a client presents it when the server asks, which is how mTLS clients authenticate).
    public var certificates: Certificates?
    /// PEM bundle of the certificate authorities we trust to sign the *peer's* certificate.
    /// A server needs it unless ``clientAuthentication`` is `.none`. A client without it
    /// falls back to the system's default trust store.
    public var trustRootsPath: String?
    /// Server side only: whether clients must, may or cannot present certificates.
    public var clientAuthentication: ClientAuthentication
    /// The oldest protocol version accepted (default `.tls1_3`). The newest is always TLS 1.3.
    public var minimumVersion: ProtocolVersion
    /// ALPN protocol identifiers in preference order (e.g. `["loom/1"]`); empty disables ALPN.
    /// A server rejects a client that offers ALPN but none of these; a client that offers
    /// nothing is still accepted (the application decides from the negotiated value).
    public var alpnProtocols: [String]
    /// Client side only: the host name (or IP address) the server certificate must match,
    /// also sent as SNI when it is a name. A per-connection name given to the client handler
    /// overrides it.
    public var serverName: String?
    /// Client side only: how the server's certificate is checked (default `.full`).
    public var serverVerification: ServerVerification
    /// OpenSSL cipher list for TLS 1.2 (ignored by TLS 1.3). Defaults to ECDHE with AEAD ciphers only.
    public var tls12CipherList: String
    /// OpenSSL ciphersuites for TLS 1.3, colon-separated, in preference order.
    public var tls13CipherSuites: String
    /// Handshake and close timeouts.
    public var timeouts: Timeouts

    /// Creates a configuration; every parameter defaults to the value in ``defaults``.
    public init(
        certificates: Certificates? = nil,
        trustRootsPath: String? = nil,
        clientAuthentication: ClientAuthentication = .none,
        minimumVersion: ProtocolVersion = .tls1_3,
        alpnProtocols: [String] = [],
        serverName: String? = nil,
        serverVerification: ServerVerification = .full,
        tls12CipherList: String = TLSConfig.defaultTLS12CipherList,
        tls13CipherSuites: String = TLSConfig.defaultTLS13CipherSuites,
        timeouts: Timeouts = Timeouts()
    ) {
        self.certificates = certificates
        self.trustRootsPath = trustRootsPath
        self.clientAuthentication = clientAuthentication
        self.minimumVersion = minimumVersion
        self.alpnProtocols = alpnProtocols
        self.serverName = serverName
        self.serverVerification = serverVerification
        self.tls12CipherList = tls12CipherList
        self.tls13CipherSuites = tls13CipherSuites
        self.timeouts = timeouts
    }

    /// TLS 1.3 only, default ciphers, no certificates, no client authentication, full server
    /// verification, handshake timeout 10 s, close_notify timeout 3 s.
    public static var defaults: TLSConfig { TLSConfig() }

    /// ``defaults`` modified by `configure`.
    /// - Parameter configure: Mutates the default configuration in place.
    public static func defaults(configure: (inout TLSConfig) -> Void) -> TLSConfig {
        var config = TLSConfig.defaults
        configure(&config)
        return config
    }

    /// ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only (forward secrecy, AEAD).
    public static let defaultTLS12CipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// OpenSSL's TLS 1.3 suites, AES-128-GCM first (fastest with AES-NI).
    public static let defaultTLS13CipherSuites =
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
}
