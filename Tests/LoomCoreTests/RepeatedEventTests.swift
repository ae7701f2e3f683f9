import LoomCore
import LoomTestSupport
import Testing

/// Callbacks a migrator can retry safely: an exact repeat of an event Loom already applied
/// succeeds and changes nothing; a conflicting one is refused (and recorded).
@Suite("Repeated and conflicting step events")
struct RepeatedEventTests {
    @Test("a repeat of the completing callback after the run moved on succeeds and changes nothing", arguments: ScenarioStores.all)
    func completingRepeatAfterMoveOn(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        try await harness.event(runID, step: "disable-sync-prune", phase: "merged", metadata: ["commitSha": "abc"])
        await harness.settle()
        let advanced = try await harness.currentRun()
        #expect(advanced.currentStep == 1)
        harness.clock.advance(by: .seconds(5))

        let repeated = try await harness.event(runID, step: "disable-sync-prune", phase: "merged", metadata: ["commitSha": "abc"])
        #expect(repeated.version == advanced.version)
        await harness.settle()
        #expect(try await harness.currentRun() == advanced)
        #expect(try await harness.historyKinds().contains(.eventRejected) == false)
        #expect(harness.migrator.dispatches.map(\.stepName) == ["disable-sync-prune", "swap-chart"])
    }

    @Test("the receipt tells an event applied now from an exact repeat", arguments: ["", "open"])
    func receipt(phase: String) async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let token = try #require(harness.migrator.dispatches.last?.callbackToken)
        let event = StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true, phase: phase)
        let applied = try await harness.service.receiveStepEvent(runID: runID, credential: .callbackToken(token), event: event)
        #expect(!applied.alreadyApplied)
        await harness.settle()
        let current = try await harness.currentRun()
        let repeated = try await harness.service.receiveStepEvent(runID: runID, credential: .callbackToken(token), event: event)
        #expect(repeated.alreadyApplied)
        #expect(repeated.run == current)
        // pr-opened is the phase `open`: a repeat while the step is open, a conflict once it completed.
        if phase == "open" {
            #expect(try await harness.service.receivePullRequestOpened(runID: runID, credential: .callbackToken(token), event: event).alreadyApplied)
        } else {
            await expectLoomError(.staleEvent) {
                _ = try await harness.service.receivePullRequestOpened(runID: runID, credential: .callbackToken(token), event: event)
            }
        }
    }

    @Test("a repeat of the last step's callback after the run completed succeeds and changes nothing", arguments: ScenarioStores.all)
    func repeatAfterCompletion(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        for step in steps {
            try await harness.event(runID, step: step)
            await harness.settle()
        }
        let completed = try await harness.currentRun()
        #expect(completed.status == .completed)
        let repeated = try await harness.event(runID, step: "review-swap-chart")
        #expect(repeated.version == completed.version)
        #expect(try await harness.currentRun() == completed)
        // Another outcome for that step is a conflict: refused and recorded.
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "review-swap-chart", success: false) }
        let history = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
        #expect(history.filter { $0.kind == .eventRejected }.map { String($0.detail.prefix { $0 != ":" }) } == ["finished_run"])
        #expect(try await harness.currentRun().state == completed.state)
    }

    @Test("a repeat of an intermediate phase succeeds and changes nothing", arguments: ["open", "awaiting_review"])
    func intermediateRepeat(phase: String) async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let first = try await harness.event(runID, step: "disable-sync-prune", phase: phase, metadata: ["prUrl": "u"])
        harness.clock.advance(by: .seconds(5))
        let second = try await harness.event(runID, step: "disable-sync-prune", phase: phase, metadata: ["prUrl": "u"])
        #expect(second == first)
        #expect(try await harness.currentRun().version == first.version)
    }

    @Test("a conflicting outcome for a finished step is refused with its reason and recorded in the history", arguments: ScenarioStores.all)
    func conflictingOutcome(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        try await harness.event(runID, step: "disable-sync-prune", phase: "merged")
        await harness.settle()
        let advanced = try await harness.currentRun()
        // Another outcome (a failure), another success phase, another failure reason: none is a repeat.
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune", success: false, failureReason: "boom") }
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune") }
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune", phase: "open") }
        #expect(try await harness.currentRun().state == advanced.state)
        let rejected = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
            .filter { $0.kind == .eventRejected }
        // One entry per run and reason per minute.
        #expect(rejected.map(\.detail) == [#"not_current_step: step "disable-sync-prune" already finished"#])
        #expect(rejected.first?.stepName == "disable-sync-prune")
    }

    @Test("a repeat of a failure succeeds; another outcome for the failed step is refused", arguments: ScenarioStores.all)
    func failureRepeat(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        let failed = try await harness.event(runID, step: "disable-sync-prune", success: false, failureReason: "chart not found")
        #expect(failed.status == .waitingRetry)
        let repeated = try await harness.event(runID, step: "disable-sync-prune", success: false, failureReason: "chart not found")
        #expect(repeated.version == failed.version)
        await expectLoomError(.staleEvent) {
            try await harness.event(runID, step: "disable-sync-prune", success: false, failureReason: "another reason")
        }
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "disable-sync-prune") }
        #expect(try await harness.currentRun().state == failed.state)
    }

    @Test("after a retry, the old attempt's repeat is a stale attempt: refused and recorded", arguments: ScenarioStores.all)
    func staleAttempt(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        let oldToken = try #require(harness.migrator.dispatches.last?.callbackToken)
        let failure = StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: false, failureReason: "flaky")
        _ = try await harness.service.reportStepEvent(runID: runID, credential: .callbackToken(oldToken), event: failure)
        _ = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: "disable-sync-prune")
        await harness.settle()
        let retried = try await harness.currentRun()
        let error = await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(runID: runID, credential: .callbackToken(oldToken), event: failure)
        }
        #expect(error?.eventRejection == .staleAttempt)
        #expect(try await harness.currentRun().state == retried.state)
        #expect(try await harness.historyKinds().last == .eventRejected)
    }

    @Test("without a token (a trusted caller) a repeat of a finished step's outcome also succeeds")
    func trustedRepeat() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let event = StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true)
        _ = try await harness.service.reportStepEvent(runID: runID, credential: .trustedCaller, event: event)
        await harness.settle()
        let advanced = try await harness.currentRun()
        let repeated = try await harness.service.reportStepEvent(runID: runID, credential: .trustedCaller, event: event)
        #expect(repeated.version == advanced.version)
    }

    @Test("after a cancel, a repeat of an earlier step's outcome succeeds; an event for the cancelled step is refused")
    func repeatAfterCancel() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        try await harness.event(runID, step: "disable-sync-prune")
        await harness.settle()
        let cancelled = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        let repeated = try await harness.event(runID, step: "disable-sync-prune")
        #expect(repeated.version == cancelled.version)
        await expectLoomError(.staleEvent) { try await harness.event(runID, step: "swap-chart") }
    }
}
