import Logging
import LoomHTTP
import NIOPosix
import CoreMetrics
import Prometheus
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Not a test: a launcher that serves a live shim for `Tools/schemathesis` and `Tools/bench/http`.
///
/// Enabled only when `LOOM_HTTP_SERVE_PORT` is set; it serves on that port until the file named by
/// `LOOM_HTTP_SERVE_STOP` exists (checked every 100 ms, at most 15 minutes). `LOOM_HTTP_SERVE_AUTH` picks the
/// callback auth mode (`token` by default).
@Suite("Live shim launcher (opt-in)")
struct ShimLauncher {
    static var port: Int? { getenv("LOOM_HTTP_SERVE_PORT").flatMap { Int(String(cString: $0)) } }

    @Test("serve a live shim until told to stop", .enabled(if: ShimLauncher.port != nil))
    func serveLiveShim() async throws {
        let port = try #require(Self.port)
        let stopFile = getenv("LOOM_HTTP_SERVE_STOP").map { String(cString: $0) } ?? "/tmp/loom-http-serve.stop"
        let auth = getenv("LOOM_HTTP_SERVE_AUTH")
            .flatMap { CallbackShimConfiguration.CallbackAuthMode(rawValue: String(cString: $0)) } ?? .token
        let config = CallbackShimConfiguration.defaults {
            $0.port = port
            $0.callbackAuth = auth
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let router = CallbackShimRouter(
            backend: LauncherBackend(),
            authMode: auth,
            readiness: { true },
            registry: registry,
            logger: Logger(label: "launcher")
        )
        let shim = CallbackShim(configuration: config, router: router, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "launcher"))
        try await shim.start()
        let deadline = ContinuousClock.now + .seconds(15 * 60)
        while access(stopFile, F_OK) != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await shim.shutdown()
    }
}

/// The launcher's backend: accepts every well-formed call.
struct LauncherBackend: CallbackShimBackend {
    func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate] { [] }
    func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] { [] }
    /// Like the service: an event without a token is refused (401) in token mode.
    func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws {
        if caller.authMode == .token, caller.bearerToken == nil { throw ShimError.unauthorized("missing callback token") }
    }
}
