import LoomTLS

/// Configuration of the REST callback shim: where it listens, its limits and how events are authenticated.
///
/// Start from ``defaults`` and change what you need (`CallbackShimConfiguration.defaults { $0.port = 8081 }`).
public struct CallbackShimConfiguration: Sendable {
    /// How the shim authenticates `POST /event/…` callers.
    public enum CallbackAuthMode: String, Sendable, Hashable, CaseIterable {
        /// Each event must carry `Authorization: Bearer <token>`, the callback token of the dispatch (default).
        case token
        /// The caller's TLS client certificate identity must be the migration's migrator.
        case mtls
        /// No authentication, as the reference. Insecure; the shim logs a warning at startup.
        case none
    }

    /// Address to bind (`127.0.0.1`, `::`, `0.0.0.0`).
    public var host: String
    /// TCP port; 0 picks a free port (see ``CallbackShim/localPort``).
    public var port: Int
    /// Largest accepted request body in bytes; a larger one gets 413 and the connection is closed. Default 1 MiB.
    public var maxBodySize: Int
    /// Largest accepted request header section (all names and values) in bytes; larger gets 431. Default 16 KiB.
    public var maxHeaderSize: Int
    /// Longest a client may take from the first byte of a request to its last; then 408 and close (slowloris).
    public var requestReadTimeout: Duration
    /// Longest a keep-alive connection may sit with no request in progress before it is closed.
    public var idleTimeout: Duration
    /// Longest the shim spends handling one request once received; then 503 and close. The work is cancelled.
    public var requestTimeout: Duration
    /// How events are authenticated.
    public var callbackAuth: CallbackAuthMode
    /// Which connections the shim accepts: the process-wide budget it shares with the RPC server, per-peer and
    /// handshake limits (see ``LoomTLS/ConnectionLimits``). The default limits nothing; accept back-off on EMFILE and
    /// aggregated logs of refused connections and rejected handshakes apply whatever the limits.
    public var connectionLimits = ConnectionLimits()

    /// The defaults: `127.0.0.1:8080`, 1 MiB bodies, 16 KiB headers, 10 s to read a request, 60 s idle,
    /// 30 s to handle one, token authentication.
    public static var defaults: Self {
        Self(
            host: "127.0.0.1",
            port: 8080,
            maxBodySize: 1 << 20,
            maxHeaderSize: 16 * 1024,
            requestReadTimeout: .seconds(10),
            idleTimeout: .seconds(60),
            requestTimeout: .seconds(30),
            callbackAuth: .token
        )
    }

    /// The defaults changed by `configure`.
    public static func defaults(configure: (inout Self) -> Void) -> Self {
        var config = Self.defaults
        configure(&config)
        return config
    }

    /// Creates a configuration; prefer ``defaults``.
    public init(
        host: String,
        port: Int,
        maxBodySize: Int,
        maxHeaderSize: Int,
        requestReadTimeout: Duration,
        idleTimeout: Duration,
        requestTimeout: Duration,
        callbackAuth: CallbackAuthMode
    ) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.maxHeaderSize = maxHeaderSize
        self.requestReadTimeout = requestReadTimeout
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.callbackAuth = callbackAuth
    }
}
