import LoomCore
import LoomTestSupport
import Testing

@Suite("Dispatch: races, back-off, leases and timeouts")
struct DispatchTests {
    @Test("events sent before the dispatch call returns are accepted, even for the whole run", arguments: ScenarioStores.all)
    func eventsBeforeDispatchReturns(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        let service = harness.service
        harness.migrator.onDispatch { request in
            let credential = EventCredential.callbackToken(request.callbackToken)
            func send(_ phase: String) async throws {
                _ = try await service.reportStepEvent(
                    runID: request.callbackId, credential: credential,
                    event: StepEvent(stepName: request.stepName, candidateId: request.candidate.id, success: true, phase: phase)
                )
            }
            try await send("open")
            try await send("")
        }
        try await harness.startAndSettle()
        let run = try await harness.currentRun()
        #expect(run.status == .completed)
        #expect(harness.migrator.dispatches.map(\.stepName) == steps)
        #expect(run.results.allSatisfy { $0.dispatchCount == 1 && $0.status == .completed })
        #expect(try await harness.candidateStatus() == .completed)
        // No acknowledgement was recorded: each event raced ahead of its dispatch reply.
        let history = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
        #expect(!history.contains { $0.detail == "acknowledged by migrator" })
    }

    @Test("an intermediate event before the reply starts the step deadline; the late reply changes nothing")
    func intermediateBeforeReply() async throws {
        let harness = try await LoomHarness.announced(configure: { $0.defaultStepTimeout = .seconds(100) })
        let service = harness.service
        harness.migrator.onDispatch { request in
            _ = try await service.reportStepEvent(
                runID: request.callbackId, credential: .trustedCaller,
                event: StepEvent(stepName: request.stepName, candidateId: request.candidate.id, success: true, phase: "awaiting_review")
            )
        }
        try await harness.startAndSettle()
        let run = try await harness.currentRun()
        #expect(run.results[0].status == .awaitingReview)
        #expect(run.results[0].dispatch == .delivered)
        #expect(run.timerDueAt == harness.clock.now() + .seconds(100))
    }

    @Test("a migrator that is down is retried with exponential back-off and the same idempotency key until it is back", arguments: ScenarioStores.all)
    func migratorDownThenBack(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        harness.migrator.failAllDispatches(MigratorCallError(.unreachable, detail: "connection refused"))
        try await harness.startAndSettle()
        var run = try await harness.currentRun()
        #expect(run.results[0].dispatch == .pending)
        #expect(run.results[0].lastDispatchError?.contains("connection refused") == true)
        #expect(run.timerDueAt == harness.clock.now() + .seconds(1))

        await harness.advance(by: .milliseconds(999))
        #expect(harness.migrator.dispatches.count == 1)
        await harness.advance(by: .milliseconds(1))
        #expect(harness.migrator.dispatches.count == 2)
        run = try await harness.currentRun()
        #expect(run.timerDueAt == harness.clock.now() + .seconds(2))

        harness.migrator.failAllDispatches(nil)
        await harness.advance(by: .seconds(2))
        run = try await harness.currentRun()
        #expect(harness.migrator.dispatches.count == 3)
        #expect(Set(harness.migrator.dispatches.map(\.idempotencyKey)).count == 1)
        #expect(run.results[0].dispatch == .delivered)
        #expect(run.results[0].dispatchCount == 3)
        #expect(run.results[0].status == .inProgress)
        #expect(run.timerDueAt == harness.clock.now() + .seconds(900))  // the status check after the step silence
        #expect(try await harness.historyKinds().filter { $0 == .dispatchFailed }.count == 2)
    }

    @Test("after the last allowed POST the step fails with the reason; a retry starts over", arguments: ScenarioStores.all)
    func dispatchGivesUp(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory, configure: { $0.maxDispatchAttempts = 3 })
        harness.migrator.failAllDispatches(MigratorCallError(.httpStatus(503)))
        try await harness.startAndSettle()
        await harness.advance(by: .seconds(1))
        await harness.advance(by: .seconds(2))
        var run = try await harness.currentRun()
        #expect(harness.migrator.dispatches.count == 3)
        #expect(run.status == .waitingRetry)
        #expect(run.results[0].status == .failed)
        #expect(run.results[0].failureReason == "dispatch failed after 3 attempts: migrator answered HTTP 503")
        #expect(run.timerDueAt == nil)
        #expect(try await harness.candidateStatus() == .running)
        await harness.advance(by: .seconds(3600))
        #expect(harness.migrator.dispatches.count == 3)

