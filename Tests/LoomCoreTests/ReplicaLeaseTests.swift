@testable import LoomCore
import LoomTestSupport
import Testing

/// A restarted replica takes back its own leases at once; another replica's only when they
/// expire; two live processes never share a replica id unnoticed.
@Suite("Replica identity and lease takeover", .timeLimit(.minutes(1)))
struct ReplicaLeaseTests {
    /// An orchestrator of `harness` (same store, clock and signer) with its own migrator.
    static func replica(
        _ harness: LoomHarness, id: String?, migrator: FakeMigratorClient = FakeMigratorClient()
    ) -> Orchestrator {
        Orchestrator(
            store: harness.store, migrator: migrator, clock: harness.clock, signer: harness.signer,
            configuration: harness.orchestrator.configuration.with { $0.replicaID = id },
            logger: LoomHarness.quietLogger, random: { 0.5 })
    }

    /// A dispatch POST that never answers until `release()`: the replica making it "dies" mid-POST.
    final class HangingDispatch: Sendable {
        private let gate = AsyncStream<Void>.makeStream()
        private let entered = AsyncStream<Void>.makeStream()
        let migrator = FakeMigratorClient()

        /// Hangs the POSTs of `step` (every POST when `nil`); the others are accepted at once.
        init(step: String? = nil) {
            let stream = gate.stream
            let entered = entered.continuation
            migrator.onDispatch { request in
                guard step == nil || request.stepName == step else { return }
                entered.yield()
                for await _ in stream { break }
            }
        }

        /// Returns once a POST is hanging.
        func waitUntilHanging() async {
            for await _ in entered.stream { return }
        }

        func release() { gate.continuation.finish() }
    }

    /// Starts the fixture run on `crashed` (replica "r1") whose first POST hangs: the run is
    /// left in flight under r1's lease, as after a kill -9 mid-POST.
    static func runLeftInFlight(_ factory: StoreFactory) async throws -> (LoomHarness, HangingDispatch, Orchestrator) {
        let harness = try await LoomHarness.announced(factory)
        let hanging = HangingDispatch()
        let crashed = replica(harness, id: "r1", migrator: hanging.migrator)
        let service = Service(orchestrator: crashed, logger: LoomHarness.quietLogger)
        _ = try await service.startRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing-api"])
        // The POST is under way (beat 1 written, no outcome).
        await hanging.waitUntilHanging()
        let run = try await harness.currentRun()
        #expect(run.results[0].dispatch == .inFlight)
        return (harness, hanging, crashed)
    }

    @Test("a restarted replica re-sends its earlier incarnation's dispatch at once, not after the lease", arguments: ScenarioStores.all)
    func takesBackOwnDispatch(factory: StoreFactory) async throws {
        let (harness, hanging, crashed) = try await Self.runLeftInFlight(factory)
        let restarted = FakeMigratorClient()
        let next = Self.replica(harness, id: "r1", migrator: restarted)
        #expect(next.leaseHolder.replica == crashed.leaseHolder.replica)
        #expect(next.leaseHolder.incarnation != crashed.leaseHolder.incarnation)

        await next.takeOverEarlierLeases()
        await next.waitUntilIdle()
        // The clock never moved: the 35 s dispatch lease is far from expired.
        #expect(restarted.dispatches.count == 1)
        #expect(restarted.dispatches.first?.idempotencyKey == hanging.migrator.dispatches.first?.idempotencyKey)
        let run = try await harness.currentRun()
        #expect(run.results[0].dispatchCount == 2)
        #expect(run.results[0].dispatch == .delivered)
        let history = try await harness.service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api")
        #expect(history.contains { $0.kind == .dispatchFailed && $0.detail.contains("restarted before recording its outcome") })

        // The dead incarnation's late answer changes nothing.
        hanging.release()
        await crashed.waitUntilIdle()
        #expect(try await harness.currentRun() == run)
    }

    @Test("another replica takes a dead replica's dispatch only when its lease expires", arguments: ScenarioStores.all)
    func otherReplicaWaitsForLease(factory: StoreFactory) async throws {
        let (harness, hanging, _) = try await Self.runLeftInFlight(factory)
        defer { hanging.release() }
        let migrator = FakeMigratorClient()
        let other = Self.replica(harness, id: "r2", migrator: migrator)
        await other.takeOverEarlierLeases()
        await other.tick()
        await other.waitUntilIdle()
        #expect(migrator.dispatches.isEmpty)
        let lease = harness.orchestrator.configuration.dispatchTimeout + harness.orchestrator.configuration.dispatchLeaseMargin
        harness.clock.advance(by: lease - .milliseconds(1))
        await other.tick()
        await other.waitUntilIdle()
        #expect(migrator.dispatches.isEmpty)
        harness.clock.advance(by: .milliseconds(1))
        await other.tick()
        await other.waitUntilIdle()
        // Lease expired: POST #1 counted as failed, re-sent after the back-off.
        harness.clock.advance(by: .seconds(1))
        await other.tick()
        await other.waitUntilIdle()
        #expect(migrator.dispatches.count == 1)
    }

