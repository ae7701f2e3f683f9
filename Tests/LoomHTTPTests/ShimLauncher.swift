import CoreMetrics
import Foundation
import Logging
import LoomCore
import LoomHTTP
import LoomMigratorKit
import LoomServer
import NIOPosix
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
/// callback auth mode (`token` by default). In token mode event tokens are verified with the server's
/// ``HMACCallbackTokenSigner`` (a random key per launch); with `LOOM_HTTP_SERVE_TOKEN_FILE` set, a valid token for
/// the run `app-chart-migration__billing-api` is written to that file before the shim listens (Tools/bench/http).
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
        var generator = SystemRandomNumberGenerator()
        let signer = try HMACCallbackTokenSigner(key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        if let tokenFile = getenv("LOOM_HTTP_SERVE_TOKEN_FILE").map({ String(cString: $0) }) {
            let claims = CallbackClaims(
                runID: try RunID(migrationId: "app-chart-migration", candidateId: "billing-api"), generation: 1,
                stepName: "swap-chart-dev", attempt: 1)
            try signer.issue(claims).write(toFile: tokenFile, atomically: true, encoding: .utf8)
        }
        let router = CallbackShimRouter(
            backend: LauncherBackend(signer: signer),
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

/// The launcher's backend: accepts every well-formed call; in token mode an event only with a callback
/// token the server's signer verifies for its run, as the service checks it (401 otherwise).
struct LauncherBackend: CallbackShimBackend {
    let signer: HMACCallbackTokenSigner

    func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate] { [] }
    func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] { [] }
    /// Like the service: in token mode an event without a token is refused (401), and so is one whose token
    /// does not verify or was issued for another run. (The service then checks step, attempt and generation
    /// against the stored run; the launcher has no runs.)
    func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws -> ShimEventOutcome {
        guard caller.authMode == .token else { return .applied }
        guard let token = caller.bearerToken else { throw ShimError.unauthorized("missing callback token") }
        guard let claims = signer.verify(token) else { throw LoomError(code: .unauthenticated, message: "invalid callback token") }
        guard claims.runID == (try? RunID(parsing: callbackId)) else {
            throw LoomError(code: .unauthenticated, message: "callback token was issued for another run")
        }
        return .applied
    }
}
