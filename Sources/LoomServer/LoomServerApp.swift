import Foundation
import Logging
import LoomAPI
import LoomAPIService
import LoomConsole
import LoomCore
import LoomHTTP
import LoomProto
import LoomRPC
import LoomRedis
import LoomStores
import LoomTLS
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The composition root: builds the store, the orchestrator, the service, the RPC server and
/// the REST shim from a ``ServerConfiguration`` and runs them as one service group.
///
/// Shutdown (SIGTERM/SIGINT) stops accepting, drains RPCs and HTTP requests, lets in-flight
/// run transitions finish, then returns. SIGHUP reloads the TLS certificates: new connections
/// use the new files, open ones continue.
///
/// One owner, ``ServerResources``, holds everything started — Redis connections, the migrator
/// HTTP client, background tasks, the RPC and shim listeners — and releases it newest first:
/// after the service group has drained, or as soon as a later start fails (a shim whose port
/// is taken leaves no RPC listener bound).
public enum LoomServerApp {
    /// Starts everything and runs until a termination signal.
    /// - Throws: ``ConfigurationError`` or ``StartError`` when something cannot start (whatever
    ///   had started is released first); ``ConfigurationError`` naming `--replica-id` when another
    ///   live process uses this replica id.
    public static func run(_ configuration: ServerConfiguration, logger: Logger) async throws {
        try await run(configuration, logger: logger, shutdownSignals: [.sigterm, .sigint]) { _, _, _ in }
    }

    /// ``run(_:logger:)``, handing `started` the service group once everything listens (tests
    /// stop it with `triggerGracefulShutdown()` instead of a signal).
    static func run(
        _ configuration: ServerConfiguration, logger: Logger, shutdownSignals: [UnixSignal],
        started: @Sendable (ServiceGroup, _ rpcPort: Int, _ httpPort: Int) async -> Void
    ) async throws {
        try configuration.validate()
        let connections = try ConnectionPlan.prepare(configuration, logger: logger)
        let group = MultiThreadedEventLoopGroup.singleton
        let resources = ServerResources(logger: logger)
        do {
            try await serve(
                configuration, connections: connections, group: group, resources: resources, logger: logger,
                shutdownSignals: shutdownSignals, started: started)
        } catch let conflict as ReplicaConflict {
            await resources.stopAll()
            throw ConfigurationError("--replica-id: \(conflict) (set --replica-id or LOOM_REPLICA_ID)")
        } catch {
            await resources.stopAll()
            throw error
        }
        await resources.stopAll()
        logger.notice("loom-server stopped")
    }

    private static func serve(
        _ configuration: ServerConfiguration, connections: ConnectionPlan, group: any EventLoopGroup, resources: ServerResources, logger: Logger,
        shutdownSignals: [UnixSignal], started: @Sendable (ServiceGroup, Int, Int) async -> Void
    ) async throws {
        let parts = try await Parts.make(configuration, group: group, resources: resources, logger: logger)
        // One budget for both listeners (ConnectionPlan): a flood on one leaves the other its reserve.
        let limits = connections.limits(budget: connections.makeBudget())
        let rpc = try await resources.start("the RPC listener (--rpc-listen \(configuration.rpcAddress))") {
            try await parts.bindRPC(configuration, limits: limits, group: group, logger: logger)
        } stop: { await $0.close() }
        let shim = try await resources.start("the REST shim listener (--http-listen \(configuration.httpAddress))") {
            try await parts.startShim(configuration, limits: limits, group: group, logger: logger)
        } stop: { try? await $0.shutdown() }
        let console = try await resources.start("the console listener (--console-listen)") {
            try await parts.startConsole(configuration, limits: limits, group: group, logger: logger)
        } stop: { await $0?.shutdown() }

        let rpcMode = configuration.insecure ? "plaintext (INSECURE)" : "TLS, client-auth \(configuration.clientAuthentication.rawValue)"
        let httpMode = configuration.httpTLS ? "TLS, client-auth \(configuration.httpClientAuthentication.rawValue)" : "plaintext HTTP"
        logger.notice("listening", metadata: ["listener": "rpc", "address": "\(rpc.localAddress.map { "\($0)" } ?? "?")", "mode": "\(rpcMode)"])
        logger.notice("listening", metadata: ["listener": "http", "port": "\(shim.localPort ?? 0)", "mode": "\(httpMode)", "callback-auth": "\(configuration.callbackAuth.rawValue)"])

        // Started in this order; a graceful shutdown stops them in reverse: certificate reloads,
        // the shim, the RPC server (drained), then the orchestrator (idle). `resources` then
        // releases the migrator client, background tasks and Redis connections.
        let services: [any ServiceLifecycle.Service] = [
            OrchestratorService(orchestrator: parts.orchestrator),
            RPCServerService(server: rpc),
            ShimService(shim: shim),
            ConsoleService(console: console),
            CertificateReloadService(contexts: parts.reloadableContexts + [console?.tlsContext].compactMap { $0 }, logger: logger),
        ]
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: shutdownSignals,
                logger: logger))
        await started(serviceGroup, rpc.localAddress?.port ?? 0, shim.localPort ?? 0)
        try await serviceGroup.run()
    }
}

