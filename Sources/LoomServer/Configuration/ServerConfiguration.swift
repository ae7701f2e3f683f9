import Foundation
import LoomAPIService
import LoomConsole
import LoomCore
import LoomHTTP
import LoomTLS

/// Everything `loom-server` is configured with: listeners, TLS, authorization, store, limits
/// and timeouts. Built by the command line (flags with `LOOM_*` environment fallbacks) and
/// checked by ``validate()`` before anything starts.
public struct ServerConfiguration: Sendable {
    /// A host and port to listen on or connect to.
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        /// Host name or IP address.
        public var host: String
        /// TCP port (0 picks a free one when listening).
        public var port: Int

        /// Parses `host:port`, `[v6]:port` or `:port` (all interfaces).
        public init(parsing text: String) throws(ConfigurationError) {
            var host: Substring, port: Substring
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                guard rest.hasPrefix(":") else { throw ConfigurationError("address \"\(text)\" must be [host]:port") }
                port = rest.dropFirst()
            } else {
                guard let colon = text.lastIndex(of: ":") else {
                    throw ConfigurationError("address \"\(text)\" must be host:port")
                }
                host = text[..<colon]
                port = text[text.index(after: colon)...]
            }
            guard let number = Int(port), (0...65535).contains(number) else {
                throw ConfigurationError("address \"\(text)\" has an invalid port")
            }
            self.host = host.isEmpty ? "0.0.0.0" : String(host)
            self.port = number
        }

        /// Creates an address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Certificate files of a TLS endpoint.
    public struct TLSFiles: Sendable, Hashable {
        /// PEM certificate chain (leaf first).
        public var certificatePath: String
        /// PEM private key of the leaf.
        public var privateKeyPath: String
        /// PEM bundle of CAs trusted for peer certificates (client certs on servers).
        public var trustedCAPath: String?

        /// Creates the file set.
        public init(certificatePath: String, privateKeyPath: String, trustedCAPath: String?) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
            self.trustedCAPath = trustedCAPath
        }
    }

    /// Where typed RPCs are served.
    public var rpcAddress = Address(host: "0.0.0.0", port: 7443)
    /// Where the REST callback shim is served.
    public var httpAddress = Address(host: "0.0.0.0", port: 8080)
    /// The server certificate (RPC, and the shim when ``httpTLS``); required unless ``insecure``.
    public var tls: TLSFiles?
    /// Whether RPC clients must present a certificate (`require`, the default), may (`optional`), or not (`none`).
    public var clientAuthentication: TLSConfig.ClientAuthentication = .require
    /// Lowest TLS version accepted (1.3 by default; 1.2 allowed).
    public var minimumTLSVersion: TLSConfig.ProtocolVersion = .tls1_3
    /// Plaintext RPC (development only; logged as a warning).
    public var insecure = false
    /// Serve the shim over TLS with the server certificate.
    public var httpTLS = false
    /// Client certificates on the shim (needed by callback auth `mtls`).
    public var httpClientAuthentication: TLSConfig.ClientAuthentication = .none
    /// Authorization policy file (JSON); `nil` lets every caller call every method (logged as a warning).
    public var policyPath: String?
    /// Legacy: callers without a client certificate or a migrator credential may announce and
    /// submit candidates over the shim, for migrations that have no owner (logged as a warning).
    public var shimAnonymousAnnounce = false
    /// How migrator callbacks are authenticated on the shim.
    public var callbackAuth: CallbackShimConfiguration.CallbackAuthMode = .token
    /// File holding the callback-token signing key (≥ 32 bytes); shared by all replicas.
    public var callbackSecretPath: String?
    /// The shim's URL as migrators reach it (sent as `callbackUrl` with each dispatch).
    public var publicURL: String?
    /// The Redis URL (`redis://`, `rediss://`, `unix://`); `nil` runs an embedded in-memory store.
    public var redisURL: String?
    /// Client certificate and CAs used when dispatching to `https://` migrators.
    public var migratorTLS: TLSFiles?
    /// CA bundle for verifying `https://` migrators when no client certificate is used.
    public var migratorCAPath: String?
    /// Bound for one dispatch POST.
    public var dispatchTimeout: Duration = .seconds(30)
    /// Bound for one dry-run POST.
    public var dryRunTimeout: Duration = .seconds(60)
    /// Step timeout for steps without `loom.timeout_seconds`; `nil` = none.
    public var defaultStepTimeout: Duration?
    /// How long a step the migrator acknowledged may stay silent before Loom asks the migrator
    /// (`POST /step-status`); `nil` never asks (``parseStepSilence(_:)``).
    public var stepSilence: Duration? = ServerConfiguration.defaultStepSilence
    /// How long a timer claimed by a replica stays hidden from the others: the time after which
    /// the work of a replica that died is taken over.
    public var timerLease: Duration = .seconds(30)
    /// This replica's stable id, recorded with its timer leases so that a restart takes them
    /// back at once; `nil` uses the host name (``effectiveReplicaID``). Two live processes on
    /// one store must not share it (the second is refused).
    public var replicaID: String?
    /// POSTs per step attempt before the step fails.
    public var maxDispatchAttempts: UInt32 = 8
    /// Largest RPC message.
    public var maxMessageSize = 4 << 20
    /// Concurrent calls per RPC connection.
    public var maxCallsPerConnection = 256
    /// Largest shim request body.
    public var maxBodySize = 1 << 20
    /// Graceful drain bound on shutdown.
    public var drainTimeout: Duration = .seconds(30)
    /// Redis connections of the orchestrator's lane: transitions, timer claims, starts, events,
    /// one-key reads (GetRun).
    public var redisConnections = 4
    /// Redis connections of the read lane: the expensive client reads (listings, migration reads
    /// with counts, recounts, histories, watches), never sharing a connection with the orchestrator.
    public var redisReadConnections = 4
    /// Expensive reads (ListMigrations, GetMigration, ListCandidates, ListRuns, GetRunHistory,
    /// RecountMigration) one caller identity may have in flight at once; one more is refused with
    /// RESOURCE_EXHAUSTED. Callers without an identity share one allowance.
    public var maxReadsPerCaller = CallerReadLimiter.defaultLimit
    /// Connections the RPC server and the shim may hold together; `nil` derives it from the open-file limit
    /// (the limit less an eighth of it, at least 128, and at most 10,000). Each listener may take all but a reserve
    /// (a sixteenth, at most 64), so a flood on one leaves the other — the shim's `/healthz` and `/readyz` — room.
    public var maxConnections: Int?
    /// Connections one peer may hold on a listener: per client IP address until the TLS handshake completes, then
    /// per certificate identity; `nil` is an eighth of ``maxConnections`` (at least 4).
    public var maxConnectionsPerPeer: Int?
    /// TLS handshakes in progress per listener (past it, the oldest is closed); `nil` is a quarter of
    /// ``maxConnections`` (at least 4).
    public var maxHandshakes: Int?
    /// How long an RPC call's request may take to arrive whole after its CALL_START.
    public var rpcRequestTimeout: Duration = .seconds(30)
    /// The longest a unary RPC without a deadline (or with a longer one) may run.
    public var rpcMaxUnaryDuration: Duration = .seconds(300)

    /// Where the operator console is served; `nil` (the default) serves none.
    public var consoleAddress: Address?
    /// How console callers are authenticated: `none` (loopback only), `proxy` or `mtls`.
    public var consoleAuth: ConsoleConfiguration.AuthMode = .none
    /// The header an authenticating reverse proxy puts the user in (console auth `proxy`).
    public var consoleProxyHeader = "X-Forwarded-User"
    /// The addresses (or CIDR ranges) of that proxy: the only peers console auth `proxy` accepts.
    public var consoleProxyPeers: [AddressRange] = []

    /// The defaults.
    public init() {}

    /// ``replicaID``, else the host name.
    public var effectiveReplicaID: String { replicaID ?? ProcessInfo.processInfo.hostName }

    /// Checks everything that can be checked without starting: files exist and are readable,
    /// combinations make sense. Throws the first problem found, in words an operator can act on.
    public func validate() throws(ConfigurationError) {
        if !insecure && tls == nil {
            throw ConfigurationError("--tls-cert and --tls-key are required (or --insecure for a plaintext development server)")
        }
        if let tls {
            try Self.readable(tls.certificatePath, flag: "--tls-cert")
            try Self.readable(tls.privateKeyPath, flag: "--tls-key")
            if let ca = tls.trustedCAPath { try Self.readable(ca, flag: "--tls-ca") }
            if tls.trustedCAPath == nil, clientAuthentication != .none {
                throw ConfigurationError("--client-auth \(clientAuthentication.rawValue) needs --tls-ca (the CA that signs client certificates)")
            }
        }
        if httpTLS, tls == nil { throw ConfigurationError("--http-tls needs --tls-cert and --tls-key") }
        if callbackAuth == .mtls, !(httpTLS && httpClientAuthentication != .none) {
            throw ConfigurationError("--callback-auth mtls needs --http-tls and --http-client-auth optional|require")
        }
        if let policyPath { try Self.readable(policyPath, flag: "--policy") }
        if let callbackSecretPath { try Self.readable(callbackSecretPath, flag: "--callback-secret-file") }
        if let migratorTLS {
            try Self.readable(migratorTLS.certificatePath, flag: "--migrator-cert")
            try Self.readable(migratorTLS.privateKeyPath, flag: "--migrator-key")
        }
        if let migratorCAPath { try Self.readable(migratorCAPath, flag: "--migrator-ca") }
        if let publicURL, !(publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://")) {
            throw ConfigurationError("--public-url must start with http:// or https://")
        }
        if let redisURL, !["redis://", "rediss://", "unix://"].contains(where: { redisURL.hasPrefix($0) }) {
            throw ConfigurationError("--redis must be a redis://, rediss:// or unix:// URL")
        }
        guard maxMessageSize >= 1024, maxMessageSize <= 64 << 20 else {
            throw ConfigurationError("--max-message-size must be between 1 KiB and 64 MiB")
        }
        guard maxBodySize >= 1024, maxBodySize <= 64 << 20 else {
            throw ConfigurationError("--max-body-size must be between 1 KiB and 64 MiB")
        }
        guard (1...100_000).contains(maxCallsPerConnection) else {
            throw ConfigurationError("--max-calls-per-connection must be between 1 and 100000")
        }
        guard (1...100).contains(maxDispatchAttempts) else {
            throw ConfigurationError("--max-dispatch-attempts must be between 1 and 100")
        }
        guard LeaseHolder.isValidReplicaID(effectiveReplicaID) else {
            throw ConfigurationError(
                replicaID == nil
                    ? "--replica-id is needed: the host name \"\(effectiveReplicaID)\" is not a valid replica id (1 to 253 characters of A-Z a-z 0-9 . _ -)"
                    : "--replica-id must be 1 to 253 characters of A-Z a-z 0-9 . _ -, not \"\(effectiveReplicaID)\"")
        }
        guard (1...64).contains(redisConnections) else {
            throw ConfigurationError("--redis-connections must be between 1 and 64")
        }
        guard (1...64).contains(redisReadConnections) else {
            throw ConfigurationError("--redis-read-connections must be between 1 and 64")
        }
        guard (1...10_000).contains(maxReadsPerCaller) else {
            throw ConfigurationError("--max-reads-per-caller must be between 1 and 10000")
        }
        try validateConnectionLimits()
        try validateConsole()
    }

    /// The console's settings, as the console server takes them.
    public var console: ConsoleConfiguration? {
        guard let consoleAddress else { return nil }
        var console = ConsoleConfiguration()
        console.host = consoleAddress.host
        console.port = consoleAddress.port
        console.auth = consoleAuth
        console.proxyHeader = consoleProxyHeader
        console.proxyPeers = consoleProxyPeers
        return console
    }

    private func validateConsole() throws(ConfigurationError) {
        guard let console else { return }
        do {
            try ConsoleServer.check(console, hasTLS: tls?.trustedCAPath != nil)
        } catch {
            throw ConfigurationError(error.message)
        }
        guard !consoleProxyHeader.isEmpty, consoleProxyHeader.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            throw ConfigurationError("--console-proxy-header must be an HTTP header name, not \"\(consoleProxyHeader)\"")
        }
    }

    private func validateConnectionLimits() throws(ConfigurationError) {
        if let maxConnections, !(2...1_000_000).contains(maxConnections) {
            throw ConfigurationError("--max-connections must be between 2 and 1000000")
        }
        if let maxConnectionsPerPeer, !(1...1_000_000).contains(maxConnectionsPerPeer) {
            throw ConfigurationError("--max-connections-per-peer must be between 1 and 1000000")
        }
        if let maxHandshakes, !(1...1_000_000).contains(maxHandshakes) {
            throw ConfigurationError("--max-handshakes must be between 1 and 1000000")
        }
        guard rpcRequestTimeout > .zero else { throw ConfigurationError("--rpc-request-timeout must be positive") }
        guard rpcMaxUnaryDuration >= dryRunTimeout else {
            throw ConfigurationError(
                "--rpc-max-unary-duration (\(rpcMaxUnaryDuration)) must be at least --dry-run-timeout (\(dryRunTimeout)): a DryRun call waits that long for its migrator")
        }
    }

    private static func readable(_ path: String, flag: String) throws(ConfigurationError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError("\(flag) \(path): no such file")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigurationError("\(flag) \(path): not a readable file")
        }
    }
}

/// A configuration the server refuses to start with; the message says what to change.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
