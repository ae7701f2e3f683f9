import Logging
import LoomCore
import LoomHTTP
import LoomMigratorKit
import LoomStores
import LoomTestSupport
import LoomTLS
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// The shim and the migrator client around a real `Service` (in-memory store): a test migrator receives real
/// dispatches over HTTP and calls back through the shim, as the reference migrator does.
@Suite("Shim and migrator client with the Service, end to end", .timeLimit(.minutes(1)))
struct ServiceEndToEndTests {
    /// Everything one test needs, torn down by ``with(_:)``.
    struct Harness {
        let service: Service
        let signer: FakeCallbackTokenSigner
        let shimPort: Int
        let migrator: TestMigrator
        let dispatches: NIOLockedValueBox<[ReferenceJSON.DispatchStepRequest]>
        /// TLS for the test's own calls to the shim (nil: plain HTTP).
        let clientTLS: TLSContext?

        var group: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }

        /// POSTs raw JSON to the shim and returns status and body.
        func post(_ path: String, _ body: String, token: String? = nil) async throws -> (Int, String) {
            let headers = token.map { ["Authorization: Bearer \($0)"] } ?? []
            return try await RawHTTPConnection.with(port: self.shimPort, group: self.group, tls: self.clientTLS) { connection in
                try await connection.send(.post(path, body, headers: headers))
                let response = try #require(try await connection.readResponses(1).first)
                return (response.status, response.body)
            }
        }

        func event(step: String, success: Bool, phase: String? = nil, metadata: [String: String]? = nil) -> String {
            let event = ReferenceJSON.StepCompletedEvent(stepName: step, candidateId: "billing-api", success: success, phase: phase, metadata: metadata)
            return String(decoding: JSONCoding.encode(event), as: UTF8.self)
        }

