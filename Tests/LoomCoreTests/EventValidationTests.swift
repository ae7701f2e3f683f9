import LoomCore
import LoomTestSupport
import Testing

@Suite("Event checks: duplicates, order, staleness, authentication")
struct EventValidationTests {
    @Test("a repeated intermediate or terminal event changes nothing; another outcome for the finished step is stale", arguments: ScenarioStores.all)
    func duplicates(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        let first = try await harness.event(runID, step: "disable-sync-prune", phase: "open", metadata: ["prUrl": "u"])
        let second = try await harness.event(runID, step: "disable-sync-prune", phase: "open", metadata: ["prUrl": "u"])
        #expect(second == first)
        try await harness.event(runID, step: "disable-sync-prune")
        await harness.settle()
        let advanced = try await harness.currentRun()
        #expect(try await harness.event(runID, step: "disable-sync-prune") == advanced)
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune", success: false) }
        // Refused: the run's state is unchanged; the refusal is in its history.
        #expect(try await harness.currentRun().state == advanced.state)
        #expect(try await harness.historyKinds().last == .eventRejected)
        #expect(harness.migrator.dispatches.map(\.stepName) == ["disable-sync-prune", "swap-chart"])
    }

    @Test("events for a future step, another candidate or an unknown run are refused and change nothing")
    func outOfOrderAndWrongTargets() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let before = try await harness.currentRun()
        let future = await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(
                runID: runID, credential: .trustedCaller,
                event: StepEvent(stepName: "swap-chart", candidateId: "billing-api", success: true)
            )
        }
        #expect(future?.message.contains("not the current step") == true)
        await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(
                runID: runID, credential: .trustedCaller,
                event: StepEvent(stepName: "disable-sync-prune", candidateId: "someone-else", success: true)
            )
        }
        await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(
                runID: runID, credential: .trustedCaller,
                event: StepEvent(stepName: "no-such-step", candidateId: "billing-api", success: true)
            )
        }
        await expectLoomError(.notFound) {
            _ = try await harness.service.reportStepEvent(
                runID: "app-chart-migration__ghost", credential: .trustedCaller,
                event: StepEvent(stepName: "disable-sync-prune", candidateId: "ghost", success: true)
            )
        }
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.reportStepEvent(
                runID: "not-a-run-id", credential: .trustedCaller,
                event: StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true)
            )
        }
        #expect(try await harness.currentRun().state == before.state)
        let rejected = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
            .filter { $0.kind == .eventRejected }.map { String($0.detail.prefix { $0 != ":" }) }
        #expect(rejected.contains("wrong_candidate") && rejected.contains("not_current_step"))
    }

    @Test("an event for an old attempt is stale after a retry", arguments: ScenarioStores.all)
    func oldAttempt(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        let firstToken = try #require(harness.migrator.dispatches.last?.callbackToken)
        try await harness.event(runID, step: "disable-sync-prune", success: false)
        // While waiting for a retry, a late event for the failed attempt is refused.
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune") }
        _ = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "disable-sync-prune")
        await harness.settle()
        let error = await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(
                runID: runID, credential: .callbackToken(firstToken),
                event: StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true)
            )
        }
        #expect(error?.message.contains("attempt 1") == true)
        #expect(try await harness.currentRun().results[0].status == .inProgress)
        let run = try await harness.event(runID, step: "disable-sync-prune")
        #expect(run.currentStep == 1)
    }

    @Test("bad, foreign or tampered callback tokens are unauthenticated")
    func tokens() async throws {
        let harness = try await LoomHarness.announced(candidates: [Fixtures.candidate(), Fixtures.candidate("other")])
        try await harness.startAndSettle()
        let event = StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true)
        let token = try #require(harness.migrator.dispatches.last?.callbackToken)
        for bad in ["", "garbage", String(repeating: "x", count: 100_000), token + "0", token.replacingOccurrences(of: "|1|", with: "|2|")] {
            await expectLoomError(.unauthenticated) {
                _ = try await harness.service.reportStepEvent(runID: runID, credential: .callbackToken(bad), event: event)
            }
        }
        let foreign = harness.signer.issue(CallbackClaims(runID: try RunID(parsing: "app-chart-migration__other"), generation: 1, stepName: "disable-sync-prune", attempt: 1))
        await expectLoomError(.unauthenticated) {
            _ = try await harness.service.reportStepEvent(runID: runID, credential: .callbackToken(foreign), event: event)
        }
        let wrongStep = harness.signer.issue(CallbackClaims(runID: try RunID(parsing: runID), generation: 1, stepName: "swap-chart", attempt: 1))
        await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(runID: runID, credential: .callbackToken(wrongStep), event: event)
        }
        #expect(try await harness.currentRun().currentStep == 0)
    }

    @Test("malformed events are invalid arguments", arguments: [
        StepEvent(stepName: "", candidateId: "billing-api", success: true),
        StepEvent(stepName: "a:b", candidateId: "billing-api", success: true),
        StepEvent(stepName: "disable-sync-prune", candidateId: "", success: true),
        StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true, metadata: ["": "x"]),
        StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true, phase: String(repeating: "p", count: 300)),
        // U+0000 would be cut short when the run is sent over RPC (protobuf-c strings are C strings).
        StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true, metadata: ["pr": "https://x\u{0}y"]),
        StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true, metadata: ["p\u{0}r": "x"]),
        StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: false, failureReason: "bad\u{0}"),
    ])
    func malformed(event: StepEvent) async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.reportStepEvent(runID: runID, credential: .trustedCaller, event: event)
        }
    }

    @Test("an event racing a cancel: whichever lands second sees the other's result", arguments: ScenarioStores.all)
    func eventRacingCancel(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        async let cancel: Run? = try? harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        async let event: Run? = try? harness.event(runID, step: "disable-sync-prune")
        let (cancelled, evented) = await (cancel, event)
        await harness.settle()
        let run = try await harness.currentRun()
        #expect(cancelled != nil)
        #expect(run.status == .cancelled)
        #expect(try await harness.candidateStatus() == .notStarted)
        if evented != nil {
            // The event won: step 1 completed, step 2 was dispatched (or not) before the cancel.
            #expect(run.results[0].status == .completed)
        } else {
            #expect(run.results[0].status == .cancelled)
        }
        #expect(run.timerDueAt == nil)
    }
}
