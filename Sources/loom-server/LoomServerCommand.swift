import ArgumentParser
import Foundation
import Logging
import LoomAPIService
import LoomHTTP
import LoomServer
import LoomTLS

/// `loom-server`: the Loom orchestrator (typed RPC over TLS, REST callback shim, durable runs).
@main
struct LoomServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loom-server",
        abstract: "Loom: orchestrates fleet-wide migrations, durably.",
        discussion: """
            Serves typed RPCs (protobuf over TLS/mTLS, Protos/README.md) and the REST callback shim migrators \
            call back on (JSON over HTTP/1.1, optionally TLS). State lives in Redis (--redis); without it an \
            embedded in-memory store is used and NOTHING survives a restart.

            Every option can also be set through the environment variable named in its help; a flag wins over \
            the environment. SIGTERM/SIGINT drain and stop; SIGHUP reloads the TLS certificates.

            Exit status: 0 after a clean shutdown, 1 when the configuration is invalid or a listener cannot start.
            """)

    @Option(name: .customLong("rpc-listen"), help: "RPC address host:port (LOOM_RPC_LISTEN; default 0.0.0.0:7443).")
    var rpcListen: String?
    @Option(name: .customLong("http-listen"), help: "REST shim address host:port (LOOM_HTTP_LISTEN; default 0.0.0.0:8080).")
    var httpListen: String?
    @Option(name: .customLong("tls-cert"), help: "Server certificate chain, PEM: the leaf, then any intermediates (LOOM_TLS_CERT).")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "Server private key, PEM (LOOM_TLS_KEY).")
    var tlsKey: String?
    @Option(name: .customLong("tls-ca"), help: "CA bundle that signs client certificates, PEM (LOOM_TLS_CA).")
    var tlsCA: String?
    @Option(name: .customLong("client-auth"), help: "RPC client certificates: require, optional or none (LOOM_CLIENT_AUTH; default require).")
    var clientAuth: String?
    @Option(name: .customLong("tls-min-version"), help: "Lowest TLS version: 1.3 or 1.2 (LOOM_TLS_MIN_VERSION; default 1.3).")
    var tlsMinVersion: String?
    @Flag(name: .customLong("insecure"), help: "Serve RPC in plaintext, without TLS. Development only (LOOM_INSECURE=1).")
    var insecure = false
    @Flag(name: .customLong("http-tls"), help: "Serve the REST shim over TLS with the server certificate (LOOM_HTTP_TLS=1).")
    var httpTLS = false
    @Option(name: .customLong("http-client-auth"), help: "Shim client certificates: none, optional or require (LOOM_HTTP_CLIENT_AUTH; default none).")
    var httpClientAuth: String?
    @Option(name: .customLong("policy"), help: "Authorization policy file, JSON: identities -> roles -> methods (LOOM_POLICY).")
    var policy: String?
    @Flag(
        name: .customLong("shim-anonymous-announce"),
        help: """
            Legacy, insecure: let callers without a client certificate or a migrator credential announce and submit \
            candidates over the REST shim, for migrations that have no owner (LOOM_SHIM_ANONYMOUS_ANNOUNCE=1). Warns at start.
            """)
    var shimAnonymousAnnounce = false
    @Option(name: .customLong("callback-auth"), help: "Migrator callback auth: token, mtls or none (LOOM_CALLBACK_AUTH; default token).")
    var callbackAuth: String?
    @Option(name: .customLong("callback-secret-file"), help: "Callback-token signing key file, >= 32 bytes, shared by replicas (LOOM_CALLBACK_SECRET_FILE; default: kept in Redis).")
    var callbackSecretFile: String?
    @Option(name: .customLong("public-url"), help: "The shim's URL as migrators reach it, sent as callbackUrl (LOOM_PUBLIC_URL).")
    var publicURL: String?
    @Option(name: .customLong("redis"), help: "Store URL: redis://[user:pass@]host:port/db, rediss://..., unix:///path (LOOM_REDIS_URL). Without it: in-memory, not durable.")
    var redis: String?
    @Option(name: .customLong("migrator-ca"), help: "CA bundle for https:// migrators, PEM (LOOM_MIGRATOR_CA).")
    var migratorCA: String?
    @Option(name: .customLong("migrator-cert"), help: "Client certificate presented to https:// migrators, PEM (LOOM_MIGRATOR_CERT).")
    var migratorCert: String?
    @Option(name: .customLong("migrator-key"), help: "Key of --migrator-cert, PEM (LOOM_MIGRATOR_KEY).")
    var migratorKey: String?
    @Option(name: .customLong("dispatch-timeout"), help: "Seconds one dispatch POST may take (LOOM_DISPATCH_TIMEOUT; default 30).")
    var dispatchTimeout: Double?
    @Option(name: .customLong("dry-run-timeout"), help: "Seconds one dry-run POST may take (LOOM_DRY_RUN_TIMEOUT; default 60).")
    var dryRunTimeout: Double?
    @Option(name: .customLong("step-timeout"), help: "Default step timeout in seconds; steps may set loom.timeout_seconds (LOOM_STEP_TIMEOUT; default none).")
    var stepTimeout: Double?
    @Option(
        name: .customLong("step-silence"),
        help: """
            How long a step the migrator acknowledged may stay silent (no event since) before Loom asks the migrator \
            where it stands (POST /step-status), and again after each "still working" answer or failed ask: seconds, \
            or 90s, 15m, 1h; off or 0 never asks. A migrator without the endpoint leaves the run stalled \
            (loomctl runs list --stalled) until a callback arrives (LOOM_STEP_SILENCE; default 15m).
            """)
    var stepSilence: String?
    @Option(name: .customLong("timer-lease"), help: "Seconds a claimed timer stays hidden from other replicas; a dead replica's work is taken over after it (LOOM_TIMER_LEASE; default 30).")
    var timerLease: Double?
    @Option(
        name: .customLong("replica-id"),
        help: """
            This replica's stable id, kept across restarts: a restarted replica takes back its own timer leases at once             instead of after --timer-lease. Unique per live process: a second process with the same id on the same             store is refused (LOOM_REPLICA_ID; default the host name).
            """)
    var replicaID: String?
    @Option(name: .customLong("max-dispatch-attempts"), help: "Dispatch POSTs per step attempt before the step fails (LOOM_MAX_DISPATCH_ATTEMPTS; default 8).")
    var maxDispatchAttempts: UInt32?
    @Option(name: .customLong("max-message-size"), help: "Largest RPC message in bytes (LOOM_MAX_MESSAGE_SIZE; default 4194304).")
    var maxMessageSize: Int?
    @Option(name: .customLong("max-calls-per-connection"), help: "Concurrent RPCs per connection (LOOM_MAX_CALLS_PER_CONNECTION; default 256).")
    var maxCallsPerConnection: Int?
    @Option(name: .customLong("max-body-size"), help: "Largest shim request body in bytes (LOOM_MAX_BODY_SIZE; default 1048576).")
    var maxBodySize: Int?
    @Option(
        name: .customLong("redis-connections"),
        help: "Redis connections for the orchestrator: transitions, timer claims, starts, events, GetRun (LOOM_REDIS_CONNECTIONS; default 4).")
    var redisConnections: Int?
    @Option(
        name: .customLong("redis-read-connections"),
        help: """
            Redis connections for the expensive client reads (listings, migration reads with counts, recounts, histories, \
            watches), never shared with the orchestrator's (LOOM_REDIS_READ_CONNECTIONS; default 4).
            """)
    var redisReadConnections: Int?
    @Option(
        name: .customLong("max-reads-per-caller"),
        help: """
            Listing and migration reads (ListMigrations, GetMigration, ListCandidates, ListRuns, GetRunHistory, \
            RecountMigration) one client identity may have in flight; more are refused with RESOURCE_EXHAUSTED. Callers \
            without a certificate share one allowance (LOOM_MAX_READS_PER_CALLER; default 4).
            """)
    var maxReadsPerCaller: Int?
    @Option(
        name: .customLong("max-connections"),
        help: """
            Connections the RPC server and the REST shim may hold together; one more takes the place of the oldest \
            connection still in its TLS handshake, or is closed at once. Each listener may take all but a reserve (a \
            sixteenth, at most 64), and past it the shim still answers GET /healthz, /readyz and /metrics \
            (LOOM_MAX_CONNECTIONS; default: the open-file limit, raised to its hard limit at start, less an eighth of \
            it for Redis, migrators and files, at least 128; at most 10000).
            """)
    var maxConnections: Int?
    @Option(
        name: .customLong("max-connections-per-peer"),
        help: """
            Connections one peer may hold on a listener: per client IP address until its TLS handshake completes, then \
            per certificate identity (LOOM_MAX_CONNECTIONS_PER_PEER; default an eighth of --max-connections, at least 4).
            """)
    var maxConnectionsPerPeer: Int?
    @Option(
        name: .customLong("max-handshakes"),
        help: """
            TLS handshakes in progress per listener; past it, the connection that has waited longest for its \
            handshake is closed, so clients that connect and send nothing cannot lock others out \
            (LOOM_MAX_HANDSHAKES; default a quarter of --max-connections, at least 4).
            """)
    var maxHandshakes: Int?
    @Option(
        name: .customLong("rpc-request-timeout"),
        help: """
            Seconds an RPC call's request may take to arrive after its CALL_START; a late one ends with \
            DEADLINE_EXCEEDED (LOOM_RPC_REQUEST_TIMEOUT; default 30).
            """)
    var rpcRequestTimeout: Double?
    @Option(
        name: .customLong("rpc-max-unary-duration"),
        help: """
            Seconds a unary RPC without a deadline (or with a longer one) may run before it ends with DEADLINE_EXCEEDED; \
            at least --dry-run-timeout. Watches are not limited (LOOM_RPC_MAX_UNARY_DURATION; default 300).
            """)
    var rpcMaxUnaryDuration: Double?
    @Option(
        name: .customLong("console-listen"),
        help: "Serve the operator web console on host:port, its own listener (LOOM_CONSOLE_LISTEN; default: no console).")
    var consoleListen: String?
    @Option(
        name: .customLong("console-auth"),
        help: """
            Console authentication: none (loopback addresses only; warns), proxy (the user from --console-proxy-header, set \
            by an authenticating reverse proxy at --console-proxy-peers) or mtls (browser client certificates signed by \
            --tls-ca); roles come from --policy as for RPC (LOOM_CONSOLE_AUTH; default none).
            """)
    var consoleAuth: String?
    @Option(
        name: .customLong("console-proxy-header"),
        help: "The header carrying the user with --console-auth proxy (LOOM_CONSOLE_PROXY_HEADER; default X-Forwarded-User).")
    var consoleProxyHeader: String?
    @Option(
        name: .customLong("console-proxy-peers"),
        help: """
            Comma-separated addresses or CIDR ranges of the authenticating proxy; with --console-auth proxy, requests from \
            any other peer are refused with 403 (LOOM_CONSOLE_PROXY_PEERS).
            """)
    var consoleProxyPeers: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (LOOM_LOG_LEVEL; default info).")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text or json (JSON lines) (LOOM_LOG_FORMAT; default text).")
    var logFormat: String?
    @Option(
        name: .customLong("executor"),
        help: """
            Where Swift concurrency runs: nio (on the server's event loops, no thread hop between a handler and its \
            socket or Redis connection; a blocking call then stalls I/O) or dispatch (Swift's default pool) \
            (LOOM_EXECUTOR; default nio).
            """)
    var executor: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger: Logger
        do {
            logger = try makeLogger(environment)
            try installExecutor(environment, logger: logger)
            let configuration = try makeConfiguration(environment)
            try configuration.validate()
            try await LoomServerApp.run(configuration, logger: logger)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("loom-server: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as PolicyFileError {
            FileHandle.standardError.write(Data("loom-server: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as TLSError {
            FileHandle.standardError.write(Data("loom-server: TLS setup failed: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("loom-server: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
