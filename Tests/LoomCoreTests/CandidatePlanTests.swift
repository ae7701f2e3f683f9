import LoomCore
import LoomTestSupport
import Testing

@Suite("Per-candidate steps and inputs, failed runs, dry-run error codes")
struct CandidatePlanTests {
    @Test("a candidate's own steps run in its order; dry runs preview the same steps", arguments: ScenarioStores.all)
    func ownSteps(factory: StoreFactory) async throws {
        var candidate = Fixtures.candidate()
        candidate.steps = ["review-swap-chart", "disable-sync-prune"]
        let harness = try await LoomHarness.announced(factory, candidates: [candidate])
        #expect(try await harness.store.candidate(migrationId: "app-chart-migration", candidateId: "billing-api").steps == candidate.steps)
        let run = try await harness.startAndSettle()
        #expect(run.steps.map(\.name) == ["review-swap-chart", "disable-sync-prune"])
        #expect(harness.migrator.dispatches.map(\.stepName) == ["review-swap-chart"])
        harness.migrator.answerDryRuns(with: .success(DryRunResult(steps: [])))
        _ = try await harness.service.dryRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        #expect(harness.migrator.dryRuns.last?.steps.map(\.name) == ["review-swap-chart", "disable-sync-prune"])
        // The candidate copy of a running run says running, not not_started.
        #expect(run.candidate.status == .running)
    }

    @Test("a candidate naming a step the migration no longer declares cannot start (failed_precondition)")
    func vanishedStep() async throws {
        var candidate = Fixtures.candidate()
        candidate.steps = ["swap-chart"]
        let harness = try await LoomHarness.announced(candidates: [candidate])
        _ = try await harness.service.announce(Fixtures.migration(steps: ["disable-sync-prune", "review-swap-chart"]))
        await expectLoomError(.failedPrecondition) { try await harness.startAndSettle() }
        #expect(try await harness.candidateStatus() == .notStarted)
    }

    @Test("inputs set before a start are used by it, a start's own inputs win, and submissions keep them", arguments: ScenarioStores.all)
    func inputs(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        let updated = try await harness.service.updateCandidateInputs(
            migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "stored-repo"])
        #expect(updated.inputs == ["repoName": "stored-repo"])
        // A migrator's refresh of the candidate does not wipe an operator's inputs.
        _ = try await harness.service.submitCandidates(migrationId: "app-chart-migration", candidates: [Fixtures.candidate(metadata: ["team": "x"])])
        #expect(try await harness.store.candidate(migrationId: "app-chart-migration", candidateId: "billing-api").inputs == ["repoName": "stored-repo"])
        let run = try await harness.startAndSettle(inputs: [:])
        #expect(run.inputs == ["repoName": "stored-repo"])
        #expect(run.candidate.metadata["repoName"] == "stored-repo")
        // Running: inputs can no longer change.
        await expectLoomError(.alreadyRunning) {
            _ = try await harness.service.updateCandidateInputs(
                migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "other"])
        }
        _ = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api")
        let restarted = try await harness.startAndSettle(inputs: ["repoName": "given"])
        #expect(restarted.inputs == ["repoName": "given"])
    }

    @Test("candidate inputs are validated against the migration's required inputs and change nothing when bad")
    func badInputs() async throws {
        let harness = try await LoomHarness.announced()
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.updateCandidateInputs(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["team": "x"])
        }
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.updateCandidateInputs(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": ""])
        }
        await expectLoomError(.notFound) {
            _ = try await harness.service.updateCandidateInputs(migrationId: "app-chart-migration", candidateId: "ghost", inputs: [:])
        }
        await expectLoomError(.notFound) {
            _ = try await harness.service.updateCandidateInputs(migrationId: "missing", candidateId: "billing-api", inputs: [:])
        }
        #expect(try await harness.store.candidate(migrationId: "app-chart-migration", candidateId: "billing-api").inputs.isEmpty)
    }

    @Test("an operator ends a failed run as failed: counted failed, candidate startable again; a running run cannot be", arguments: ScenarioStores.all)
    func abandon(factory: StoreFactory) async throws {
        let harness = try await LoomHarness.announced(factory)
        try await harness.startAndSettle()
        await expectLoomError(.failedPrecondition) {
            _ = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api", failed: true)
        }
        try await harness.event(runID, step: steps[0], success: false, failureReason: "chart not found")
        await harness.settle()
        let failed = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "billing-api", failed: true)
        #expect(failed.status == .failed)
        #expect(failed.failureReason == "chart not found")
        #expect(failed.candidate.status == .notStarted)
        #expect(try await harness.candidateStatus() == .notStarted)
        #expect(try await harness.historyKinds().last == .runFailed)
        let counts = try #require(try await harness.service.migration(id: "app-chart-migration").counts)
        #expect(counts.runs[.failed] == 1 && counts.runs[.waitingRetry] == 0)
        #expect(try await harness.service.recountMigration(id: "app-chart-migration", repair: false).drift.isEmpty)
        let again = try await harness.startAndSettle()
        #expect(again.generation == 2)
    }

    @Test("dry-run failures: unreachable and 5xx/429 are migrator_unavailable (retry), 4xx and bad answers migrator_bad_response", arguments: [
        (MigratorCallError(.unreachable), LoomError.Code.migratorUnavailable),
        (MigratorCallError(.httpStatus(503)), .migratorUnavailable),
        (MigratorCallError(.httpStatus(429)), .migratorUnavailable),
        (MigratorCallError(.httpStatus(400)), .migratorBadResponse),
        (MigratorCallError(.httpStatus(404)), .migratorBadResponse),
        (MigratorCallError(.badResponse), .migratorBadResponse),
        (MigratorCallError(.timeout), .migratorTimeout),
    ])
    func dryRunCodes(error: MigratorCallError, code: LoomError.Code) async throws {
        let harness = try await LoomHarness.announced()
        harness.migrator.answerDryRuns(with: .failure(error))
        await expectLoomError(code) { _ = try await harness.service.dryRun(migrationId: "app-chart-migration", candidateId: "billing-api") }
    }
}
