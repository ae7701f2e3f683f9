import LoomCore
import LoomTestSupport
import MetricsTestKit
import Testing

/// Reconciliation of lost callbacks: a step acknowledged and then silent for `--step-silence` is
/// asked about (`POST /step-status`), driven by the run's durable timer, with a manual clock.
@Suite("Status checks of silent steps and stalled runs")
struct StepStatusTests {
    static let silence: Duration = .seconds(900)
    static let step = "disable-sync-prune"

    static func outcome(success: Bool = true, phase: String = "merged", failureReason: String = "") -> StepEvent {
        StepEvent(stepName: step, candidateId: "billing-api", success: success, phase: phase, metadata: ["prUrl": "u"], failureReason: failureReason)
    }

    static func history(_ harness: LoomHarness) async throws -> [HistoryEntry] {
        try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
    }

    @Test("silence → Loom asks with the dispatch's key → the outcome is applied as the callback and recorded; the late callback repeats it", arguments: ScenarioStores.all)
    func outcomeApplied(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        harness.migrator.answerStatusChecks([.success(.outcome(Self.outcome()))])
        try await harness.startAndSettle()
        #expect(try await harness.currentRun().timerDueAt == harness.clock.now() + Self.silence)
        await harness.advance(by: Self.silence - .milliseconds(1))
        #expect(harness.migrator.statusRequests.isEmpty)
        await harness.advance(by: .milliseconds(1))

        #expect(harness.migrator.statusRequests == [
            StepStatusRequest(
                migrationId: "app-chart-migration", candidateId: "billing-api", callbackId: runID, stepName: Self.step, attempt: 1,
                idempotencyKey: "\(runID)/1/\(Self.step)/1")
        ])
        #expect(harness.migrator.statusRequests.first?.idempotencyKey == harness.migrator.dispatches.first?.idempotencyKey)
        let run = try await harness.currentRun()
        #expect(run.currentStep == 1)
        #expect(run.results[0].status == .merged)
        #expect(run.results[0].metadata == ["prUrl": "u"])
        #expect(harness.migrator.dispatches.map(\.stepName) == [Self.step, "swap-chart"])
        let history = try await Self.history(harness)
        #expect(history.contains { $0.kind == .statusChecked && $0.detail == "the migrator answered with the step's outcome (HTTP 200)" })
        #expect(history.contains { $0.kind == .stepCompleted && $0.detail == "phase merged (reported by /step-status)" })

        // The migrator's own callback, delivered late: an exact repeat, 2xx, nothing changes.
        let token = try #require(harness.migrator.dispatches.first?.callbackToken)
        let receipt = try await harness.service.receiveStepEvent(runID: runID, credential: .callbackToken(token), event: Self.outcome())
        #expect(receipt.alreadyApplied)
        #expect(try await harness.currentRun() == run)
        // A conflicting one: refused (409 / FAILED_PRECONDITION) and recorded.
        await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(
                runID: runID, credential: .callbackToken(token), event: Self.outcome(success: false, phase: "", failureReason: "no"))
        }
        #expect(try await harness.currentRun().state == run.state)
        #expect(try await Self.history(harness).last?.kind == .eventRejected)
    }

    @Test("202: asked again after another silence; a callback stops the checks", arguments: ScenarioStores.all)
    func stillWorking(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        harness.migrator.answerStatusChecks([.success(.working), .success(.working)])
        try await harness.startAndSettle()
        let acknowledged = try await harness.currentRun()
        await harness.advance(by: Self.silence)
        var run = try await harness.currentRun()
        #expect(harness.migrator.statusRequests.count == 1)
        #expect(run.timerDueAt == harness.clock.now() + Self.silence)
        #expect(run.results[0].status == .inProgress)
        #expect(run.updatedAt == acknowledged.updatedAt)
        #expect(run.stalledSince == nil)
        let entry = try #require(try await Self.history(harness).last)
        #expect(entry.kind == .statusChecked)
        #expect(entry.detail == "the migrator is still working (HTTP 202); next check in 15 min")

        await harness.advance(by: Self.silence - .milliseconds(1))
        #expect(harness.migrator.statusRequests.count == 1)
        await harness.advance(by: .milliseconds(1))
        #expect(harness.migrator.statusRequests.count == 2)

        // Any callback stops the checks (an open pull request may wait for days).
        run = try await harness.event(runID, step: Self.step, phase: "open")
        #expect(run.timerDueAt == nil)
        await harness.advance(by: Self.silence * 4)
        #expect(harness.migrator.statusRequests.count == 2)
    }

    @Test("no endpoint (404, 405, 501): the run is stalled, listed with the stalled filter, and a callback clears it", arguments: [404, 405, 501])
    func stalled(status: Int) async throws {
        let harness = try await LoomHarness.announced(candidates: [Fixtures.candidate(), Fixtures.candidate("ledger")])
        harness.migrator.answerStatusChecks([.success(.unsupported(httpStatus: status))])
        try await harness.startAndSettle()
        _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "ledger", inputs: ["repoName": "ledger"])
        await harness.settle()
        // The other run heard from its migrator: it is not asked about.
        try await harness.event("app-chart-migration__ledger", step: Self.step, candidate: "ledger", phase: "open")
        await harness.advance(by: Self.silence)

        var run = try await harness.currentRun()
        #expect(harness.migrator.statusRequests.map(\.candidateId) == ["billing-api"])
        #expect(run.status == .running)
        #expect(run.stalledSince == harness.clock.now())
        #expect(run.updatedAt == harness.clock.now())
        #expect(run.timerDueAt == nil)
        let entry = try #require(try await Self.history(harness).last)
        #expect(entry.kind == .stepStalled)
        #expect(entry.detail.contains("HTTP \(status)"))

        let stalledOnly = RunFilter(stalled: true)
        #expect(try await harness.service.listRuns(filter: stalledOnly).runs.map(\.candidateId) == ["billing-api"])
        #expect(try await harness.service.listRuns(filter: RunFilter(selection: RunSelection(status: .running), stalled: true)).runs.count == 1)
        #expect(try await harness.service.listRuns().runs.count == 2)

        // Not asked again: the migrator has no endpoint.
        await harness.advance(by: .seconds(86_400))
        #expect(harness.migrator.statusRequests.count == 1)

        // A callback arriving later clears it.
        run = try await harness.event(runID, step: Self.step, phase: "awaiting_review")
        #expect(run.stalledSince == nil)
        #expect(try await harness.service.listRuns(filter: stalledOnly).runs.isEmpty)
    }

    @Test("the step's deadline stays armed while it is stalled, and its timeout ends the stall")
    func stallEnds() async throws {
        var migration = Fixtures.migration()
        migration.steps[0].config[StepDefinition.timeoutConfigKey] = "3600"
        let harness = try await LoomHarness.announced(migration: migration)
        try await harness.startAndSettle()
        await harness.advance(by: Self.silence)
        #expect(try await harness.currentRun().stalledSince != nil)
        // The deadline stays armed while stalled.
        #expect(try await harness.currentRun().timerDueAt == harness.clock.now() + .seconds(3600) - Self.silence)
        await harness.advance(by: .seconds(3600) - Self.silence)
        let run = try await harness.currentRun()
        #expect(run.status == .waitingRetry)
        #expect(run.stalledSince == nil)
        #expect(try await harness.service.listRuns(filter: RunFilter(stalled: true)).runs.isEmpty)
    }

    @Test("asking fails (5xx, timeout, an invalid body): counted, asked again after the next silence, never stalled")
    func failures() async throws {
        let metrics = TestMetrics()
        let harness = try await LoomHarness.announced(configure: { $0.metricsFactory = metrics })
        harness.migrator.answerStatusChecks([
            .failure(MigratorCallError(.httpStatus(503), detail: "busy")),
            .failure(MigratorCallError(.timeout)),
            .success(.outcome(StepEvent(stepName: Self.step, candidateId: "billing-api", success: true, metadata: ["": "x"]))),
        ])
        try await harness.startAndSettle()
        for expected in 1...3 {
            await harness.advance(by: Self.silence)
            #expect(harness.migrator.statusRequests.count == expected)
            let run = try await harness.currentRun()
            #expect(run.stalledSince == nil)
            #expect(run.timerDueAt == harness.clock.now() + Self.silence)
        }
        let details = try await Self.history(harness).filter { $0.kind == .statusChecked }.map(\.detail)
        try #require(details.count == 3)
        #expect(details[0] == "asking /step-status failed: migrator answered HTTP 503: busy; next check in 15 min")
        #expect(details[1].hasPrefix("asking /step-status failed: migrator timed out"))
        #expect(details[2].hasPrefix("asking /step-status failed: the answer is not a valid step event"))
        let failed = try metrics.expectCounter("loom.step_status.checks.total", [("answer", "failed")])
        #expect(failed.totalValue == 3)
    }

    @Test("the step deadline still applies: the timer is the earlier of the deadline and the next check")
    func deadlineAndChecks() async throws {
        var migration = Fixtures.migration()
        migration.steps[0].config[StepDefinition.timeoutConfigKey] = "100"
        let harness = try await LoomHarness.announced(migration: migration, configure: { $0.stepSilence = .seconds(30) })
        harness.migrator.answerStatusChecks([.success(.working), .success(.working), .success(.working)])
        try await harness.startAndSettle()
        for _ in 1...3 { await harness.advance(by: .seconds(30)) }
        #expect(harness.migrator.statusRequests.count == 3)
        #expect(try await harness.currentRun().timerDueAt == harness.clock.now() + .seconds(10))
        await harness.advance(by: .seconds(10))
        let run = try await harness.currentRun()
        #expect(run.status == .waitingRetry)
        #expect(run.results[0].failureReason == "step timed out: no outcome within 100.0 s")
        #expect(harness.migrator.statusRequests.count == 3)
    }

    @Test("--step-silence off: no timer after the acknowledgement, never asked")
    func off() async throws {
        let harness = try await LoomHarness.announced(configure: { $0.stepSilence = nil })
        try await harness.startAndSettle()
        #expect(try await harness.currentRun().timerDueAt == nil)
        await harness.advance(by: .seconds(86_400))
        #expect(harness.migrator.statusRequests.isEmpty)
    }

    @Test("a callback that lands while Loom asks wins: the same answer changes nothing, a conflicting one is refused and recorded", arguments: [true, false])
    func callbackDuringAsk(answerAgrees: Bool) async throws {
        let harness = try await LoomHarness.announced()
        let service = harness.service
        let token = Locked("")
        harness.migrator.onStepStatus { _ in
            _ = try await service.reportStepEvent(runID: runID, credential: .callbackToken(token.current), event: Self.outcome())
        }
        harness.migrator.answerStatusChecks([
            .success(.outcome(answerAgrees ? Self.outcome() : Self.outcome(success: false, phase: "", failureReason: "lost")))
        ])
        try await harness.startAndSettle()
        token.withLock { $0 = harness.migrator.dispatches.first?.callbackToken ?? "" }
        await harness.advance(by: Self.silence)
        await harness.settle()
        let run = try await harness.currentRun()
        #expect(run.currentStep == 1)
        #expect(run.results[0].status == .merged)
        #expect(harness.migrator.dispatches.map(\.stepName) == [Self.step, "swap-chart"])
        let history = try await Self.history(harness)
        #expect(!history.contains { $0.kind == .statusChecked })
        let rejected = history.filter { $0.kind == .eventRejected }.map(\.detail)
        if answerAgrees {
            #expect(rejected.isEmpty)
        } else {
            #expect(rejected.count == 1)
            #expect(rejected.first?.hasPrefix("not_current_step:") == true)
            #expect(rejected.first?.hasSuffix("(reported by /step-status)") == true)
        }
    }

    @Test("an answer for another step is refused, recorded, and asked again after the silence")
    func refusedAnswer() async throws {
        let harness = try await LoomHarness.announced()
        harness.migrator.answerStatusChecks([
            .success(.outcome(StepEvent(stepName: "swap-chart", candidateId: "billing-api", success: true)))
        ])
        try await harness.startAndSettle()
        await harness.advance(by: Self.silence)
        let run = try await harness.currentRun()
        #expect(run.currentStep == 0)
        #expect(run.timerDueAt == harness.clock.now() + Self.silence)
        let kinds = try await Self.history(harness).suffix(2).map(\.kind)
        #expect(kinds == [.eventRejected, .statusChecked])
    }

    @Test("the check is durable: another replica (or a restarted one) takes a due check over", arguments: ScenarioStores.all)
    func durable(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        harness.migrator.answerStatusChecks([.success(.outcome(Self.outcome()))])
        try await harness.startAndSettle()
        let replica = harness.replica()
        harness.clock.advance(by: Self.silence)
        await replica.tick()
        await replica.waitUntilIdle()
        #expect(harness.migrator.statusRequests.count == 1)
        #expect(try await harness.currentRun().currentStep == 1)
    }
}
