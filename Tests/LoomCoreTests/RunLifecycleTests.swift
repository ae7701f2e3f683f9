import LoomCore
import LoomTestSupport
import Testing

@Suite("Run lifecycle (seed flows)")
struct RunLifecycleTests {
    @Test("start dispatches the first step with the snapshot, idempotency key, callback token and URL", arguments: ScenarioStores.all)
    func startDispatches(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        let started = try await harness.service.startRun(
            migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing-api"], startedBy: "alice"
        )
        #expect(started.status == .running)
        #expect(started.generation == 1)
        #expect(started.startedBy == "alice")
        #expect(try await harness.candidateStatus() == .running)
        await harness.settle()

        let dispatch = try #require(harness.migrator.dispatches.first)
        #expect(harness.migrator.dispatches.count == 1)
        #expect(dispatch.stepName == "disable-sync-prune")
        #expect(dispatch.callbackId == runID)
        #expect(dispatch.eventName == "step-completed:disable-sync-prune:billing-api")
        #expect(dispatch.idempotencyKey == "\(runID)/1/disable-sync-prune/1")
        #expect(dispatch.callbackUrl == "https://loom.example/event/\(runID)")
        #expect(dispatch.config == ["env": "dev"])
        #expect(dispatch.migratorApp == "app-chart-migrator")
        #expect(dispatch.candidate.metadata == ["team": "payments", "repoName": "billing-api"])
        #expect(harness.signer.verify(dispatch.callbackToken) == CallbackClaims(runID: started.id, generation: 1, stepName: "disable-sync-prune", attempt: 1))
        // The stored candidate is not changed by the inputs.
        #expect(try await harness.store.candidate(migrationId: "app-chart-migration", candidateId: "billing-api").metadata == ["team": "payments"])

        let run = try await harness.currentRun()
        let result = try #require(run.currentResult)
        #expect(result.status == .inProgress)
        #expect(result.dispatch == .delivered)
        #expect(result.dispatchCount == 1)
        #expect(result.attempt == 1)
        // No step timeout: the timer is the status check after the default step silence (15 min).
        #expect(run.timerDueAt == harness.clock.now() + .seconds(900))
    }

