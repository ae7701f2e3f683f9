import LoomCore
import LoomRedis
import LoomStores
import Testing

@Suite("Redis store: runs, timers, history", .timeLimit(.minutes(1)))
struct RedisStoreRunTests {
    @Test("apply is version-checked: create once, then only from the stored version")
    func versions() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let store = h.store
        let run = try RedisFixtures.run("m", "a")
        guard case .applied(let created) = try await store.apply(RunWrite(run: run, expectedVersion: 0, history: [])) else {
            Issue.record("create not applied"); return
        }
        #expect(created.version == 1)
        #expect(try await store.run(id: run.id) == created)
        guard case .conflict(let current) = try await store.apply(RunWrite(run: run, expectedVersion: 0, history: [])) else {
            Issue.record("second create not a conflict"); return
        }
        #expect(current == created)
        guard case .conflict = try await store.apply(RunWrite(run: run, expectedVersion: 7, history: [])) else {
            Issue.record("wrong version not a conflict"); return
        }
        var next = created
        next.status = .cancelled
        guard case .applied(let updated) = try await store.apply(RunWrite(run: next, expectedVersion: 1, history: [])) else {
            Issue.record("update not applied"); return
        }
        #expect(updated.version == 2 && updated.status == .cancelled)
        guard case .conflict(nil) = try await store.apply(
            RunWrite(run: try RedisFixtures.run("m", "zz"), expectedVersion: 3, history: []))
        else { Issue.record("missing run must conflict with nil"); return }
        await #expect { _ = try await store.run(id: try RunID(migrationId: "m", candidateId: "zz")) } throws: {
            ($0 as? LoomError)?.code == .notFound
        }
    }

    @Test("the candidate precondition rejects the whole write; a plain status change skips missing candidates")
    func candidatePrecondition() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let store = h.store
        _ = try await store.announce(RedisFixtures.migration("m"), newCandidates: [RedisFixtures.candidate("a")], owner: nil, at: RedisFixtures.t0)
        let requireNotStarted = CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted])
        let start = RunWrite(run: try RedisFixtures.run("m", "a", due: RedisFixtures.t0), expectedVersion: 0, candidateStatus: requireNotStarted, history: [RedisFixtures.entry(.runStarted)])
        guard case .applied = try await store.apply(start) else { Issue.record("start not applied"); return }
        #expect(try await store.candidate(migrationId: "m", candidateId: "a").status == .running)

        var again = start
        again.expectedVersion = 1
        guard case .candidateRejected(.running) = try await store.apply(again) else { Issue.record("not rejected"); return }
        #expect(try await store.run(id: start.run.id).version == 1)
        #expect(try await store.history(of: start.run.id, limit: 0).count == 1)

        let ghost = RunWrite(run: try RedisFixtures.run("m", "ghost"), expectedVersion: 0, candidateStatus: requireNotStarted, history: [])
        guard case .candidateRejected(nil) = try await store.apply(ghost) else { Issue.record("ghost not rejected"); return }
        let plain = RunWrite(
            run: try RedisFixtures.run("m", "ghost"), expectedVersion: 0, candidateStatus: CandidateStatusChange(newStatus: .completed),
            history: [])
        guard case .applied = try await store.apply(plain) else { Issue.record("plain change not applied"); return }
        await #expect {
            _ = try await store.candidate(migrationId: "m", candidateId: "ghost")
        } throws: { ($0 as? LoomError)?.code == .notFound }
    }

    @Test("history is appended with store ids, read newest-limited and oldest first, and capped")
    func history() async throws {
        let h = try await RedisStoreHarness.start(historyCap: 10)
        defer { h.server.stop() }
        let store = h.store
        var run = try RedisFixtures.run("m", "a")
        for version in 0..<40 {
            let write = RunWrite(
                run: run, expectedVersion: UInt64(version),
                history: [RedisFixtures.entry(.eventApplied, detail: "e\(version)a"), RedisFixtures.entry(.eventApplied, detail: "e\(version)b")])
            guard case .applied(let stored) = try await store.apply(write) else { Issue.record("not applied"); return }
            run = stored
        }
        let last3 = try await store.history(of: run.id, limit: 3)
        #expect(last3.map(\.detail) == ["e38b", "e39a", "e39b"])
        #expect(last3.allSatisfy { !$0.id.isEmpty })
        #expect(last3[0].id < last3[1].id)
        let all = try await store.history(of: run.id, limit: 0)
        #expect(all.count == 10)
        // MAXLEN ~ trims whole stream nodes: storage stays bounded, reads show exactly the cap.
        let stored = try await h.pool.send(RedisCommand("XLEN", .string(h.store.keys.history(run.id)))).int ?? 0
        #expect(stored >= 10 && stored <= 80)
        #expect(all.last?.detail == "e39b")
        #expect(try await store.history(of: try RunID(migrationId: "m", candidateId: "none"), limit: 5).isEmpty)
    }

    @Test("timers follow every write; claims take due entries under a lease; restore respects the version")
    func timers() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let store = h.store
        let t0 = RedisFixtures.t0
        let run = try RedisFixtures.run("m", "a", due: t0 + .seconds(10))
        let partition = StorePartitioning.partition(ofMigration: "m", count: store.timerPartitionCount)
        guard case .applied(let stored) = try await store.apply(RunWrite(run: run, expectedVersion: 0, history: [])) else {
            Issue.record("not applied"); return
        }
        #expect(try await store.claimDueTimers(partition: partition, now: t0, lease: .seconds(30), limit: 10).isEmpty)
        let claimed = try await store.claimDueTimers(partition: partition, now: t0 + .seconds(10), lease: .seconds(30), limit: 10)
        #expect(claimed == [DueTimer(runID: run.id, dueAt: t0 + .seconds(10))])
        // Under lease: nobody else takes it until the lease expires.
        #expect(try await store.claimDueTimers(partition: partition, now: t0 + .seconds(20), lease: .seconds(30), limit: 10).isEmpty)
        let expired = try await store.claimDueTimers(partition: partition, now: t0 + .seconds(40), lease: .seconds(30), limit: 10)
        #expect(expired == [DueTimer(runID: run.id, dueAt: t0 + .seconds(40))])
        // Restore with the current version puts the record's due time back.
        try await store.restoreTimer(of: run.id, version: stored.version)
        #expect(try await store.claimDueTimers(partition: partition, now: t0 + .seconds(10), lease: .seconds(1), limit: 10).count == 1)
        // A stale restore does nothing; a write without a timer removes it.
        var done = stored
        done.timerDueAt = nil
        guard case .applied(let v2) = try await store.apply(RunWrite(run: done, expectedVersion: 1, history: [])) else {
            Issue.record("not applied"); return
        }
        try await store.restoreTimer(of: run.id, version: 1)
        try await store.restoreTimer(of: run.id, version: v2.version)
        #expect(try await store.claimDueTimers(partition: partition, now: t0 + .seconds(3600), lease: .seconds(1), limit: 10).isEmpty)
    }
}

