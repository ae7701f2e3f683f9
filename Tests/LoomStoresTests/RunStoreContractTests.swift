import LoomCore
import LoomTestSupport
import Testing

@Suite("RunStore contract")
struct RunStoreContractTests {
    @Test("a run is created at version 1 and every write is checked against the version", arguments: StoreFactories.all)
    func versioning(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store)
        let created = try await Build.create(store, Build.run())
        #expect(created.version == 1)
        #expect(try await store.run(id: created.id) == created)

        // A second create (expected version 0) conflicts and reports the current run.
        #expect(try await store.apply(RunWrite(run: Build.run(), expectedVersion: 0, history: [])) == .conflict(current: created))

        var next = created
        next.status = .waitingRetry
        guard case .applied(let v2) = try await store.apply(RunWrite(run: next, expectedVersion: 1, history: [])) else {
            Issue.record("write at version 1 was not applied")
            return
        }
        #expect(v2.version == 2)
        #expect(v2.status == .waitingRetry)
        // A writer still holding version 1 loses and changes nothing.
        #expect(try await store.apply(RunWrite(run: created, expectedVersion: 1, history: [])) == .conflict(current: v2))
        #expect(try await store.run(id: created.id) == v2)
        // A version for a run that does not exist conflicts too.
        #expect(try await store.apply(RunWrite(run: Build.run(Build.runID("m1", "c2")), expectedVersion: 3, history: [])) == .conflict(current: nil))
    }

    @Test("the candidate status is written in the same operation as the run", arguments: StoreFactories.all)
    func candidateStatus(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store)
        let change = CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted])
        let run = try await Build.create(store, Build.run(), candidate: change)
        #expect(try await store.candidate(migrationId: "m1", candidateId: "c1").status == .running)

        var finished = run
        finished.status = .completed
        _ = try await store.apply(RunWrite(run: finished, expectedVersion: 1, candidateStatus: CandidateStatusChange(newStatus: .completed), history: []))
        #expect(try await store.candidate(migrationId: "m1", candidateId: "c1").status == .completed)
    }

    @Test("a failed candidate precondition writes nothing at all", arguments: StoreFactories.all)
    func candidatePrecondition(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store)
        _ = try await Build.create(store, Build.run(Build.runID("m1", "c2")), candidate: CandidateStatusChange(newStatus: .running))
        let id = Build.runID("m1", "c2")
        let before = try await store.run(id: id)
        var attempt = before
        attempt.generation = 2
        attempt.timerDueAt = Build.t0
        let outcome = try await store.apply(RunWrite(
            run: attempt, expectedVersion: before.version,
            candidateStatus: CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted]),
            history: [Build.entry(.runStarted, "second")]
        ))
        #expect(outcome == .candidateRejected(current: .running))
        #expect(try await store.run(id: id) == before)
        #expect(try await store.history(of: id, limit: 0).count == 1)
        #expect(try await store.claimDueTimers(partition: partition(store, id), now: Build.at(100), lease: .seconds(1), limit: 10).isEmpty)

        // A missing candidate rejects a conditional write and is skipped by an unconditional one.
        let ghost = Build.runID("m1", "ghost")
        #expect(try await store.apply(RunWrite(run: Build.run(ghost), expectedVersion: 0, candidateStatus: CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted]), history: [])) == .candidateRejected(current: nil))
        let created = try await Build.create(store, Build.run(ghost), candidate: CandidateStatusChange(newStatus: .running))
        #expect(created.version == 1)
        await #expect(throws: LoomError.self) { _ = try await store.candidate(migrationId: "m1", candidateId: "ghost") }
    }

    @Test("history is appended with increasing ids, read oldest first, limited to the newest and capped", arguments: StoreFactories.all)
    func history(factory: StoreFactory) async throws {
        let store = try await factory(StoreOptions(historyCap: 5))
        try await Build.seed(store)
        var run = try await Build.create(store, Build.run())
        for index in 1...6 {
            guard case .applied(let next) = try await store.apply(RunWrite(run: run, expectedVersion: run.version, history: [Build.entry(.eventApplied, "e\(index)")])) else {
                Issue.record("write \(index) not applied")
                return
            }
            run = next
        }
        let all = try await store.history(of: run.id, limit: 0)
        #expect(all.map(\.detail) == ["e2", "e3", "e4", "e5", "e6"])
        #expect(all.allSatisfy { !$0.id.isEmpty })
        #expect(Set(all.map(\.id)).count == 5)
        #expect(try await store.history(of: run.id, limit: 2).map(\.detail) == ["e5", "e6"])
        #expect(all.last == HistoryEntry(id: all.last!.id, at: Build.t0, kind: .eventApplied, stepName: "s1", attempt: 1, stepStatus: .inProgress, runStatus: .running, detail: "e6", generation: 1, runVersion: run.version))
        // Each entry carries the version its write produced.
        #expect(all.map(\.runVersion) == [3, 4, 5, 6, 7])
        #expect(try await store.history(of: Build.runID("m1", "none"), limit: 0).isEmpty)
    }

    @Test("timers follow the run record and are claimed under a lease", arguments: StoreFactories.all)
    func timers(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store)
        let id = Build.runID()
        let p = partition(store, id)
        let run = try await Build.create(store, Build.run(timer: Build.at(10)))
        #expect(try await store.claimDueTimers(partition: p, now: Build.at(9), lease: .seconds(30), limit: 10).isEmpty)
        #expect(try await store.claimDueTimers(partition: (p + 1) % store.timerPartitionCount, now: Build.at(10), lease: .seconds(30), limit: 10).isEmpty)
        #expect(try await store.claimDueTimers(partition: p, now: Build.at(10), lease: .seconds(30), limit: 10) == [DueTimer(runID: id, dueAt: Build.at(10))])
        // Claimed: hidden until the lease expires, then claimable again.
        #expect(try await store.claimDueTimers(partition: p, now: Build.at(39), lease: .seconds(30), limit: 10).isEmpty)
        #expect(try await store.claimDueTimers(partition: p, now: Build.at(40), lease: .seconds(30), limit: 10) == [DueTimer(runID: id, dueAt: Build.at(40))])

        // restoreTimer puts it back to the record's due time, unless the record moved on.
        try await store.restoreTimer(of: id, version: run.version)
        #expect(try await store.claimDueTimers(partition: p, now: Build.at(10), lease: .seconds(30), limit: 10).count == 1)
        var cleared = run
        cleared.timerDueAt = nil
        _ = try await store.apply(RunWrite(run: cleared, expectedVersion: 1, history: []))
        try await store.restoreTimer(of: id, version: 1)
        #expect(try await store.claimDueTimers(partition: p, now: Build.at(1000), lease: .seconds(30), limit: 10).isEmpty)
        // Restoring with the current version when the record has no timer removes the entry.
        try await store.restoreTimer(of: id, version: 2)
        #expect(try await store.claimDueTimers(partition: p, now: Build.at(1000), lease: .seconds(30), limit: 10).isEmpty)
    }

    @Test("claims return the earliest due timers first, at most the limit", arguments: StoreFactories.all)
    func claimOrder(factory: StoreFactory) async throws {
        let store = try await factory(StoreOptions(timerPartitionCount: 1))
        try await Build.seed(store, candidates: ["c1", "c2", "c3"])
        _ = try await Build.create(store, Build.run(Build.runID("m1", "c1"), timer: Build.at(3)))
        _ = try await Build.create(store, Build.run(Build.runID("m1", "c2"), timer: Build.at(1)))
        _ = try await Build.create(store, Build.run(Build.runID("m1", "c3"), timer: Build.at(2)))
        let first = try await store.claimDueTimers(partition: 0, now: Build.at(5), lease: .seconds(60), limit: 2)
        #expect(first.map(\.runID.candidateId) == ["c2", "c3"])
        let second = try await store.claimDueTimers(partition: 0, now: Build.at(5), lease: .seconds(60), limit: 2)
        #expect(second.map(\.runID.candidateId) == ["c1"])
    }

    @Test("of many concurrent writers holding the same version exactly one wins", arguments: StoreFactories.all)
    func concurrentWriters(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store)
        let run = try await Build.create(store, Build.run())
        let applied = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    var next = run
                    next.inputs = ["writer": "\(index)"]
                    if case .applied = try? await store.apply(RunWrite(run: next, expectedVersion: run.version, history: [Build.entry(.eventApplied)])) {
                        return true
                    }
                    return false
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(applied == 1)
        #expect(try await store.run(id: run.id).version == 2)
        #expect(try await store.history(of: run.id, limit: 0).count == 2)
    }

    private func partition(_ store: any LoomStore, _ id: RunID) -> Int {
        StorePartitioning.partition(ofMigration: id.migrationId, count: store.timerPartitionCount)
    }
}