    @Test("a PR-based step goes open then merged, keeping the PR URL, and the run completes step by step", arguments: ScenarioStores.all)
    func fullRun(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        var run = try await harness.event(runID, step: "disable-sync-prune", phase: "open", metadata: ["prUrl": "https://gh/pr/1"])
        #expect(run.currentResult?.status == .open)
        #expect(run.status == .running)
        run = try await harness.event(runID, step: "disable-sync-prune", metadata: ["phase": "merged", "commitSha": "abc"])
        await harness.settle()
        #expect(run.results[0].status == .merged)
        #expect(run.results[0].metadata == ["prUrl": "https://gh/pr/1", "phase": "merged", "commitSha": "abc"])
        #expect(run.results[0].finishedAt == harness.clock.now())
        #expect(harness.migrator.dispatches.map(\.stepName) == ["disable-sync-prune", "swap-chart"])

        try await harness.event(runID, step: "swap-chart")
        await harness.settle()
        try await harness.event(runID, step: "review-swap-chart", phase: "awaiting_review", metadata: ["instructions": "look"])
        run = try await harness.event(runID, step: "review-swap-chart")
        await harness.settle()
        #expect(run.status == .completed)
        #expect(run.currentStep == 3)
        #expect(run.finishedAt != nil)
        #expect(run.timerDueAt == nil)
        #expect(run.results.map(\.status) == [.merged, .completed, .completed])
        #expect(run.results[2].metadata == ["instructions": "look"])
        #expect(try await harness.candidateStatus() == .completed)
        #expect(harness.migrator.dispatches.count == 3)
        #expect(try await harness.historyKinds() == [
            .runStarted,
            .stepDispatched, .stepDispatched, .eventApplied, .stepCompleted,
            .stepDispatched, .stepDispatched, .stepCompleted,
            .stepDispatched, .stepDispatched, .eventApplied, .stepCompleted, .runCompleted,
        ])
        // A completed candidate cannot be started again.
        await expectLoomError(.alreadyCompleted) { try await harness.startAndSettle() }
    }

    @Test("event phases map to step statuses", arguments: [
        (true, "", StepStatus.completed, RunStatus.running),
        (true, "completed", .completed, .running),
        (true, "merged", .merged, .running),
        (true, "open", .open, .running),
        (true, "awaiting_review", .awaitingReview, .running),
        (true, "failed", .failed, .waitingRetry),
        (true, "in_progress", .failed, .waitingRetry),
        (true, "exploded", .failed, .waitingRetry),
        (false, "", .failed, .waitingRetry),
        (false, "completed", .failed, .waitingRetry),
    ])
    func phases(success: Bool, phase: String, stepStatus: StepStatus, runStatus: RunStatus) async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let run = try await harness.event(runID, step: "disable-sync-prune", success: success, phase: phase)
        #expect(run.results[0].status == stepStatus)
        #expect(run.status == runStatus)
        #expect(run.results[0].phase == phase)
        if stepStatus == .failed {
            #expect(run.results[0].failureReason?.isEmpty == false)
            #expect(try await harness.candidateStatus() == .running)
        }
        if phase == "exploded" { #expect(run.results[0].failureReason?.contains("unknown phase") == true) }
    }

    @Test("a failure keeps its reason; retry of that step re-dispatches a new attempt and the run goes on", arguments: ScenarioStores.all)
    func failureAndRetry(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        var run = try await harness.event(runID, step: "disable-sync-prune", success: false, failureReason: "chart not found")
        #expect(run.status == .waitingRetry)
        #expect(run.results[0].failureReason == "chart not found")
        await expectLoomError(.stepNotRetryable) {
            _ = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "swap-chart")
        }
        run = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "disable-sync-prune")
        #expect(run.status == .running)
        #expect(run.results.count == 1)
        #expect(run.results[0].attempt == 2)
        #expect(run.results[0].failureReason == nil)
        await harness.settle()
        let redispatch = try #require(harness.migrator.dispatches.last)
        #expect(harness.migrator.dispatches.count == 2)
        #expect(redispatch.attempt == 2)
        #expect(redispatch.idempotencyKey == "\(runID)/1/disable-sync-prune/2")
        run = try await harness.event(runID, step: "disable-sync-prune")
        #expect(run.currentStep == 1)
        #expect(try await harness.historyKinds().contains(.stepRetried))
    }

    @Test("retry is refused for a step that has not failed, on a finished run and without a run")
    func retryRefused() async throws {
        let harness = try await LoomHarness.announced()
        await expectLoomError(.notFound) {
            _ = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "swap-chart")
        }
        try await harness.startAndSettle()
        await expectLoomError(.stepNotRetryable) {
            _ = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "disable-sync-prune")
        }
        let before = try await harness.currentRun()
        _ = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        await expectLoomError(.notRunning) {
            _ = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "disable-sync-prune")
        }
        #expect(try await harness.currentRun().version == before.version + 1)
        #expect(harness.migrator.dispatches.count == 1)
    }

    @Test("cancel ends the run cancelled, resets the candidate and refuses late events; a restart is a new generation", arguments: ScenarioStores.all)
    func cancelAndRestart(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        let oldToken = try #require(harness.migrator.dispatches.last?.callbackToken)
        let cancelled = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api", reason: "wrong chart")
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.results[0].status == .cancelled)
        #expect(cancelled.failureReason == "wrong chart")
        #expect(cancelled.timerDueAt == nil)
        #expect(try await harness.candidateStatus() == .notStarted)
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune") }
        await expectLoomError(.notRunning) {
            _ = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        }

        let restarted = try await harness.startAndSettle()
        #expect(restarted.generation == 2)
        #expect(restarted.results.count == 1)
        #expect(harness.migrator.dispatches.last?.idempotencyKey == "\(runID)/2/disable-sync-prune/1")
        // A late event carrying the first generation's token is refused and changes nothing.
        let before = try await harness.currentRun()
        await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(
                runID: runID, credential: .callbackToken(oldToken),
                event: StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true)
            )
        }
        #expect(try await harness.currentRun().state == before.state)
        let history = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
        #expect(history.filter { $0.kind == .runCancelled }.map(\.generation) == [1])
        #expect(history.last?.kind == .eventRejected && history.last?.detail.hasPrefix("stale_attempt") == true)
        #expect(history.last?.generation == 2)
        #expect(try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api", limit: 2).count == 2)
    }

    @Test("start is refused for unknown migrations or candidates, missing inputs and a running candidate")
    func startRefused() async throws {
        let harness = try await LoomHarness.announced()
        await expectLoomError(.notFound) { _ = try await harness.service.startRun(migrationId: "missing", candidateId: "billing-api") }
        await expectLoomError(.notFound) { _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "nobody") }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "bad id") }
        await expectLoomError(.invalidArgument) { try await harness.startAndSettle(inputs: [:]) }
        await expectLoomError(.invalidArgument) { try await harness.startAndSettle(inputs: ["repoName": ""]) }
        #expect(try await harness.candidateStatus() == .notStarted)
        #expect(harness.migrator.dispatches.isEmpty)
        try await harness.startAndSettle()
        await expectLoomError(.alreadyRunning) { try await harness.startAndSettle() }
        #expect(try await harness.currentRun().generation == 1)
        await expectLoomError(.notFound) { _ = try await harness.service.run(migrationId: "app-chart-migration", candidateId: "other") }
    }

    @Test("announcing new steps while a run is active leaves the run's snapshot alone", arguments: ScenarioStores.all)
    func snapshotKept(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        try await harness.announce(Fixtures.migration(steps: ["brand-new"], url: "http://elsewhere"))
        try await harness.event(runID, step: "disable-sync-prune")
        await harness.settle()
        let run = try await harness.currentRun()
        #expect(run.steps.map(\.name) == steps)
        #expect(run.migratorUrl == "http://app-chart-migrator:3001")
        #expect(harness.migrator.dispatches.last?.stepName == "swap-chart")
        #expect(harness.migrator.dispatches.last?.migratorUrl == "http://app-chart-migrator:3001")
    }

    @Test("the pr-opened notification forces the phase to open")
    func prOpened() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let run = try await harness.service.reportPullRequestOpened(
            runID: runID, credential: .trustedCaller,
            event: StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true, phase: "completed", metadata: ["prUrl": "u"])
        )
        #expect(run.results[0].status == .open)
        #expect(run.results[0].metadata["prUrl"] == "u")
        #expect(run.currentStep == 0)
    }
}