@Suite("Redis store: concurrency", .timeLimit(.minutes(1)))
struct RedisStoreConcurrencyTests {
    @Test("50 concurrent candidate submissions on one migration lose nothing")
    func concurrentSubmissions() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let store = h.store
        _ = try await store.announce(RedisFixtures.migration("m"), newCandidates: [], owner: nil, at: RedisFixtures.t0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    let outcome = try await store.submitCandidates(migrationId: "m", candidates: [RedisFixtures.candidate("c\(i)")])
                    #expect(outcome.accepted == 1)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.allCandidates(of: "m").count == 50)
    }

    @Test("50 concurrent status updates of one run lose nothing (version-checked retries)")
    func concurrentUpdates() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let store = h.store
        let initial = try RedisFixtures.run("m", "a")
        _ = try await store.apply(RunWrite(run: initial, expectedVersion: 0, history: [RedisFixtures.entry(.runStarted)]))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    var current = try await store.run(id: initial.id)
                    while true {
                        var next = current
                        next.inputs["update-\(i)"] = "\(i)"
                        switch try await store.apply(RunWrite(run: next, expectedVersion: current.version, history: [RedisFixtures.entry(.eventApplied, detail: "\(i)")])) {
                        case .applied: return
                        case .conflict(let fresh?): current = fresh
                        default: Issue.record("unexpected outcome"); return
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await store.run(id: initial.id)
        #expect(final.version == 51)
        #expect(final.inputs.count == 50)
        #expect(try await store.history(of: initial.id, limit: 0).count == 51)
    }

    @Test("a start racing a cancel ends consistent: run status and candidate status agree", arguments: 0..<10)
    func startRacingCancel(round: Int) async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let store = h.store
        _ = try await store.announce(RedisFixtures.migration("m"), newCandidates: [RedisFixtures.candidate("a")], owner: nil, at: RedisFixtures.t0)
        let run = try RedisFixtures.run("m", "a", due: RedisFixtures.t0)
        async let started: RunWriteOutcome = store.apply(
            RunWrite(
                run: run, expectedVersion: 0, candidateStatus: CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted]),
                history: [RedisFixtures.entry(.runStarted)]))
        @Sendable func cancel() async throws -> Bool {
            guard let current = try? await store.run(id: run.id) else { return false }  // nothing to cancel yet
            var next = current
            next.status = .cancelled
            next.timerDueAt = nil
            let outcome = try await store.apply(
                RunWrite(
                    run: next, expectedVersion: current.version,
                    candidateStatus: CandidateStatusChange(newStatus: .notStarted, requiredCurrent: [.running]),
                    history: [RedisFixtures.entry(.runCancelled, status: .cancelled)]))
            if case .applied = outcome { return true }
            return false
        }
        async let cancelled = cancel()
        let (startOutcome, didCancel) = try await (started, cancelled)
        guard case .applied = startOutcome else { Issue.record("start must apply: \(startOutcome)"); return }
        let final = try await store.run(id: run.id)
        let candidate = try await store.candidate(migrationId: "m", candidateId: "a")
        #expect(final.status == (didCancel ? .cancelled : .running))
        #expect((final.status == .running) == (candidate.status == .running))
        let partition = StorePartitioning.partition(ofMigration: "m", count: store.timerPartitionCount)
        let timers = try await store.claimDueTimers(partition: partition, now: RedisFixtures.t0, lease: .seconds(1), limit: 10)
        #expect(timers.isEmpty == didCancel)
    }
}
