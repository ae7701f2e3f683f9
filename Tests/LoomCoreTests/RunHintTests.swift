@testable import LoomCore
import LoomTestSupport
import Synchronization
import Testing

/// What happened, in order, shared with tasks.
private final class OrderLog: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

@Suite("Run hints and the per-run write gate")
struct RunHintTests {
    private func run(_ candidate: String, version: UInt64, status: RunStatus = .running) throws -> Run {
        var run = Run(
            id: try RunID(migrationId: "m", candidateId: candidate), status: status, steps: [StepDefinition(name: "s")],
            candidate: Candidate(id: candidate, kind: "k"), migratorUrl: "http://m", createdAt: .epoch, updatedAt: .epoch)
        run.version = version
        return run
    }

    @Test("hints keep the newest version, yield to the store's record, forget finished runs and stay bounded")
    func recentRuns() throws {
        let hints = RecentRuns(capacity: 2)
        let a = try run("a", version: 3)
        hints.remember(a)
        hints.remember(try run("a", version: 2))
        #expect(hints.run(a.id)?.version == 3)
        hints.remember(try run("a", version: 1), authoritative: true)
        #expect(hints.run(a.id)?.version == 1)
        hints.remember(try run("a", version: 4, status: .cancelled))
        #expect(hints.run(a.id) == nil)
        hints.remember(try run("b", version: 1))
        hints.remember(try run("c", version: 1))
        hints.remember(try run("d", version: 1))
        #expect(hints.count == 2)
        #expect(hints.run(try RunID(migrationId: "m", candidateId: "d")) != nil)
        hints.forget(try RunID(migrationId: "m", candidateId: "d"))
        #expect(hints.run(try RunID(migrationId: "m", candidateId: "d")) == nil)
        let none = RecentRuns(capacity: 0)
        none.remember(a)
        #expect(none.run(a.id) == nil)
    }

    @Test("the gate admits one holder per run at a time, waiters in arrival order")
    func gate() async throws {
        let gate = RunWriteGate()
        let id = try RunID(migrationId: "m", candidateId: "a")
        let other = try RunID(migrationId: "m", candidateId: "b")
        let order = OrderLog()
        await gate.acquire(id)
        await gate.acquire(other)  // another run is independent
        gate.release(other)
        var tasks: [Task<Void, Never>] = []
        for name in ["first", "second"] {
            let expected = tasks.count + 1
            tasks.append(Task {
                await gate.withGate(id) { order.append(name) }
            })
            // Wait (bounded) until this task is queued, so arrival order is known.
            var spins = 0
            while gate.waiters(id) < expected && spins < 100_000 {
                await Task.yield()
                spins += 1
            }
            #expect(gate.waiters(id) == expected)
        }
        order.append("holder done")
        gate.release(id)
        for task in tasks { await task.value }
        #expect(order.all == ["holder done", "first", "second"])
        #expect(gate.waiters(id) == 0)
        await gate.acquire(id)  // free again
        gate.release(id)
    }

    @Test("an event on a replica whose hint is stale is decided on the record, not refused", arguments: ScenarioStores.all)
    func staleHint(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        let replica = harness.replica()
        let replicaService = Service(orchestrator: replica, logger: LoomHarness.quietLogger)
        try await harness.startAndSettle()  // the first replica now holds a hint at step 0
        // The other replica moves the run to step 1 behind the first one's back.
        _ = try await replicaService.reportStepEvent(
            runID: runID, credential: .trustedCaller, event: StepEvent(stepName: steps[0], candidateId: "billing-api", success: true))
        await replica.waitUntilIdle()
        #expect(try await harness.currentRun().currentStep == 1)
        // On its stale copy the first replica would refuse a step-1 event as "not the current step".
        let run = try await harness.service.reportStepEvent(
            runID: runID, credential: .trustedCaller, event: StepEvent(stepName: steps[1], candidateId: "billing-api", success: true))
        #expect(run.currentStep == 2)
        await harness.settle()
        #expect(harness.migrator.dispatches.map(\.stepName) == steps)
        // And a genuinely stale event (another outcome for the finished step 0) is still refused.
        await expectLoomError(.staleEvent) {
            _ = try await harness.service.reportStepEvent(
                runID: runID, credential: .trustedCaller, event: StepEvent(stepName: steps[0], candidateId: "billing-api", success: false))
        }
    }
}