    /// A conflicting report of the finished first step (a failure after its success), refused
    /// and written to the run's history by `replica`. (An exact repeat would be answered
    /// "already applied" and write nothing.)
    static func refuseConflictingReport(_ replica: Orchestrator, token: String) async throws {
        let service = Service(orchestrator: replica, logger: LoomHarness.quietLogger)
        let error = await expectLoomError(.staleEvent) {
            _ = try await service.reportStepEvent(
                runID: runID, credential: .callbackToken(token),
                event: StepEvent(stepName: steps[0], candidateId: "billing-api", success: false))
        }
        #expect(error?.message.contains("already finished") == true)
    }

    @Test(
        "a refused report written before the takeover does not keep the restarted replica from re-sending the dead incarnation's dispatch (#16 item 9)",
        arguments: ScenarioStores.all)
    func refusedReportBeforeTakeover(factory: StoreFactory) async throws {
        // r1 finishes the first step (the report's reply is lost when it dies), records the second
        // in flight and dies mid-POST. The migrator sends a conflicting report to the restarted r1,
        // which refuses it as stale — before it has taken its leases back.
        let harness = try await LoomHarness.announced(factory)
        let hanging = HangingDispatch(step: steps[1])
        let crashed = Self.replica(harness, id: "r1", migrator: hanging.migrator)
        let crashedService = Service(orchestrator: crashed, logger: LoomHarness.quietLogger)
        _ = try await crashedService.startRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing-api"])
        await crashed.waitUntilIdle()
        let token = try #require(hanging.migrator.dispatches(of: steps[0]).last?.callbackToken)
        _ = try await crashedService.reportStepEvent(
            runID: runID, credential: .callbackToken(token),
            event: StepEvent(stepName: steps[0], candidateId: "billing-api", success: true))
        await hanging.waitUntilHanging()
        defer { hanging.release() }

        let restarted = FakeMigratorClient()
        let next = Self.replica(harness, id: "r1", migrator: restarted)
        try await Self.refuseConflictingReport(next, token: token)
        #expect(try await harness.historyKinds().last == .eventRejected)
        await next.takeOverEarlierLeases()
        await next.waitUntilIdle()
        // The clock never moved: the second step is re-sent at once, not after its 35 s lease.
        #expect(restarted.dispatches.map(\.stepName) == [steps[1]])
        let run = try await harness.currentRun()
        #expect(run.results[1].dispatchCount == 2)
        #expect(run.results[1].dispatch == .delivered)
    }

    @Test(
        "a refused report written by another replica leaves the dispatch lease with the live replica making the POST",
        arguments: ScenarioStores.all)
    func refusedReportKeepsLiveHolder(factory: StoreFactory) async throws {
        let (harness, hanging, live) = try await Self.runLeftInFlight(factory)
        // r2 refuses a forged report of the run, then restarts: r1 is alive and still POSTing,
        // so r2's next incarnation must not take the dispatch as its own and send it again.
        let other = Self.replica(harness, id: "r2")
        let otherService = Service(orchestrator: other, logger: LoomHarness.quietLogger)
        await expectLoomError(.unauthenticated) {
            _ = try await otherService.reportStepEvent(
                runID: runID, credential: .callbackToken("forged"),
                event: StepEvent(stepName: steps[0], candidateId: "billing-api", success: true))
        }
        #expect(try await harness.historyKinds().last == .eventRejected)
        let migrator = FakeMigratorClient()
        let restarted = Self.replica(harness, id: "r2", migrator: migrator)
        await restarted.takeOverEarlierLeases()
        await restarted.waitUntilIdle()
        #expect(migrator.dispatches.isEmpty)
        // r1's POST answers: its outcome is the one recorded.
        hanging.release()
        await live.waitUntilIdle()
        let run = try await harness.currentRun()
        #expect(run.results[0].dispatchCount == 1)
        #expect(run.results[0].dispatch == .delivered)
    }

    @Test("a timer the earlier incarnation claimed (and left) is worked at once after a restart", arguments: ScenarioStores.all)
    func takesBackClaimedTimer(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        harness.migrator.failNextDispatches([MigratorCallError(.unreachable)])
        try await harness.startAndSettle()
        // POST #1 failed: a re-send is due in 1 s. The old incarnation claims it, then dies.
        harness.clock.advance(by: .seconds(1))
        let old = Self.replica(harness, id: "r1")
        let partition = StorePartitioning.partition(ofMigration: "app-chart-migration", count: harness.store.timerPartitionCount)
        let claimed = try await harness.store.claimDueTimers(
            partition: partition, now: harness.clock.now(), lease: .seconds(30), limit: 10, holder: old.leaseHolder)
        #expect(claimed.count == 1)
        // Nobody sees the timer until the claim lease expires…
        #expect(await harness.orchestrator.tick() == 0)
        // …except the next incarnation of r1.
        let migrator = FakeMigratorClient()
        let next = Self.replica(harness, id: "r1", migrator: migrator)
        await next.takeOverEarlierLeases()
        await next.waitUntilIdle()
        #expect(migrator.dispatches.count == 1)
        #expect(try await harness.currentRun().results[0].dispatch == .delivered)
    }

