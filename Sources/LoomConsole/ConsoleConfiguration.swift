import Foundation

/// How the operator console is served: where, how callers are authenticated, and its limits.
public struct ConsoleConfiguration: Sendable {
    /// How the console knows who is calling.
    public enum AuthMode: String, Sendable, CaseIterable {
        /// Nobody is authenticated: every caller may do everything. Only on a loopback address (warned at start).
        case none
        /// The identity is a header set by an authenticating reverse proxy, trusted only from ``proxyPeers``.
        case proxy
        /// TLS with a verified client certificate; the identity is the certificate's, as for RPC.
        case mtls
    }

    /// Host to listen on.
    public var host: String = "127.0.0.1"
    /// Port to listen on (0 picks a free one).
    public var port: Int = 0
    /// How callers are authenticated.
    public var auth: AuthMode = .none
    /// The header that carries the identity in `proxy` mode (compared case-insensitively).
    public var proxyHeader: String = "X-Forwarded-User"
    /// The peers `proxy` mode accepts requests from (the reverse proxy's addresses).
    public var proxyPeers: [AddressRange] = []
    /// Largest request head (request line and headers), in bytes.
    public var maxHeaderSize: Int = 16 * 1024
    /// Server-Sent Event streams open at once, over all callers; one more is refused with 503.
    public var maxEventStreams: Int = 64
    /// How long a connection may stay without a request, and a request head may take to arrive.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a page may take to render before the caller gets a 503.
    public var requestTimeout: Duration = .seconds(30)
    /// How often an open fleet page's counts are read (the fleet has no watch of its own).
    public var fleetPollInterval: Duration = .seconds(2)
    /// Candidates per page of the migration page.
    public var pageSize: Int = 50

    /// The defaults (loopback, auth none, no listener until a port is chosen).
    public init() {}

    /// Whether `host` is a loopback address (`127.0.0.0/8`, `::1`, `localhost`): what `none` requires.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        guard let address = IPAddress(parsing: host) else { return false }
        return address.isLoopback
    }
}

/// An IPv4 or IPv6 address, as bytes.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6).
    public let bytes: [UInt8]

    /// Parses a dotted IPv4 or a textual IPv6 address (an IPv4-mapped IPv6 address becomes IPv4).
    public init?(parsing text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            self.bytes = Array(bytes[12...])
        } else {
            self.bytes = bytes
        }
    }

    /// Whether this is `127.0.0.0/8` or `::1`.
    public var isLoopback: Bool {
        bytes.count == 4 ? bytes[0] == 127 : bytes == Array(repeating: 0, count: 15) + [1]
    }

    public var description: String { bytes.map(String.init).joined(separator: bytes.count == 4 ? "." : ":") }
}

/// An address or a CIDR range (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`): who may act as the console's proxy.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network address.
    public let network: IPAddress
    /// Leading bits that must match.
    public let prefixLength: Int
    /// The text it was parsed from.
    public let description: String

    /// Parses `address` or `address/bits`; `nil` when either part is invalid.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parsing: String(parts[0])) else { return nil }
        let maxBits = address.bytes.count * 8
        var bits = maxBits
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maxBits).contains(parsed) else { return nil }
            bits = parsed
        }
        self.network = address
        self.prefixLength = bits
        self.description = text
    }

    /// Parses a comma-separated list; throws a message naming the first bad entry.
    public static func parseList(_ text: String) -> Result<[AddressRange], ConsoleConfigurationError> {
        var ranges: [AddressRange] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let range = AddressRange(parsing: entry) else {
                return .failure(ConsoleConfigurationError("\"\(entry)\" is not an IP address or CIDR range"))
            }
            ranges.append(range)
        }
        return .success(ranges)
    }

    /// Whether `address` is in this range (an IPv4 address never matches an IPv6 range, and back).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<address.bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address.bytes[index] & mask != network.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}

/// A console setting that cannot work; the message names what is wrong.
public struct ConsoleConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