/// The built parts of a server, before listening.
struct Parts {
    let store: any LoomStore
    let orchestrator: Orchestrator
    let service: LoomCore.Service
    let access: CallerAccess
    let serverTLS: TLSContext?
    let shimTLS: TLSContext?
    let registry: PrometheusCollectorRegistry
    let readiness: @Sendable () async -> Bool
    /// The key of the console's form tokens, derived from the callback key once it is loaded, so a form
    /// served by one replica is accepted by every replica sharing the key (`nil`: callback auth off).
    let consoleFormKey: (@Sendable () -> [UInt8]?)?

    var reloadableContexts: [TLSContext] { [serverTLS, shimTLS].compactMap { $0 } }

    /// Builds the parts; `resources` adopts each that must be released (Redis connections, the
    /// migrator client, background tasks) as it starts.
    static func make(
        _ configuration: ServerConfiguration, group: any EventLoopGroup, resources: ServerResources, logger: Logger
    ) async throws -> Parts {
        let registry = MetricsSystem.sharedRegistry

        let policy = try configuration.policyPath.map { path throws(PolicyFileError) in try AuthorizationPolicy.load(contentsOf: path) }
        if policy == nil {
            logger.warning("no authorization policy (--policy): every authenticated caller may call every method")
        }
        if configuration.shimAnonymousAnnounce {
            logger.warning(
                "--shim-anonymous-announce: callers without credentials may announce migrations and submit candidates over the REST shim (legacy); migrations that have an owner stay refused to them")
        }
        let serverTLS = try configuration.tls.map { files in
            try TLSContext.server(TLSSettings.server(files, configuration: configuration, alpn: [RPCTransportSecurity.alpnProtocol]))
        }
        let shimTLS = try configuration.httpTLS ? configuration.tls.map { files in
            var settings = TLSSettings.server(files, configuration: configuration, alpn: ["http/1.1"])
            settings.clientAuthentication = configuration.httpClientAuthentication
            return try TLSContext.server(settings)
        } : nil
        let migratorTLS = try TLSSettings.migratorClient(configuration).map { try TLSContext.client($0) }

        let (store, reads, storeReadiness, closeStore) = try await StoreFactory.make(configuration, group: group, logger: logger)
        resources.adopt("store connections", stop: closeStore)
        // Without callback auth no key is needed; otherwise it may have to wait for Redis.
        let callbackKey = configuration.callbackAuth == .none ? nil : try CallbackKey.make(configuration, store: store, logger: logger)
        let signer: (any CallbackTokenSigner)? = callbackKey.map { CallbackKeySigner(key: $0) }
        if let redis = store as? RedisStore {
            if let callbackKey, !callbackKey.isLoaded {
                let loader = Task { await callbackKey.load(from: redis, logger: logger) }
                resources.adopt("callback key loader") {
                    loader.cancel()
                    await loader.value
                }
            }
            // Data written before counts existed gets them once; in the background, so a
            // server whose Redis is not up yet still starts (unready) and upgrades when it is.
            let upgrade = Task { await Self.upgradeCounts(redis, logger: logger) }
            resources.adopt("counts upgrade") {
                upgrade.cancel()
                await upgrade.value
            }
        }
        let readiness: @Sendable () async -> Bool = { (callbackKey?.isLoaded ?? true) ? await storeReadiness() : false }
        // `--callback-auth none` is warned about once, by the shim when it starts.
        let migratorClient = MigratorHTTPClient(
            group: group,
            configuration: .defaults {
                $0.dispatchTimeout = configuration.dispatchTimeout
                $0.dryRunTimeout = configuration.dryRunTimeout
            },
            tls: migratorTLS)
        resources.adopt("migrator HTTP client") { await migratorClient.shutdown() }
        let orchestrator = Orchestrator(
            store: store, migrator: migratorClient, clock: SystemWallClock(), signer: signer,
            configuration: .defaults {
                $0.dispatchTimeout = configuration.dispatchTimeout
                $0.defaultStepTimeout = configuration.defaultStepTimeout
                $0.stepSilence = configuration.stepSilence
                $0.maxDispatchAttempts = configuration.maxDispatchAttempts
                $0.timerLease = configuration.timerLease
                $0.callbackBaseURL = configuration.publicURL ?? ""
                $0.replicaID = configuration.effectiveReplicaID
            },
            logger: logger)
        let service = LoomCore.Service(
            orchestrator: orchestrator,
            readStore: reads,
            configuration: {
                var service = LoomCore.Service.Configuration.defaults
                service.dryRunTimeout = configuration.dryRunTimeout
                // Page tokens verify on every replica that shares the callback key; without one
                // (callback auth none) each replica signs its own.
                if let callbackKey { service.pageTokenKeySource = { callbackKey.pageTokenKey } }
                return service
            }(),
            logger: logger)
        var consoleFormKey: (@Sendable () -> [UInt8]?)?
        if let callbackKey { consoleFormKey = { callbackKey.consoleFormKey } }
        return Parts(
            store: store, orchestrator: orchestrator, service: service, access: CallerAccess(policy: policy),
            serverTLS: serverTLS, shimTLS: shimTLS, registry: registry, readiness: readiness, consoleFormKey: consoleFormKey)
    }

