import Logging
import LoomCore
import LoomTestSupport
import Testing

@Suite("Logs of settled outcomes")
struct OutcomeLoggingTests {
    @Test("a step that exhausts its dispatch attempts is logged once at warning; earlier failures at info")
    func giveUpLoggedOnceAtWarning() async throws {
        let logs = CapturedLogs()
        let harness = try await LoomHarness.announced(logger: logs.logger(), configure: { $0.maxDispatchAttempts = 3 })
        harness.migrator.failAllDispatches(MigratorCallError(.httpStatus(503), detail: "overloaded"))
        try await harness.startAndSettle()
        await harness.advance(by: .seconds(1))
        await harness.advance(by: .seconds(2))
        await harness.advance(by: .seconds(3600))
        #expect(harness.migrator.dispatches.count == 3)

        let giveUps = logs.entries("step failed: dispatch attempts exhausted")
        #expect(giveUps.count == 1)
        let giveUp = try #require(giveUps.first)
        #expect(giveUp.level == .warning)
        #expect(giveUp.metadata["run"] == runID)
        #expect(giveUp.metadata["step"] == "disable-sync-prune")
        #expect(giveUp.metadata["attempts"] == "3")
        #expect(giveUp.metadata["reason"] == "migrator answered HTTP 503: overloaded")
        // The two transient failures, not the last one, are the info lines.
        let transient = logs.entries("dispatch failed")
        #expect(transient.count == 2)
        #expect(transient.allSatisfy { $0.level == .info })
    }

    @Test("a completed run is logged once at info with its id and generation")
    func completionLoggedOnce() async throws {
        let logs = CapturedLogs()
        let harness = try await LoomHarness.announced(logger: logs.logger())
        try await harness.startAndSettle()
        #expect(logs.entries("run completed").isEmpty)
        for step in steps {
            try await harness.event(runID, step: step)
            await harness.settle()
        }
        #expect(try await harness.currentRun().status == .completed)

        let completions = logs.entries("run completed")
        #expect(completions.count == 1)
        #expect(completions.first?.level == .info)
        #expect(completions.first?.metadata["run"] == runID)
        #expect(completions.first?.metadata["generation"] == "1")
    }
}
