@testable import LoomCore
import LoomTestSupport
import Testing

@Suite("Several orchestrators sharing one store")
struct ReplicaTests {
    @Test("two replicas working the same due runs never dispatch a step twice", arguments: ScenarioStores.all)
    func noDoubleAdvance(factory: StoreFactory) async throws {
        let candidates = (0..<20).map { Fixtures.candidate("app-\($0)") }
        let harness = try await LoomHarness.announced(factory, candidates: candidates)
        let replica = harness.replica()
        harness.migrator.failAllDispatches(MigratorCallError(.unreachable))
        for candidate in candidates {
            _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: candidate.id, inputs: ["repoName": candidate.id])
        }
        await harness.settle()
        #expect(harness.migrator.dispatches.count == 20)
        harness.migrator.failAllDispatches(nil)
        harness.clock.advance(by: .seconds(1))
        // Both replicas go for every run at once, bypassing the claim lease.
        for candidate in candidates {
            let id = try RunID(migrationId: "app-chart-migration", candidateId: candidate.id)
            await harness.orchestrator.schedule(id)
            await replica.schedule(id)
        }
        await harness.orchestrator.tick()
        await replica.tick()
        await harness.settle()
        await replica.waitUntilIdle()
        #expect(harness.migrator.dispatches.count == 40)
        for candidate in candidates {
            let run = try await harness.service.run(migrationId: "app-chart-migration", candidateId: candidate.id)
            #expect(run.results[0].dispatchCount == 2)
            #expect(run.results[0].dispatch == .delivered)
        }
    }

    @Test("events hitting either replica advance runs, and each step is dispatched exactly once", arguments: ScenarioStores.all)
    func eventsOnEitherReplica(factory: StoreFactory) async throws {
        let candidates = (0..<10).map { Fixtures.candidate("app-\($0)") }
        let harness = try await LoomHarness.announced(factory, candidates: candidates)
        let replica = harness.replica()
        let replicaService = Service(orchestrator: replica, logger: LoomHarness.quietLogger)
        for candidate in candidates {
            _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: candidate.id, inputs: ["repoName": candidate.id])
        }
        await harness.settle()
        for step in steps {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, candidate) in candidates.enumerated() {
                    let service = index.isMultiple(of: 2) ? harness.service : replicaService
                    group.addTask {
                        _ = try await service.reportStepEvent(
                            runID: "app-chart-migration__\(candidate.id)", credential: .trustedCaller,
                            event: StepEvent(stepName: step, candidateId: candidate.id, success: true)
                        )
                    }
                }
                try await group.waitForAll()
            }
            await harness.settle()
            await replica.waitUntilIdle()
        }
        #expect(harness.migrator.dispatches.count == candidates.count * steps.count)
        for candidate in candidates {
            #expect(harness.migrator.dispatches.filter { $0.candidate.id == candidate.id }.map(\.stepName) == steps)
            #expect(try await harness.store.candidate(migrationId: "app-chart-migration", candidateId: candidate.id).status == .completed)
        }
    }

    @Test("the timer loop runs until cancelled and drains its work")
    func timerLoop() async throws {
        let harness = try await LoomHarness.announced()
        harness.migrator.failNextDispatches([MigratorCallError(.timeout)])
        try await harness.startAndSettle()
        let loop = Task { try await harness.orchestrator.run() }
        harness.clock.advance(by: .seconds(1))
        // The loop wakes on the manual clock; wait (bounded) until it has re-sent.
        var waited = 0
        while harness.migrator.dispatches.count < 2 && waited < 10_000 {
            await Task.yield()
            harness.clock.advance(by: .milliseconds(250))
            waited += 1
        }
        loop.cancel()
        try await loop.value
        #expect(harness.migrator.dispatches.count == 2)
        #expect(try await harness.currentRun().results[0].dispatch == .delivered)
    }
}
