import Foundation
import Logging
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

/// The composition root: builds the store, the orchestrator, the service, the RPC server and
/// the REST shim from a ``ServerConfiguration`` and runs them as one service group.
///
/// Shutdown (SIGTERM/SIGINT) stops accepting, drains RPCs and HTTP requests, lets in-flight
/// run transitions finish, then returns. SIGHUP reloads the TLS certificates: new connections
/// use the new files, open ones continue.
public enum LoomServerApp {
    /// Starts everything and runs until a termination signal.
    /// - Throws: ``ConfigurationError`` when something cannot start (nothing is left running).
    public static func run(_ configuration: ServerConfiguration, logger: Logger) async throws {
        try configuration.validate()
        let group = MultiThreadedEventLoopGroup.singleton
        let parts = try await Parts.make(configuration, group: group, logger: logger)
        let rpc = try await parts.bindRPC(configuration, group: group, logger: logger)
        let shim = try await parts.startShim(configuration, group: group, logger: logger)

        let rpcMode = configuration.insecure ? "plaintext (INSECURE)" : "TLS, client-auth \(configuration.clientAuthentication.rawValue)"
        let httpMode = configuration.httpTLS ? "TLS, client-auth \(configuration.httpClientAuthentication.rawValue)" : "plaintext HTTP"
        logger.notice("listening", metadata: ["listener": "rpc", "address": "\(rpc.localAddress.map { "\($0)" } ?? "?")", "mode": "\(rpcMode)"])
        logger.notice("listening", metadata: ["listener": "http", "port": "\(shim.localPort ?? 0)", "mode": "\(httpMode)", "callback-auth": "\(configuration.callbackAuth.rawValue)"])

        let services: [any ServiceLifecycle.Service] = [
            OrchestratorService(orchestrator: parts.orchestrator),
            RPCServerService(server: rpc),
            ShimService(shim: shim),
            CertificateReloadService(contexts: parts.reloadableContexts, logger: logger),
        ]
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await serviceGroup.run()
        logger.notice("loom-server stopped")
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

    var reloadableContexts: [TLSContext] { [serverTLS, shimTLS].compactMap { $0 } }

    static func make(_ configuration: ServerConfiguration, group: any EventLoopGroup, logger: Logger) async throws -> Parts {
        let registry = MetricsSystem.sharedRegistry

        let policy = try configuration.policyPath.map { path throws(PolicyFileError) in try AuthorizationPolicy.load(contentsOf: path) }
        if policy == nil {
            logger.warning("no authorization policy (--policy): every authenticated caller may call every method")
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

        let (store, readiness) = try await StoreFactory.make(configuration, group: group, logger: logger)
        let hmacSigner: HMACCallbackTokenSigner? =
            configuration.callbackAuth == .none ? nil : try await CallbackSecret.signer(configuration, store: store, logger: logger)
        let signer: (any CallbackTokenSigner)? = hmacSigner
        if let redis = store as? RedisStore {
            // Data written before counts existed gets them once; in the background, so a
            // server whose Redis is not up yet still starts (unready) and upgrades when it is.
            Task {
                while !Task.isCancelled {
                    do {
                        let upgraded = try await redis.upgradeCounts()
                        if !upgraded.isEmpty {
                            logger.notice(
                                "rebuilt the counts and listing indexes of migrations written by an earlier version",
                                metadata: ["migrations": "\(upgraded.joined(separator: ", "))"])
                        }
                        return
                    } catch {
                        logger.warning("counts upgrade: store not reachable, retrying in 5 s", metadata: ["error": "\(error)"])
                        try? await Task.sleep(for: .seconds(5))
                    }
                }
            }
        }
        // `--callback-auth none` is warned about once, by the shim when it starts.
        let migratorClient = MigratorHTTPClient(
            group: group,
            configuration: .defaults {
                $0.dispatchTimeout = configuration.dispatchTimeout
                $0.dryRunTimeout = configuration.dryRunTimeout
            },
            tls: migratorTLS)
        let orchestrator = Orchestrator(
            store: store, migrator: migratorClient, clock: SystemWallClock(), signer: signer,
            configuration: .defaults {
                $0.dispatchTimeout = configuration.dispatchTimeout
                $0.defaultStepTimeout = configuration.defaultStepTimeout
                $0.maxDispatchAttempts = configuration.maxDispatchAttempts
                $0.timerLease = configuration.timerLease
                $0.callbackBaseURL = configuration.publicURL ?? ""
            },
            logger: logger)
        let service = LoomCore.Service(
            orchestrator: orchestrator,
            configuration: {
                var service = LoomCore.Service.Configuration.defaults
                service.dryRunTimeout = configuration.dryRunTimeout
                // Page tokens verify on every replica that shares the callback key; without one
                // (callback auth none) each replica signs its own.
                service.pageTokenKey = hmacSigner?.derivedKey(label: "page tokens")
                return service
            }(),
            logger: logger)
        return Parts(
            store: store, orchestrator: orchestrator, service: service, access: CallerAccess(policy: policy),
            serverTLS: serverTLS, shimTLS: shimTLS, registry: registry, readiness: readiness)
    }

    func bindRPC(_ configuration: ServerConfiguration, group: any EventLoopGroup, logger: Logger) async throws -> RPCServer {
        var rpcConfiguration = RPCServer.Configuration(
            transportSecurity: serverTLS.map { .tls($0) } ?? .insecure)
        rpcConfiguration.maxMessageSize = configuration.maxMessageSize
        rpcConfiguration.maxConcurrentCallsPerConnection = configuration.maxCallsPerConnection
        rpcConfiguration.drainTimeout = .milliseconds(configuration.drainTimeout.wholeMilliseconds)
        rpcConfiguration.authorizer = PolicyAuthorizer(access: access)
        let router = RPCRouter(loomService: LoomRPCService(service: service, access: access))
        return try await RPCServer.bind(
            host: configuration.rpcAddress.host, port: configuration.rpcAddress.port, router: router,
            configuration: rpcConfiguration, group: group, logger: logger)
    }

    func startShim(_ configuration: ServerConfiguration, group: any EventLoopGroup, logger: Logger) async throws -> CallbackShim {
        let shimConfiguration = CallbackShimConfiguration.defaults {
            $0.host = configuration.httpAddress.host
            $0.port = configuration.httpAddress.port
            $0.maxBodySize = configuration.maxBodySize
            $0.callbackAuth = configuration.callbackAuth
        }
        let router = CallbackShimRouter(
            backend: ServiceShimBackend(service: service), authMode: configuration.callbackAuth,
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
