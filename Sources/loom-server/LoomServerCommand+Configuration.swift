import Foundation
import Logging
import NIOCore
import NIOPosix
import LoomConsole
import LoomHTTP
import LoomServer
import LoomTLS

extension LoomServerCommand {
    /// Flags first, then `LOOM_*` environment variables, then defaults.
    func makeConfiguration(_ env: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        var c = ServerConfiguration()
        if let text = rpcListen ?? env["LOOM_RPC_LISTEN"] { c.rpcAddress = try .init(parsing: text) }
        if let text = httpListen ?? env["LOOM_HTTP_LISTEN"] { c.httpAddress = try .init(parsing: text) }
        let cert = tlsCert ?? env["LOOM_TLS_CERT"], key = tlsKey ?? env["LOOM_TLS_KEY"]
        switch (cert, key) {
        case (let cert?, let key?):
            c.tls = .init(certificatePath: cert, privateKeyPath: key, trustedCAPath: tlsCA ?? env["LOOM_TLS_CA"])
        case (nil, nil): break
        default: throw ConfigurationError("--tls-cert and --tls-key go together")
        }
        if let text = clientAuth ?? env["LOOM_CLIENT_AUTH"] { c.clientAuthentication = try Self.clientAuth(text, flag: "--client-auth") }
        if let text = tlsMinVersion ?? env["LOOM_TLS_MIN_VERSION"] {
            switch text {
            case "1.3": c.minimumTLSVersion = .tls1_3
            case "1.2": c.minimumTLSVersion = .tls1_2
            default: throw ConfigurationError("--tls-min-version must be 1.2 or 1.3, not \"\(text)\"")
            }
        }
        c.insecure = insecure || Self.flag(env["LOOM_INSECURE"])
        c.httpTLS = httpTLS || Self.flag(env["LOOM_HTTP_TLS"])
        if let text = httpClientAuth ?? env["LOOM_HTTP_CLIENT_AUTH"] {
            c.httpClientAuthentication = try Self.clientAuth(text, flag: "--http-client-auth")
        }
        c.policyPath = policy ?? env["LOOM_POLICY"]
        c.shimAnonymousAnnounce = shimAnonymousAnnounce || Self.flag(env["LOOM_SHIM_ANONYMOUS_ANNOUNCE"])
        if let text = callbackAuth ?? env["LOOM_CALLBACK_AUTH"] {
            guard let mode = CallbackShimConfiguration.CallbackAuthMode(rawValue: text) else {
                throw ConfigurationError("--callback-auth must be token, mtls or none, not \"\(text)\"")
            }
            c.callbackAuth = mode
        }
        c.callbackSecretPath = callbackSecretFile ?? env["LOOM_CALLBACK_SECRET_FILE"]
        c.publicURL = publicURL ?? env["LOOM_PUBLIC_URL"]
        c.redisURL = redis ?? env["LOOM_REDIS_URL"]
        c.migratorCAPath = migratorCA ?? env["LOOM_MIGRATOR_CA"]
        let migratorCertPath = migratorCert ?? env["LOOM_MIGRATOR_CERT"], migratorKeyPath = migratorKey ?? env["LOOM_MIGRATOR_KEY"]
        switch (migratorCertPath, migratorKeyPath) {
        case (let cert?, let key?):
            c.migratorTLS = .init(certificatePath: cert, privateKeyPath: key, trustedCAPath: c.migratorCAPath)
        case (nil, nil): break
        default: throw ConfigurationError("--migrator-cert and --migrator-key go together")
        }
        if let seconds = try Self.seconds(dispatchTimeout, env["LOOM_DISPATCH_TIMEOUT"], flag: "--dispatch-timeout") {
            c.dispatchTimeout = seconds
        }
        if let seconds = try Self.seconds(dryRunTimeout, env["LOOM_DRY_RUN_TIMEOUT"], flag: "--dry-run-timeout") {
            c.dryRunTimeout = seconds
        }
        c.defaultStepTimeout = try Self.seconds(stepTimeout, env["LOOM_STEP_TIMEOUT"], flag: "--step-timeout")
        if let text = stepSilence ?? env["LOOM_STEP_SILENCE"] { c.stepSilence = try ServerConfiguration.parseStepSilence(text) }
        if let seconds = try Self.seconds(timerLease, env["LOOM_TIMER_LEASE"], flag: "--timer-lease") { c.timerLease = seconds }
        c.replicaID = replicaID ?? env["LOOM_REPLICA_ID"]
        if let value = try Self.integer(maxDispatchAttempts.map(Int.init), env["LOOM_MAX_DISPATCH_ATTEMPTS"], flag: "--max-dispatch-attempts") {
            c.maxDispatchAttempts = UInt32(clamping: value)
        }
        if let value = try Self.integer(maxMessageSize, env["LOOM_MAX_MESSAGE_SIZE"], flag: "--max-message-size") { c.maxMessageSize = value }
        if let value = try Self.integer(maxCallsPerConnection, env["LOOM_MAX_CALLS_PER_CONNECTION"], flag: "--max-calls-per-connection") {
            c.maxCallsPerConnection = value
        }
        if let value = try Self.integer(maxBodySize, env["LOOM_MAX_BODY_SIZE"], flag: "--max-body-size") { c.maxBodySize = value }
        if let value = try Self.integer(redisConnections, env["LOOM_REDIS_CONNECTIONS"], flag: "--redis-connections") {
            c.redisConnections = value
        }
        if let value = try Self.integer(redisReadConnections, env["LOOM_REDIS_READ_CONNECTIONS"], flag: "--redis-read-connections") {
            c.redisReadConnections = value
        }
        if let value = try Self.integer(maxReadsPerCaller, env["LOOM_MAX_READS_PER_CALLER"], flag: "--max-reads-per-caller") {
            c.maxReadsPerCaller = value
        }
        c.maxConnections = try Self.integer(maxConnections, env["LOOM_MAX_CONNECTIONS"], flag: "--max-connections")
        c.maxConnectionsPerPeer = try Self.integer(maxConnectionsPerPeer, env["LOOM_MAX_CONNECTIONS_PER_PEER"], flag: "--max-connections-per-peer")
        c.maxHandshakes = try Self.integer(maxHandshakes, env["LOOM_MAX_HANDSHAKES"], flag: "--max-handshakes")
        if let seconds = try Self.seconds(rpcRequestTimeout, env["LOOM_RPC_REQUEST_TIMEOUT"], flag: "--rpc-request-timeout") {
            c.rpcRequestTimeout = seconds
        }
        if let seconds = try Self.seconds(rpcMaxUnaryDuration, env["LOOM_RPC_MAX_UNARY_DURATION"], flag: "--rpc-max-unary-duration") {
            c.rpcMaxUnaryDuration = seconds
        }
        try makeConsoleConfiguration(env, into: &c)
        return c
    }