        func run() async throws -> Run {
            await self.service.orchestrator.waitUntilIdle()
            return try await self.service.run(migrationId: "app-chart-migration", candidateId: "billing-api")
        }
    }

    static let announce = """
        {"id":"app-chart-migration","name":"App chart","description":"d","candidates":[],
         "requiredInputs":[{"name":"repoName","label":"Repository"}],
         "steps":[{"name":"swap-chart-dev","migratorApp":"app-chart-migrator","type":"swap-chart","config":{"env":"dev"}},
                  {"name":"review","migratorApp":"app-chart-migrator","type":"manual-review","config":{"instructions":"look"}}],
         "migratorUrl":"MIGRATOR_URL"}
        """

    /// Starts the migrator (answering 200 after running `onDispatch`), the service and the shim; announces the
    /// reference migration and submits its candidate.
    /// The shim as the migrator reaches it.
    struct ShimEndpoint: Sendable {
        var port: Int
        var tls: TLSContext?

        func post(_ path: String, _ body: String, token: String?) async throws {
            let headers = token.map { ["Authorization: Bearer \($0)"] } ?? []
            try await RawHTTPConnection.with(port: self.port, group: MultiThreadedEventLoopGroup.singleton, tls: self.tls) { connection in
                try await connection.send(.post(path, body, headers: headers))
                _ = try await connection.readResponses(1)
            }
        }
    }

    /// TLS settings of one harness: the shim's server context, the migrator's server context, Loom's client
    /// context for dispatches, and the context the migrator and the test use to call the shim.
    struct TLSSetup {
        var shim: TLSContext
        var migrator: TLSContext
        var loomClient: TLSContext
        var callbacks: TLSContext
    }

    static func with(
        auth: CallbackShimConfiguration.CallbackAuthMode = .token,
        tls: TLSSetup? = nil,
        onDispatch: @escaping @Sendable (ReferenceJSON.DispatchStepRequest, ShimEndpoint) async throws -> Void = { _, _ in },
        _ body: (Harness) async throws -> Void
    ) async throws {
        let dispatches = NIOLockedValueBox<[ReferenceJSON.DispatchStepRequest]>([])
        let shimPortBox = NIOLockedValueBox(0)
        let callbackTLS = tls?.callbacks
        let migrator = try await TestMigrator.start(tls: tls?.migrator) { request in
            guard request.uri == "/dispatch-step",
                let dispatch = try? JSONCoding.decode(ReferenceJSON.DispatchStepRequest.self, from: Array(request.body.utf8))
            else { return .respond(.badRequest, #"{"error":"bad"}"#) }
            dispatches.withLockedValue { $0.append(dispatch) }
            try? await onDispatch(dispatch, ShimEndpoint(port: shimPortBox.withLockedValue { $0 }, tls: callbackTLS))
            return .respond(.ok, #"{"status":"SUCCESS"}"#)
        }
        let client = MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton, tls: tls?.loomClient)
        let signer = FakeCallbackTokenSigner()
        let orchestrator = Orchestrator(store: InMemoryStore(), migrator: client, clock: SystemWallClock(), signer: signer)
        let service = Service(orchestrator: orchestrator)
        let config = CallbackShimConfiguration.defaults {
            $0.port = 0
            $0.callbackAuth = auth
        }
        let router = CallbackShimRouter(
            backend: ServiceShimBackend(service: service, authorizer: PeerIdentityAuthorizer()),
            authMode: auth,
            readiness: { true },
            registry: nil,
            logger: Logger(label: "test")
        )
        let shim = CallbackShim(
            configuration: config,
            router: router,
            tls: tls?.shim,
            group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test")
        )
        try await shim.start()
        let port = try requirePort(shim.localPort)
        shimPortBox.withLockedValue { $0 = port }
        let harness = Harness(
            service: service,
            signer: signer,
            shimPort: port,
            migrator: migrator,
            dispatches: dispatches,
            clientTLS: tls?.callbacks
        )
        do {
            let announced = try await harness.post("/registry/announce", Self.announce.replacingMigratorURL(migrator.url))
            #expect(announced.0 == 200)
            let submitted = try await harness.post("/migrations/app-chart-migration/candidates", ReferenceBodies.candidates)
            #expect(submitted.0 == 204)
            try await body(harness)
        } catch {
            await orchestrator.waitUntilIdle()
            try await shim.shutdown()
            await client.shutdown()
            await migrator.stop()
            throw error
        }
        await orchestrator.waitUntilIdle()
        try await shim.shutdown()
        await client.shutdown()
        await migrator.stop()
    }

    @Test("reference flow: dispatch, PR-opened callback before the reply, merge webhook, manual review, completed")
    func referenceFlow() async throws {
        try await Self.with(onDispatch: { dispatch, shim in
            // Like the reference migrator: report the PR (or the review) before answering the dispatch.
            let phase = dispatch.type == "manual-review" ? "awaiting_review" : "open"
            let metadata = phase == "open" ? ["prUrl": "https://github.com/acme/gitops/pull/7"] : ["instructions": "look"]
            let event = ReferenceJSON.StepCompletedEvent(stepName: dispatch.stepName, candidateId: dispatch.candidate.id, success: true, phase: phase, metadata: metadata)
            try await shim.post("/event/\(dispatch.callbackId)", String(decoding: JSONCoding.encode(event), as: UTF8.self), token: dispatch.callbackToken)
        }) { harness in
            _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing-api"])
            var run = try await harness.run()
            #expect(run.results.first?.status == .open)
            #expect(run.results.first?.metadata["prUrl"] == "https://github.com/acme/gitops/pull/7")

            let first = try #require(harness.dispatches.withLockedValue { $0.first })
            #expect(first.callbackId == "app-chart-migration__billing-api")
            #expect(first.eventName == "step-completed:swap-chart-dev:billing-api")
            #expect(first.config == ["env": "dev"])
            #expect(first.type == "swap-chart")
            #expect(first.candidate.metadata?["repoName"] == "billing-api")
            #expect(first.attempt == 1)
            #expect(first.idempotencyKey?.isEmpty == false)
            let token = try #require(first.callbackToken)

            // The merge webhook: no top-level phase, phase in metadata.
            let merged = harness.event(step: "swap-chart-dev", success: true, metadata: ["phase": "merged", "prUrl": "u", "commitSha": "abc"])
            #expect(try await harness.post("/event/app-chart-migration__billing-api", merged, token: token).0 == 202)
            run = try await harness.run()
            #expect(run.results.map(\.stepName) == ["swap-chart-dev", "review"])
            #expect(run.results.last?.status == .awaitingReview)

            // The console approves the review with the review dispatch's token.
            let review = try #require(harness.dispatches.withLockedValue { $0.last })
            #expect(review.stepName == "review")
            let approve = harness.event(step: "review", success: true)
            #expect(try await harness.post("/event/app-chart-migration__billing-api", approve, token: review.callbackToken).0 == 202)
            run = try await harness.run()
            #expect(run.status == .completed)
            let candidate = try await harness.service.allCandidates(of: "app-chart-migration").first { $0.id == "billing-api" }
            #expect(candidate?.status == .completed)
        }
    }

    @Test("events need the dispatch's token: missing 401, forged or other-run 401, other step 409; after the advance a repeat is 200, another outcome 409")
    func tokenChecks() async throws {
        try await Self.with { harness in
            _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing-api"])
            _ = try await harness.run()
            let dispatch = try #require(harness.dispatches.withLockedValue { $0.first })
            let token = try #require(dispatch.callbackToken)
            let path = "/event/app-chart-migration__billing-api"
            let done = harness.event(step: "swap-chart-dev", success: true)

            #expect(try await harness.post(path, done).0 == 401)
            #expect(try await harness.post(path, done, token: "forged").0 == 401)
            let run = try await harness.run()
            let ledgerRun = try RunID(migrationId: "app-chart-migration", candidateId: "ledger")
            let otherRun = harness.signer.issue(CallbackClaims(runID: ledgerRun, generation: run.generation, stepName: "swap-chart-dev", attempt: 1))
            #expect(try await harness.post(path, done, token: otherRun).0 == 401)
            let otherStep = harness.signer.issue(CallbackClaims(runID: run.id, generation: run.generation, stepName: "review", attempt: 1))
            #expect(try await harness.post(path, harness.event(step: "review", success: true), token: otherStep).0 == 409)
            let otherAttempt = harness.signer.issue(CallbackClaims(runID: run.id, generation: run.generation, stepName: "swap-chart-dev", attempt: 2))
            #expect(try await harness.post(path, done, token: otherAttempt).0 == 409)
            #expect(try await harness.run().results.first?.status == .inProgress)
            // Every refusal is in the run's history with its reason (and counted, and logged once).
            let rejected = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
                .filter { $0.kind == .eventRejected }.map { String($0.detail.prefix { $0 != ":" }) }
            #expect(rejected == ["missing_token", "invalid_token", "other_run", "not_current_step", "stale_attempt"])
            // The same refusal again within the minute is counted, not written again.
            #expect(try await harness.post(path, done).0 == 401)
            #expect(
                try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
                    .filter { $0.kind == .eventRejected }.count == 5)

            #expect(try await harness.post(path, done, token: token).0 == 202)
            #expect(try await harness.run().currentStep == 1)
            // The same callback again (its answer was lost): 200 "already applied", nothing changes, nothing recorded.
            let advanced = try await harness.run()
            let repeated = try await harness.post(path, done, token: token)
            #expect(repeated.0 == 200)
            #expect(repeated.1 == #"{"status":"already applied"}"#)
            #expect(try await harness.run() == advanced)
            // The step advanced: a different outcome with the old token is stale and changes nothing.
            let failed = harness.event(step: "swap-chart-dev", success: false)
            #expect(try await harness.post(path, failed, token: token).0 == 409)
            let after = try await harness.run()
            #expect(after.results.first?.status == .completed)
            #expect(after.currentStep == 1)
        }
    }

    @Test("unknown migration for candidates is 404; invalid announcement is 400 from the service's validation")
    func serviceErrors() async throws {
        try await Self.with { harness in
            #expect(try await harness.post("/migrations/nope/candidates", #"{"candidates":[]}"#).0 == 404)
            let bad = #"{"id":"","name":"n","steps":[],"migratorUrl":"http://m"}"#
            let (status, body) = try await harness.post("/registry/announce", bad)
            #expect(status == 400)
            #expect(body.hasPrefix(#"{"error":"#))
        }
    }
}

