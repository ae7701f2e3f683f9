import LoomCore
import LoomTestSupport
import Testing

/// Timer leases remember their holder, so a restarted replica can take back its own; replica
/// registrations are compare-and-set, renewed by heartbeats.
@Suite("Lease and replica registry contract")
struct LeaseContractTests {
    static func partition(_ store: any LoomStore, _ id: RunID) -> Int {
        StorePartitioning.partition(ofMigration: id.migrationId, count: store.timerPartitionCount)
    }

    @Test("only earlier incarnations' leases of the same replica are taken over, at once", arguments: StoreFactories.all)
    func takeOver(factory: StoreFactory) async throws {
        let store = try await factory(StoreOptions(timerPartitionCount: 1))
        try await Build.seed(store, candidates: ["c1", "c2", "c3", "c4", "c5"])
        let old = try LeaseHolder(replica: "r1")
        let now = try LeaseHolder(replica: "r1")
        let other = try LeaseHolder(replica: "r1-b")
        // c1: claimed by the old incarnation; c2: a dispatch in flight written by it; c3: claimed
        // by another replica; c4: claimed by the current incarnation; c5: an ordinary timer.
        for candidate in ["c1", "c3", "c4", "c5"] {
            _ = try await Build.create(store, Build.run(Build.runID("m1", candidate), timer: Build.at(1)))
        }
        var inFlight = Build.run(Build.runID("m1", "c2"), timer: Build.at(35))
        inFlight.results[0].dispatch = .inFlight
        _ = try await store.apply(RunWrite(run: inFlight, expectedVersion: 0, history: [], leaseHolder: old))
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(1), lease: .seconds(30), limit: 1, holder: old).map(\.runID.candidateId) == ["c1"])
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(1), lease: .seconds(30), limit: 1, holder: other).map(\.runID.candidateId) == ["c3"])
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(1), lease: .seconds(30), limit: 1, holder: now).map(\.runID.candidateId) == ["c4"])

        let taken = try await store.takeOverLeases(partition: 0, of: "r1", for: now, now: Build.at(2), lease: .seconds(30))
        #expect(taken == [
            DueTimer(runID: Build.runID("m1", "c1"), dueAt: Build.at(31), takenOver: true),
            DueTimer(runID: Build.runID("m1", "c2"), dueAt: Build.at(35), takenOver: true),
        ])
        // Now held by the current incarnation: a second takeover finds nothing.
        #expect(try await store.takeOverLeases(partition: 0, of: "r1", for: now, now: Build.at(3), lease: .seconds(30)).isEmpty)
        // The taken timers moved to the new lease; the others kept theirs.
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(31), lease: .seconds(30), limit: 10).map(\.runID.candidateId).sorted() == ["c3", "c4", "c5"])
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(32), lease: .seconds(30), limit: 10).map(\.runID.candidateId).sorted() == ["c1", "c2"])
    }

    @Test("a write, a claim without holder or a restore releases the lease holder", arguments: StoreFactories.all)
    func release(factory: StoreFactory) async throws {
        let store = try await factory(StoreOptions(timerPartitionCount: 1))
        try await Build.seed(store, candidates: ["c1", "c2", "c3"])
        let old = try LeaseHolder(replica: "r1")
        let now = try LeaseHolder(replica: "r1")
        let c1 = try await Build.create(store, Build.run(Build.runID("m1", "c1"), timer: Build.at(1)))
        let c2 = try await Build.create(store, Build.run(Build.runID("m1", "c2"), timer: Build.at(1)))
        _ = try await Build.create(store, Build.run(Build.runID("m1", "c3"), timer: Build.at(1)))
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(1), lease: .seconds(30), limit: 3, holder: old).count == 3)
        // c1: written again (no lease in the write); c2: restored; c3: claimed again without a holder.
        _ = try await store.apply(RunWrite(run: c1, expectedVersion: c1.version, history: []))
        try await store.restoreTimer(of: c2.id, version: c2.version)
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(40), lease: .seconds(30), limit: 3, holder: nil).count == 3)
        #expect(try await store.takeOverLeases(partition: 0, of: "r1", for: now, now: Build.at(41), lease: .seconds(30)).isEmpty)
        // A lease in a write is recorded; a write that removes the timer drops it.
        var leased = c1
        leased.timerDueAt = Build.at(100)
        guard case .applied(let v2) = try await store.apply(RunWrite(run: leased, expectedVersion: 2, history: [], leaseHolder: old)) else {
            Issue.record("write not applied")
            return
        }
        var finished = v2
        finished.timerDueAt = nil
        _ = try await store.apply(RunWrite(run: finished, expectedVersion: v2.version, history: [], leaseHolder: old))
        #expect(try await store.takeOverLeases(partition: 0, of: "r1", for: now, now: Build.at(42), lease: .seconds(30)).isEmpty)
    }

    @Test("a write that keeps the lease leaves the timer's due time and holder as they are", arguments: StoreFactories.all)
    func keepsLease(factory: StoreFactory) async throws {
        let store = try await factory(StoreOptions(timerPartitionCount: 1))
        try await Build.seed(store, candidates: ["c1", "c2", "c3"])
        let old = try LeaseHolder(replica: "r1")
        let now = try LeaseHolder(replica: "r1")
        // c1: a dispatch in flight written by the old incarnation (lease until 35 s); c2: one whose
        // lease expired at 1 s, claimed by the old incarnation (until 31 s); c3: in flight, then finished.
        var written: [String: Run] = [:]
        for (candidate, due) in [("c1", Int64(35)), ("c2", 1), ("c3", 35)] {
            var run = Build.run(Build.runID("m1", candidate), timer: Build.at(due))
            run.results[0].dispatch = .inFlight
            guard case .applied(let stored) = try await store.apply(RunWrite(run: run, expectedVersion: 0, history: [], leaseHolder: old)) else {
                Issue.record("write not applied")
                return
            }
            written[candidate] = stored
        }
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(1), lease: .seconds(30), limit: 10, holder: old).map(\.runID.candidateId) == ["c2"])
        // Another process records something else on each (a refused event): it keeps the lease,
        // whatever holder it names.
        for candidate in ["c1", "c2"] {
            let run = try #require(written[candidate])
            let outcome = try await store.apply(
                RunWrite(run: run, expectedVersion: run.version, history: [Build.entry(.eventRejected)], leaseHolder: now, keepsLease: true))
            guard case .applied = outcome else {
                Issue.record("write not applied: \(outcome)")
                return
            }
        }
        var finished = try #require(written["c3"])
        finished.timerDueAt = nil
        _ = try await store.apply(RunWrite(run: finished, expectedVersion: finished.version, history: [], keepsLease: true))
        // Nothing is due at 30 s: c2 keeps its claim, not its record's expired due time.
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(30), lease: .seconds(30), limit: 10).isEmpty)
        // Both leases are still the old incarnation's, at their due times; c3 has no timer left.
        #expect(try await store.takeOverLeases(partition: 0, of: "r1", for: now, now: Build.at(2), lease: .seconds(30)) == [
            DueTimer(runID: Build.runID("m1", "c1"), dueAt: Build.at(35), takenOver: true),
            DueTimer(runID: Build.runID("m1", "c2"), dueAt: Build.at(31), takenOver: true),
        ])
        #expect(try await store.claimDueTimers(partition: 0, now: Build.at(100), lease: .seconds(30), limit: 10).map(\.runID.candidateId).sorted() == ["c1", "c2"])
    }

    @Test("registration is a compare-and-set; heartbeats count; only the holder renews or removes it", arguments: StoreFactories.all)
    func registry(factory: StoreFactory) async throws {
        let store = try await factory()
        let first = try LeaseHolder(replica: "r1")
        let second = try LeaseHolder(replica: "r1")
        let t = Build.t0
        #expect(try await store.replicaRegistration("r1", now: t) == nil)
        #expect(try await store.registerReplica(first, replacing: nil, now: t, ttl: .seconds(30)))
        let registered = ReplicaRegistration(incarnation: first.incarnation, beats: 0)
        #expect(try await store.replicaRegistration("r1", now: t) == registered)
        // Taken: registering over "none" or a stale view fails.
        #expect(try await !store.registerReplica(second, replacing: nil, now: t, ttl: .seconds(30)))
        #expect(try await store.renewReplica(first, now: t, ttl: .seconds(30)))
        #expect(try await store.replicaRegistration("r1", now: t) == ReplicaRegistration(incarnation: first.incarnation, beats: 1))
        #expect(try await !store.registerReplica(second, replacing: registered, now: t, ttl: .seconds(30)))
        // The second replaces the first with the view it has.
        #expect(try await store.registerReplica(second, replacing: ReplicaRegistration(incarnation: first.incarnation, beats: 1), now: t, ttl: .seconds(30)))
        #expect(try await !store.renewReplica(first, now: t, ttl: .seconds(30)))
        try await store.unregisterReplica(first)
        #expect(try await store.replicaRegistration("r1", now: t)?.incarnation == second.incarnation)
        try await store.unregisterReplica(second)
        #expect(try await store.replicaRegistration("r1", now: t) == nil)
        // A lapsed registration is renewed as a fresh one.
        #expect(try await store.renewReplica(first, now: t, ttl: .seconds(30)))
        #expect(try await store.replicaRegistration("r1", now: t) == registered)
        // Other replicas are independent.
        #expect(try await store.replicaRegistration("r2", now: t) == nil)
    }
}
