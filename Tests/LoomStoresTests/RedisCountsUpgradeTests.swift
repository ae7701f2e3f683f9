import LoomCore
import LoomRedis
import LoomStores
import LoomTestSupport
import Testing

@Suite("Redis store: data written before counts existed")
struct RedisCountsUpgradeTests {
    /// Removes what this version adds to the layout — the counts hash, the indexes and the run
    /// position fields — leaving data as the previous version wrote it.
    static func strip(_ h: RedisStoreHarness, migration id: String, runs: [RunID]) async throws {
        let keys = h.store.keys
        _ = try await h.pool.send(
            RedisCommand(
                "DEL", .string(keys.counts(id)), .string(keys.candidateIndex(id)), .string(keys.candidateStatusIndex(id)),
                .string(keys.runIndex(id)), .string(keys.runStatusIndex(id))))
        for run in runs {
            _ = try await h.pool.send(RedisCommand("HDEL", .string(keys.run(run)), "rs", "st", "ss", "up"))
        }
    }

    @Test("the upgrade rebuilds counts, indexes and run positions from the records, once; a recount then finds no drift")
    func upgrade() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let ids = ["org/a", "org/b", "c", "d"]
        _ = try await h.store.announce(RedisFixtures.migration(), newCandidates: ids.map { RedisFixtures.candidate($0) }, owner: nil, at: RedisFixtures.t0)
        var runs: [RunID] = []
        for (index, status) in [RunStatus.running, .completed, .waitingRetry].enumerated() {
            var run = try RedisFixtures.run("upgrade-chart", ids[index], status: status)
            run.results = [StepResult(stepName: run.steps[0].name, attempt: 1, at: RedisFixtures.t0)]
            if status == .waitingRetry { run.results[0].status = .failed }
            if status == .completed { run.currentStep = run.steps.count }
            let candidate: CandidateStatus = status == .completed ? .completed : .running
            guard case .applied = try await h.store.apply(RunWrite(run: run, expectedVersion: 0, candidateStatus: CandidateStatusChange(newStatus: candidate), history: []))
            else { Issue.record("write not applied"); return }
            runs.append(run.id)
        }
        let before = try await h.store.migrationSummary(id: "upgrade-chart").counts
        try await Self.strip(h, migration: "upgrade-chart", runs: runs)
        #expect(try await h.store.migrationSummary(id: "upgrade-chart").counts == MigrationCounts())
        #expect(try await h.store.upgradeCounts() == ["upgrade-chart"])
        let after = try await h.store.migrationSummary(id: "upgrade-chart").counts
        #expect(after == before)
        #expect(after?.candidates == [.notStarted: 1, .running: 2, .completed: 1])
        #expect(after?.steps.first?.failed == 1)
        #expect(try await h.store.allCandidates(of: "upgrade-chart", filter: CandidateFilter(status: .running)).map(\.id) == ["c", "org/a"])
        let completed = RunSelection(migrationId: "upgrade-chart", status: .completed)
        #expect(try await h.store.openRunListing(completed, name: "u", limit: 10, ttl: .seconds(10)).first.entries.count == 1)
        #expect(try await h.store.recountMigration(id: "upgrade-chart", repair: false).drift.isEmpty)
        // Done once: a second start finds nothing to upgrade.
        #expect(try await h.store.upgradeCounts().isEmpty)
    }
}