extension ServiceEndToEndTests {
    @Test("over TLS with mTLS callback auth: dispatch over https, the owner's certificate may report, another may not")
    func mutualTLS() async throws {
        let ca = try TestCertificateAuthority.shared()
        let server = TLSConfig.Certificates(chainPath: ca.server.chainPath, privateKeyPath: ca.server.keyPath)
        let migratorCert = TLSConfig.Certificates(chainPath: ca.migratorClient.chainPath, privateKeyPath: ca.migratorClient.keyPath)
        let setup = TLSSetup(
            shim: try TLSContext.server(.defaults {
                $0.certificates = server
                $0.trustRootsPath = ca.caPath
                $0.clientAuthentication = .require
            }),
            migrator: try TLSContext.server(.defaults { $0.certificates = server }),
            loomClient: try TLSContext.client(.defaults { $0.trustRootsPath = ca.caPath }),
            callbacks: try TLSContext.client(.defaults {
                $0.trustRootsPath = ca.caPath
                $0.certificates = migratorCert
            })
        )
        try await Self.with(auth: .mtls, tls: setup, onDispatch: { dispatch, shim in
            let event = ReferenceJSON.StepCompletedEvent(stepName: dispatch.stepName, candidateId: dispatch.candidate.id, success: true)
            // No token: mTLS mode authenticates by the certificate.
            try await shim.post("/event/\(dispatch.callbackId)", String(decoding: JSONCoding.encode(event), as: UTF8.self), token: nil)
        }) { harness in
            let owner = try await harness.service.migration(id: "app-chart-migration").owner
            #expect(!owner.isEmpty)
            _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing-api"])
            let run = try await harness.run()
            #expect(run.status == .completed)
            #expect(harness.dispatches.withLockedValue { $0.map(\.stepName) } == ["swap-chart-dev", "review"])

            // Another identity (the operator's certificate) may not report events for this migration.
            let other = try TLSContext.client(.defaults {
                $0.trustRootsPath = ca.caPath
                $0.certificates = .init(chainPath: ca.operatorClient.chainPath, privateKeyPath: ca.operatorClient.keyPath)
            })
            let (status, _) = try await RawHTTPConnection.with(port: harness.shimPort, group: harness.group, tls: other) { connection in
                try await connection.send(.post("/event/app-chart-migration__billing-api", harness.event(step: "review", success: false)))
                let response = try #require(try await connection.readResponses(1).first)
                return (response.status, response.body)
            }
            #expect(status == 403)
        }
    }
}

extension String {
    fileprivate func replacingMigratorURL(_ url: String) -> String {
        self.split(separator: "MIGRATOR_URL", omittingEmptySubsequences: false).joined(separator: url)
    }
}
