import LoomCore
import LoomTestSupport
import Testing

@Suite("Watching a run")
struct WatchRunTests {
    @Test("the stream starts with the current state, follows transitions and ends with the final state")
    func followsToCompletion() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let stream = try await harness.service.watchRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        let collector = Task {
            var updates: [RunUpdate] = []
            for try await update in stream { updates.append(update) }
            return updates
        }
        for step in steps {
            try await harness.event(runID, step: step)
            await harness.settle()
        }
        let updates = try await collector.value
        #expect(updates.first?.entry == nil)
        #expect(updates.first?.run.status == .running)
        #expect(updates.last?.run.status == .completed)
        #expect(updates.last?.entry?.kind == .runCompleted)
        #expect(updates.count >= 2)
        let versions = updates.map(\.run.version)
        #expect(versions == versions.sorted() && Set(versions).count == versions.count)
    }

    @Test("watching a finished run sends its state once; an unknown run is not found")
    func finishedAndUnknown() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        _ = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        var updates: [RunUpdate] = []
        for try await update in try await harness.service.watchRun(migrationId: "app-chart-migration", candidateId: "billing-api") {
            updates.append(update)
        }
        #expect(updates.map(\.run.status) == [.cancelled])
        await expectLoomError(.notFound) {
            _ = try await harness.service.watchRun(migrationId: "app-chart-migration", candidateId: "nobody")
        }
    }
}
