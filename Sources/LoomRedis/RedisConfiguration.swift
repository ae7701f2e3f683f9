import Foundation
import NIOCore

/// Provides TLS for `rediss://` connections (the seam LoomTLS plugs into).
public protocol RedisTLSProvider: Sendable {
    /// Makes the client-side TLS handler for a connection to `serverHostname`;
    /// the handler must verify the server's certificate against that name.
    func makeClientHandler(serverHostname: String) throws -> any ChannelHandler
}

/// Everything needed to open a connection: where, how to authenticate, limits and timeouts.
///
/// Usually made from a URL:
/// `redis://[user:password@]host:port/db`, `rediss://…` (TLS), or `unix:///path/to.sock?db=N`.
/// The password never appears in ``description`` or in logs.
public struct RedisConfiguration: Sendable, CustomStringConvertible {
    /// Where the server listens.
    public enum Endpoint: Sendable, Hashable {
        /// A host name or IP address and a TCP port.
        case tcp(host: String, port: Int)
        /// A unix domain socket path.
        case unix(path: String)
    }

    /// Which protocol version to ask for.
    public enum ProtocolVersion: Int, Sendable, Hashable {
        /// RESP2 only (no HELLO).
        case resp2 = 2
        /// RESP3 through `HELLO 3`, falling back to RESP2 when the server does not know HELLO.
        case resp3 = 3
    }

    /// Where the server listens.
    public var endpoint: Endpoint
    /// Whether to use TLS (`rediss://`); requires ``tlsProvider``.
    public var useTLS: Bool
    /// The TLS implementation used when ``useTLS`` is set.
    public var tlsProvider: (any RedisTLSProvider)?
    /// ACL user name; `nil` means the default user.
    public var username: String?
    /// Password; `nil` means no authentication.
    public var password: String?
    /// Database index selected after connecting (`SELECT`), 0 by default.
    public var database: Int
    /// Name announced with `CLIENT SETNAME` (visible in `CLIENT LIST`), if any.
    public var clientName: String?
    /// Protocol to negotiate; RESP3 by default.
    public var protocolVersion: ProtocolVersion
    /// How long a command may wait for its reply before failing with ``RedisError/Code/timeout``.
    public var commandTimeout: TimeAmount
    /// How long establishing a connection (socket, TLS and handshake) may take.
    public var connectTimeout: TimeAmount
    /// Bounds on replies (see ``RESPDecoder/Limits``).
    public var decoderLimits: RESPDecoder.Limits

    /// Creates a configuration.
    public init(
        endpoint: Endpoint,
        useTLS: Bool = false,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        clientName: String? = nil
    ) {
        self.endpoint = endpoint
        self.useTLS = useTLS
        self.tlsProvider = nil
        self.username = username
        self.password = password
        self.database = database
        self.clientName = clientName
        self.protocolVersion = .resp3
        self.commandTimeout = .seconds(5)
        self.connectTimeout = .seconds(5)
        self.decoderLimits = RESPDecoder.Limits()
    }

    /// Parses `redis://[user:password@]host[:port][/db]`, `rediss://…` or `unix:///path?db=N`.
    ///
    /// User and password are percent-decoded. The port defaults to 6379.
    /// Throws ``RedisError/Code/invalidURL`` for anything else.
    public init(url: String) throws {
        func invalid(_ why: String) -> RedisError {
            // Never echo the URL itself: it may hold a password.
            RedisError(.invalidURL, "invalid Redis URL: \(why)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw invalid("not a URL")
        }
        var database = 0
        let endpoint: Endpoint
        switch scheme {
        case "redis", "rediss":
            guard var host = components.host, !host.isEmpty else { throw invalid("missing host") }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            let port = components.port ?? 6379
            guard (1...65535).contains(port) else { throw invalid("port out of range") }
            endpoint = .tcp(host: host, port: port)
            let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else { throw invalid("database must be a non-negative integer") }
                database = db
            }
        case "unix":
            guard !components.path.isEmpty, components.path.hasPrefix("/") else { throw invalid("missing socket path") }
            endpoint = .unix(path: components.path)
        default:
            throw invalid("scheme must be redis, rediss or unix")
        }
        for item in components.queryItems ?? [] where item.name == "db" {
            guard let db = item.value.flatMap({ Int($0) }), db >= 0 else {
                throw invalid("database must be a non-negative integer")
            }
            database = db
        }
        self.init(
            endpoint: endpoint,
            useTLS: scheme == "rediss",
            username: components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 },
            password: components.password.flatMap { $0.removingPercentEncoding ?? $0 },
            database: database
        )
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        var auth = ""
        if let username { auth = username }
        if password != nil { auth += ":***" }
        if !auth.isEmpty { auth += "@" }
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "\(useTLS ? "rediss" : "redis")://\(auth)\(shownHost):\(port)/\(database)"
        case .unix(let path):
            return "unix://\(auth)\(path)?db=\(database)"
        }
    }
}