    /// The console flags: `--console-listen`, `--console-auth`, `--console-proxy-header`, `--console-proxy-peers`.
    private func makeConsoleConfiguration(_ env: [String: String], into c: inout ServerConfiguration) throws(ConfigurationError) {
        if let text = consoleListen ?? env["LOOM_CONSOLE_LISTEN"], !text.isEmpty { c.consoleAddress = try .init(parsing: text) }
        if let text = consoleAuth ?? env["LOOM_CONSOLE_AUTH"] {
            guard let mode = ConsoleConfiguration.AuthMode(rawValue: text) else {
                throw ConfigurationError("--console-auth must be none, proxy or mtls, not \"\(text)\"")
            }
            c.consoleAuth = mode
        }
        if let text = consoleProxyHeader ?? env["LOOM_CONSOLE_PROXY_HEADER"] { c.consoleProxyHeader = text }
        if let text = consoleProxyPeers ?? env["LOOM_CONSOLE_PROXY_PEERS"] {
            switch AddressRange.parseList(text) {
            case .success(let ranges): c.consoleProxyPeers = ranges
            case .failure(let error): throw ConfigurationError("--console-proxy-peers: \(error.message)")
            }
        }
    }

    /// Runs Swift concurrency on NIO's event loops unless `dispatch` is chosen: handlers, the
    /// orchestrator and the Redis client then resume on the loop their I/O completed on, instead
    /// of waking a thread of the default pool for every reply (measured: about a third more
    /// Redis round trips per second, Tools/bench/redis).
    ///
    /// - Important: With `nio` (the default) every task of the process runs on the event loops
    ///   that also do all socket I/O: RPC and shim connections, Redis, calls to migrators. A
    ///   blocking call anywhere in an async function — a synchronous file read, `sleep`,
    ///   `Thread.sleep`, a lock held across slow work, a long CPU loop without a suspension
    ///   point, `DispatchSemaphore.wait`, synchronous `Process`/`FileHandle` I/O — stalls every
    ///   connection of that loop until it returns, and with few cores, the whole server. Do such
    ///   work off the loops (`NIOThreadPool.runIfActive`, or a dedicated thread), never inline.
    ///   See docs/architecture.md, "Concurrency".
    func installExecutor(_ env: [String: String], logger: Logger) throws(ConfigurationError) {
        switch executor ?? env["LOOM_EXECUTOR"] ?? "nio" {
        case "nio":
            if !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
                logger.warning("cannot run Swift concurrency on the event loops here; using the default executor")
            }
        case "dispatch":
            break
        case let other:
            throw ConfigurationError("--executor must be nio or dispatch, not \"\(other)\"")
        }
    }

    /// The process logger, text or JSON lines, at the configured level.
    func makeLogger(_ env: [String: String]) throws(ConfigurationError) -> Logger {
        let levelText = logLevel ?? env["LOOM_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let format = logFormat ?? env["LOOM_LOG_FORMAT"] ?? "text"
        switch format {
        case "text": LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        case "json": LoggingSystem.bootstrap { label in JSONLinesLogHandler(label: label) }
        default: throw ConfigurationError("--log-format must be text or json, not \"\(format)\"")
        }
        var logger = Logger(label: "loom")
        logger.logLevel = level
        return logger
    }

    private static func clientAuth(_ text: String, flag: String) throws(ConfigurationError) -> TLSConfig.ClientAuthentication {
        guard let mode = TLSConfig.ClientAuthentication(rawValue: text) else {
            throw ConfigurationError("\(flag) must be require, optional or none, not \"\(text)\"")
        }
        return mode
    }

    private static func flag(_ text: String?) -> Bool {
        guard let text else { return false }
        return ["1", "true", "yes", "on"].contains(text.lowercased())
    }

    private static func seconds(_ value: Double?, _ env: String?, flag: String) throws(ConfigurationError) -> Duration? {
        guard let seconds = value ?? env.flatMap(Double.init) else {
            if let env, Double(env) == nil { throw ConfigurationError("\(flag) must be a number of seconds, not \"\(env)\"") }
            return nil
        }
        guard seconds.isFinite, seconds > 0, seconds <= 30 * 24 * 3600 else {
            throw ConfigurationError("\(flag) must be between 0 and 30 days in seconds")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    private static func integer(_ value: Int?, _ env: String?, flag: String) throws(ConfigurationError) -> Int? {
        if let value { return value }
        guard let env else { return nil }
        guard let number = Int(env) else { throw ConfigurationError("\(flag) must be a whole number, not \"\(env)\"") }
        return number
    }
}