        harness.migrator.failAllDispatches(nil)
        run = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "disable-sync-prune")
        await harness.settle()
        run = try await harness.currentRun()
        #expect(run.results[0].attempt == 2)
        #expect(run.results[0].dispatch == .delivered)
        #expect(harness.migrator.dispatches.last?.idempotencyKey == "\(runID)/1/disable-sync-prune/2")
    }

    @Test("a cancel while the POST is in flight wins: the late reply is ignored", arguments: ScenarioStores.all)
    func cancelDuringDispatch(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        let service = harness.service
        harness.migrator.onDispatch { _ in
            _ = try await service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        }
        try await harness.startAndSettle()
        let run = try await harness.currentRun()
        #expect(run.status == .cancelled)
        #expect(run.results[0].dispatch == .inFlight)
        #expect(run.timerDueAt == nil)
        #expect(try await harness.candidateStatus() == .notStarted)
        #expect(try await harness.historyKinds().last == .runCancelled)
        await harness.advance(by: .seconds(3600))
        #expect(harness.migrator.dispatches.count == 1)
    }

    @Test("a dispatch recorded in flight by a replica that died is re-sent after the lease", arguments: ScenarioStores.all)
    func deadReplicaRecovered(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        // Simulate a replica that recorded beat 1 of a re-send and died before beat 3.
        var orphan = try await harness.currentRun()
        let version = orphan.version
        orphan.results[0].dispatch = .inFlight
        orphan.results[0].dispatchCount = 2
        orphan.timerDueAt = harness.clock.now() + .seconds(35)
        guard case .applied = try await harness.store.apply(RunWrite(run: orphan, expectedVersion: version, history: [])) else {
            Issue.record("could not simulate the dead replica")
            return
        }
        await harness.advance(by: .seconds(34))
        #expect(harness.migrator.dispatches.count == 1)
        await harness.advance(by: .seconds(1))
        var run = try await harness.currentRun()
        #expect(run.results[0].dispatch == .pending)
        #expect(run.results[0].lastDispatchError?.contains("lease") == true)
        await harness.advance(by: .seconds(2))
        run = try await harness.currentRun()
        #expect(harness.migrator.dispatches.count == 2)
        #expect(harness.migrator.dispatches[1].idempotencyKey == harness.migrator.dispatches[0].idempotencyKey)
        #expect(run.results[0].dispatch == .delivered)
    }

    @Test("a step with loom.timeout_seconds fails when no outcome arrives in time; intermediate events do not extend it", arguments: ScenarioStores.all)
    func stepTimeout(factory: StoreFactory) async throws {
        var migration = Fixtures.migration()
        migration.steps[0].config[StepDefinition.timeoutConfigKey] = "60"
        let harness = try await LoomHarness.announced(factory, migration: migration)
        try await harness.startAndSettle()
        #expect(try await harness.currentRun().timerDueAt == harness.clock.now() + .seconds(60))
        await harness.advance(by: .seconds(30))
        try await harness.event(runID, step: "disable-sync-prune", phase: "open")
        await harness.advance(by: .seconds(29))
        #expect(try await harness.currentRun().status == .running)
        await harness.advance(by: .seconds(1))
        let run = try await harness.currentRun()
        #expect(run.status == .waitingRetry)
        #expect(run.results[0].status == .failed)
        #expect(run.results[0].failureReason == "step timed out: no outcome within 60.0 s")
        #expect(try await harness.historyKinds().last == .stepTimedOut)
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune") }
    }

    @Test("the server default step timeout applies to steps without their own")
    func defaultTimeout() async throws {
        let harness = try await LoomHarness.announced(configure: { $0.defaultStepTimeout = .seconds(10) })
        try await harness.startAndSettle()
        try await harness.event(runID, step: "disable-sync-prune")
        await harness.settle()
        #expect(try await harness.currentRun().timerDueAt == harness.clock.now() + .seconds(10))
        await harness.advance(by: .seconds(10))
        let run = try await harness.currentRun()
        #expect(run.results[1].status == .failed)
        #expect(run.results[0].status == .completed)
    }
}