    func bindRPC(
        _ configuration: ServerConfiguration, limits: ConnectionLimits, group: any EventLoopGroup, logger: Logger
    ) async throws -> RPCServer {
        var rpcConfiguration = RPCServer.Configuration(
            transportSecurity: serverTLS.map { .tls($0) } ?? .insecure)
        rpcConfiguration.maxMessageSize = configuration.maxMessageSize
        rpcConfiguration.maxConcurrentCallsPerConnection = configuration.maxCallsPerConnection
        rpcConfiguration.drainTimeout = .milliseconds(configuration.drainTimeout.wholeMilliseconds)
        rpcConfiguration.connectionLimits = limits
        rpcConfiguration.requestTimeout = .milliseconds(configuration.rpcRequestTimeout.wholeMilliseconds)
        rpcConfiguration.maxUnaryDuration = .milliseconds(configuration.rpcMaxUnaryDuration.wholeMilliseconds)
        rpcConfiguration.authorizer = PolicyAuthorizer(access: access)
        let router = RPCRouter(
            loomService: LoomRPCService(
                service: service, access: access, readLimiter: CallerReadLimiter(maxConcurrentReads: configuration.maxReadsPerCaller)))
        return try await RPCServer.bind(
            host: configuration.rpcAddress.host, port: configuration.rpcAddress.port, router: router,
            configuration: rpcConfiguration, group: group, logger: logger)
    }

    func startShim(
        _ configuration: ServerConfiguration, limits: ConnectionLimits, group: any EventLoopGroup, logger: Logger
    ) async throws -> CallbackShim {
        let shimConfiguration = CallbackShimConfiguration.defaults {
            $0.host = configuration.httpAddress.host
            $0.port = configuration.httpAddress.port
            $0.maxBodySize = configuration.maxBodySize
            $0.callbackAuth = configuration.callbackAuth
            $0.connectionLimits = limits
            $0.connectionLimits.probeLane = ConnectionPlan.probeLane
        }
        let router = CallbackShimRouter(
            backend: ServiceShimBackend(
                service: service,
                authorizer: ShimMigratorAccess(access: access, allowsAnonymous: configuration.shimAnonymousAnnounce)),
            authMode: configuration.callbackAuth,
            readiness: readiness, registry: registry, logger: logger)
        let shim = CallbackShim(configuration: shimConfiguration, router: router, tls: shimTLS, group: group, logger: logger)
        try await shim.start()
        return shim
    }
}

extension MetricsSystem {
    /// `label` with every character Prometheus does not allow in a name replaced by `_`.
    static func prometheusName(_ label: String) -> String {
        String(label.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ":": Character(scalar)
            default: "_"
            }
        })
    }

    /// The process's Prometheus registry, bootstrapped as the metrics backend on first use
    /// (the metrics system can be bootstrapped only once per process; tests start several servers).
    static let sharedRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // LoomCore names metrics with dots (`loom.events.rejected.total`); Prometheus names
        // allow only [a-zA-Z0-9_:] (`loom_events_rejected_total`).
        factory.nameAndLabelSanitizer = { label, dimensions in (MetricsSystem.prometheusName(label), dimensions) }
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}