    @Test("a second live process with the same replica id is refused at start")
    func liveTwinRefused() async throws {
        let harness = try await LoomHarness.announced()
        let first = Self.replica(harness, id: "r1")
        #expect(try await first.registerReplica())
        let second = Self.replica(harness, id: "r1")
        let registering = Task { try await second.registerReplica() }
        // The second saw the first's registration and waits for it to fall silent…
        await harness.clock.waitUntilSleeping()
        // …but the first keeps beating.
        #expect(try await harness.store.renewReplica(first.leaseHolder, now: harness.clock.now(), ttl: .seconds(3)))
        harness.clock.advance(by: first.configuration.replicaHeartbeat)
        await #expect(throws: ReplicaConflict(replica: "r1", otherIncarnation: first.leaseHolder.incarnation, atStart: true)) {
            try await registering.value
        }
        #expect(try await harness.store.replicaRegistration("r1", now: harness.clock.now())?.incarnation == first.leaseHolder.incarnation)
    }

    @Test("a restart after a crash registers once the dead incarnation fell silent for 1 s, not before")
    func deadPredecessorReplaced() async throws {
        let harness = try await LoomHarness.announced()
        let crashed = Self.replica(harness, id: "r1")
        #expect(try await crashed.registerReplica())
        let next = Self.replica(harness, id: "r1")
        let registering = Task { try await next.registerReplica() }
        let heartbeat = next.configuration.replicaHeartbeat
        // Silence of 750 ms: still the crashed incarnation's.
        for _ in 0..<3 {
            await harness.clock.waitUntilSleeping()
            harness.clock.advance(by: heartbeat)
        }
        await harness.clock.waitUntilSleeping()
        #expect(try await harness.store.replicaRegistration("r1", now: harness.clock.now())?.incarnation == crashed.leaseHolder.incarnation)
        // 1 s: replaced.
        harness.clock.advance(by: heartbeat)
        #expect(try await registering.value)
        #expect(try await harness.store.replicaRegistration("r1", now: harness.clock.now())?.incarnation == next.leaseHolder.incarnation)
    }

    @Test("a running replica whose id another process took stops with an error; a graceful stop unregisters")
    func supersededStops() async throws {
        let harness = try await LoomHarness.announced()
        let running = Self.replica(harness, id: "r1")
        let loop = Task { try await running.run() }
        // Registered; the timer loop and the heartbeat wait on the clock.
        await harness.clock.waitUntilSleeping(count: 2)
        let current = try await harness.store.replicaRegistration("r1", now: harness.clock.now())
        #expect(current?.incarnation == running.leaseHolder.incarnation)
        let twin = try LeaseHolder(replica: "r1")
        #expect(try await harness.store.registerReplica(twin, replacing: current, now: harness.clock.now(), ttl: .seconds(3)))
        harness.clock.advance(by: running.configuration.replicaHeartbeat)
        await #expect(throws: ReplicaConflict(replica: "r1", otherIncarnation: twin.incarnation, atStart: false)) {
            try await loop.value
        }

        let graceful = Self.replica(harness, id: "r2")
        let gracefulLoop = Task { try await graceful.run() }
        await harness.clock.waitUntilSleeping(count: 2)
        #expect(try await harness.store.replicaRegistration("r2", now: harness.clock.now()) != nil)
        gracefulLoop.cancel()
        try await gracefulLoop.value
        #expect(try await harness.store.replicaRegistration("r2", now: harness.clock.now()) == nil)
    }

    @Test("replica ids: host-name characters only, 1 to 253 of them")
    func replicaIDs() throws {
        #expect(LeaseHolder.isValidReplicaID("loom-0.pods.cluster.local"))
        #expect(LeaseHolder.isValidReplicaID(String(repeating: "a", count: 253)))
        #expect(!LeaseHolder.isValidReplicaID(String(repeating: "a", count: 254)))
        #expect(!LeaseHolder.isValidReplicaID(""))
        #expect(!LeaseHolder.isValidReplicaID("a/b"))
        #expect(!LeaseHolder.isValidReplicaID("a b"))
        #expect(throws: LoomError.self) { try LeaseHolder(replica: "a:b") }
        let holder = try LeaseHolder(replica: "r1")
        #expect(holder.description == "r1/\(holder.incarnation)")
        #expect(try LeaseHolder(replica: "r1", incarnation: holder.incarnation) == holder)
    }
}

extension Orchestrator.Configuration {
    /// A copy changed by `change`.
    func with(_ change: (inout Orchestrator.Configuration) -> Void) -> Orchestrator.Configuration {
        var copy = self
        change(&copy)
        return copy
    }
}
