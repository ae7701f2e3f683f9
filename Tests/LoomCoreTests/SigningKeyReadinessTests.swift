@testable import LoomCore
import LoomTestSupport
import Synchronization
import Testing

/// Before the callback signing key is loaded (a server started while Redis was down), the
/// calls that issue or check tokens are refused with `notReady` and change nothing, and the
/// orchestrator claims no timers; once it is loaded, everything works.
@Suite("Calls that need the signing key before it is loaded")
struct SigningKeyReadinessTests {
    /// A signer whose key "arrives" when the test says so.
    final class LateSigner: CallbackTokenSigner {
        private let loaded = Mutex(false)
        private let inner = FakeCallbackTokenSigner()

        func load() { loaded.withLock { $0 = true } }
        var isReady: Bool { loaded.withLock { $0 } }
        func issue(_ claims: CallbackClaims) -> String { inner.issue(claims) }
        func verify(_ token: String) -> CallbackClaims? { inner.verify(token) }
    }

    struct Setup {
        let harness: LoomHarness
        let signer: LateSigner
        let migrator: FakeMigratorClient
        let orchestrator: Orchestrator
        let service: Service
    }

    /// A service whose signer is not ready, over a harness whose own service (ready) set up
    /// the fixture run; the run's first POST failed, so a re-send is due in 1 s.
    static func setUp() async throws -> Setup {
        let harness = try await LoomHarness.announced(candidates: [Fixtures.candidate(), Fixtures.candidate("ledger-api")])
        harness.migrator.failNextDispatches([MigratorCallError(.unreachable)])
        try await harness.startAndSettle()
        let signer = LateSigner()
        let migrator = FakeMigratorClient()
        let orchestrator = Orchestrator(
            store: harness.store, migrator: migrator, clock: harness.clock, signer: signer,
            configuration: harness.orchestrator.configuration, logger: LoomHarness.quietLogger, random: { 0.5 })
        var configuration = Service.Configuration.defaults
        configuration.pageTokenKeySource = { signer.isReady ? Array(repeating: 7, count: 32) : nil }
        let service = Service(orchestrator: orchestrator, configuration: configuration, logger: LoomHarness.quietLogger)
        return Setup(harness: harness, signer: signer, migrator: migrator, orchestrator: orchestrator, service: service)
    }

    @Test("start, retry, events and paged listings answer notReady and change nothing; then work")
    func refusedUntilLoaded() async throws {
        let setup = try await Self.setUp()
        let service = setup.service
        let before = try await setup.harness.currentRun()
        let error = await expectLoomError(.notReady) {
            _ = try await service.startRun(migrationId: "app-chart-migration", candidateId: "ledger-api", inputs: ["repoName": "x"])
        }
        #expect(error?.message.contains("callback signing key is not loaded yet") == true)
        #expect(try await setup.harness.candidateStatus("ledger-api") == .notStarted)
        await expectLoomError(.notReady) {
            _ = try await service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "disable-sync-prune")
        }
        await expectLoomError(.notReady) {
            _ = try await service.reportStepEvent(
                runID: runID, credential: .callbackToken("forged"),
                event: StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true))
        }
        // No rejection was recorded: without the key the token could not be judged.
        #expect(try await setup.harness.currentRun() == before)
        #expect(!(try await setup.harness.historyKinds()).contains(.eventRejected))
        await expectLoomError(.notReady) {
            _ = try await service.listCandidates(migrationId: "app-chart-migration", pageSize: 1)
        }
        // A listing that needs no page token is served.
        #expect(try await service.listCandidates(migrationId: "app-chart-migration", pageSize: 10).candidates.count == 2)
        // The due re-send is not claimed: its POST would need a token.
        setup.harness.clock.advance(by: .seconds(1))
        #expect(await setup.orchestrator.tick() == 0)
        #expect(setup.migrator.dispatches.isEmpty)

        setup.signer.load()
        #expect(await setup.orchestrator.tick() == 1)
        await setup.orchestrator.waitUntilIdle()
        #expect(setup.migrator.dispatches.count == 1)
        #expect(setup.migrator.dispatches.first?.callbackToken.isEmpty == false)
        let page = try await service.listCandidates(migrationId: "app-chart-migration", pageSize: 1)
        #expect(!page.nextPageToken.isEmpty)
        _ = try await service.startRun(migrationId: "app-chart-migration", candidateId: "ledger-api", inputs: ["repoName": "x"])
        await setup.orchestrator.waitUntilIdle()
        #expect(try await setup.harness.candidateStatus("ledger-api") == .running)
    }
}
