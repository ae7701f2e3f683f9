import LoomCore
import LoomTestSupport
import Testing

@Suite("Watching a run")
struct WatchRunTests {
    @Test("streamed entries equal the run's history, in order, none repeated or skipped (retry, awaiting_review, completion)", arguments: ScenarioStores.all)
    func entriesExactlyOnce(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        let stream = try await {
            try await harness.startAndSettle()
            return try await harness.service.watchRun(migrationId: "app-chart-migration", candidateId: "billing-api", fromVersion: 0)
        }()
        let collector = Task {
            var updates: [RunUpdate] = []
            for try await update in stream { updates.append(update) }
            return updates
        }
        // First step fails, is retried, then succeeds; the second opens a PR that merges; the
        // third waits for a review, then completes.
        try await harness.event(runID, step: steps[0], success: false, failureReason: "conflict")
        await harness.settle()
        _ = try await harness.service.retryStep(migrationId: "app-chart-migration", candidateId: "billing-api", stepName: steps[0])
        await harness.settle()
        try await harness.event(runID, step: steps[0])
        await harness.settle()
        try await harness.event(runID, step: steps[1], phase: "open", metadata: ["prUrl": "https://git/pr/1"])
        await harness.settle()
        try await harness.event(runID, step: steps[1], phase: "merged")
        await harness.settle()
        try await harness.event(runID, step: steps[2], phase: "awaiting_review")
        await harness.settle()
        try await harness.event(runID, step: steps[2])
        await harness.settle()
        let updates = try await collector.value
        #expect(updates.first?.entries.isEmpty == true)
        #expect(updates.last?.run.status == .completed)
        let streamed = updates.flatMap(\.entries)
        let history = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
        // The watch started after run_started and the first dispatch: the rest is identical.
        let since = try #require(updates.first?.run.version)
        #expect(streamed == history.filter { $0.runVersion > since })
        #expect(streamed.map(\.kind).contains(.stepRetried))
        #expect(streamed.map(\.kind).contains(.stepCompleted))
        #expect(streamed.last?.kind == .runCompleted)
        // Each update's entries end at its run's version.
        for update in updates where !update.entries.isEmpty {
            #expect(update.entries.last?.runVersion == update.run.version)
        }
    }

    @Test("a reconnect with from_version gets exactly the entries after it, then follows")
    func resume() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        let seen = try await harness.currentRun().version
        try await harness.event(runID, step: steps[0])
        await harness.settle()
        try await harness.event(runID, step: steps[1])
        await harness.settle()
        var iterator = try await harness.service.watchRun(
            migrationId: "app-chart-migration", candidateId: "billing-api", fromVersion: seen
        ).makeAsyncIterator()
        let first = try #require(try await iterator.next())
        let history = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
        #expect(first.entries == history.filter { $0.runVersion > seen })
        #expect(first.entries.map(\.kind).filter { $0 == .stepCompleted }.count == 2)
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

    @Test("a migration watch sends the counts, then each changed run with the new counts")
    func watchMigration() async throws {
        let harness = try await LoomHarness.announced(candidates: [Fixtures.candidate(), Fixtures.candidate("ledger")])
        var iterator = try await harness.service.watchMigration(id: "app-chart-migration", pollInterval: .milliseconds(10))
            .makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.runs.isEmpty)
        #expect(first.counts.candidates[.notStarted] == 2)
        try await harness.startAndSettle()
        // The watch polls on the manual clock: keep it moving (bounded) while the test waits.
        let ticker = Task {
            for _ in 0..<2000 where !Task.isCancelled {
                harness.clock.advance(by: .milliseconds(20))
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        defer { ticker.cancel() }
        var changed: Set<String> = []
        var counts = first.counts
        while counts.runs[.running] != 1 || !changed.contains("billing-api") {
            guard let update = try await iterator.next() else { break }
            changed.formUnion(update.runs.map(\.candidateId))
            counts = update.counts
        }
        #expect(changed == ["billing-api"])
        #expect(counts.candidates[.running] == 1)
        await expectLoomError(.notFound) { _ = try await harness.service.watchMigration(id: "missing") }
    }
}
