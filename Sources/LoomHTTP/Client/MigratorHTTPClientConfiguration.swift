/// Settings of the outbound HTTP client that calls migrators.
public struct MigratorHTTPClientConfiguration: Sendable {
    /// Longest wait for a TCP (and TLS) connection.
    public var connectTimeout: Duration
    /// Longest wait for a complete `dispatch-step` response, connection included.
    public var dispatchTimeout: Duration
    /// Longest wait for a complete `dry-run` response (dry runs compute diffs, so the default is longer).
    public var dryRunTimeout: Duration
    /// Idle keep-alive connections kept per migrator host.
    public var maxIdleConnectionsPerHost: Int
    /// An idle pooled connection older than this is closed rather than reused.
    public var idleConnectionTimeout: Duration
    /// Largest response body accepted.
    public var maxResponseSize: Int
    /// `User-Agent` sent with every request.
    public var userAgent: String

    /// Defaults: connect 5 s, dispatch 30 s (as the reference), dry run 120 s, 8 idle connections per host kept
    /// up to 60 s, 4 MiB responses.
    public static var defaults: Self {
        Self(
            connectTimeout: .seconds(5),
            dispatchTimeout: .seconds(30),
            dryRunTimeout: .seconds(120),
            maxIdleConnectionsPerHost: 8,
            idleConnectionTimeout: .seconds(60),
            maxResponseSize: 4 << 20,
            userAgent: "loom"
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
        connectTimeout: Duration,
        dispatchTimeout: Duration,
        dryRunTimeout: Duration,
        maxIdleConnectionsPerHost: Int,
        idleConnectionTimeout: Duration,
        maxResponseSize: Int,
        userAgent: String
    ) {
        self.connectTimeout = connectTimeout
        self.dispatchTimeout = dispatchTimeout
        self.dryRunTimeout = dryRunTimeout
        self.maxIdleConnectionsPerHost = maxIdleConnectionsPerHost
        self.idleConnectionTimeout = idleConnectionTimeout
        self.maxResponseSize = maxResponseSize
        self.userAgent = userAgent
    }
}
