/// A parsed migrator base URL (`http://app-chart-migrator:3001`, `https://m.example/base/`).
///
/// Only `http` and `https` with a host are accepted; user info, query and fragment are rejected. A trailing
/// slash of the path is dropped so that `path("/dispatch-step")` never yields `//`.
public struct MigratorEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public enum Scheme: String, Sendable, Hashable {
        /// Plain HTTP.
        case http
        /// HTTP over TLS.
        case https
    }

    /// The scheme.
    public var scheme: Scheme
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// Port (default 80/443 by scheme).
    public var port: Int
    /// Base path without a trailing slash (empty for the root).
    public var basePath: String

    /// Parses a URL string.
    /// - Throws: ``MigratorClientError`` with code `invalidURL`.
    public init(parsing url: String) throws(MigratorClientError) {
        let invalid = MigratorClientError.invalidURL(url)
        let parts = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let scheme = Scheme(rawValue: parts[0].lowercased()) else { throw invalid }
        let rest = parts[1]
        guard !rest.contains("?"), !rest.contains("#") else { throw invalid }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { throw invalid }
        var path = String(rest[authorityEnd...])
        while path.hasSuffix("/") { path.removeLast() }

        let host: Substring
        let portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw invalid }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else {
                guard after.first == ":" else { throw invalid }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
            portText = nil
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "\t" }) else { throw invalid }
        let port: Int
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw invalid }
            port = value
        } else {
            port = scheme == .https ? 443 : 80
        }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
        self.basePath = path
    }

    /// The request target for `suffix` (which starts with `/`) under the base path.
    public func path(_ suffix: String) -> String {
        self.basePath + suffix
    }

    /// The value of the `Host` header.
    public var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        let defaultPort = self.scheme == .https ? 443 : 80
        return self.port == defaultPort ? host : "\(host):\(self.port)"
    }

    /// `scheme://host:port/base`.
    public var description: String {
        "\(self.scheme.rawValue)://\(self.hostHeader)\(self.basePath)"
    }

    /// The connection pool key: one pool per scheme, host and port.
    var poolKey: PoolKey { PoolKey(scheme: self.scheme, host: self.host, port: self.port) }

    struct PoolKey: Hashable, Sendable {
        var scheme: Scheme
        var host: String
        var port: Int
    }
}
