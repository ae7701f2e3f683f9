import LoomCore
import LoomTestSupport
import Testing

@Suite("Announce, migrations and candidates")
struct MigrationServiceTests {
    static let invalidMigrations: [(String, Migration)] = {
        var cases: [(String, Migration)] = []
        func variant(_ label: String, _ change: (inout Migration) -> Void) {
            var migration = Fixtures.migration()
            change(&migration)
            cases.append((label, migration))
        }
        variant("empty id") { $0.id = "" }
        variant("id with __") { $0.id = "a__b" }
        variant("id with colon") { $0.id = "a:b" }
        variant("no steps") { $0.steps = [] }
        variant("duplicate step names") { $0.steps.append($0.steps[0]) }
        variant("step name with colon") { $0.steps[0].name = "step:1" }
        variant("empty url") { $0.migratorUrl = "" }
        variant("ftp url") { $0.migratorUrl = "ftp://migrator" }
        variant("relative url") { $0.migratorUrl = "/dispatch" }
        variant("url with query") { $0.migratorUrl = "http://m?x=1" }
        variant("url with credentials") { $0.migratorUrl = "http://u:p@m" }
        variant("bad timeout") { $0.steps[0].config[StepDefinition.timeoutConfigKey] = "soon" }
        variant("negative timeout") { $0.steps[0].config[StepDefinition.timeoutConfigKey] = "-5" }
        variant("duplicate input") { $0.requiredInputs.append($0.requiredInputs[0]) }
        variant("too many candidates") { $0.candidates = (0...10_000).map { Candidate(id: "c\($0)", kind: "app") } }
        variant("huge description") { $0.description = String(repeating: "x", count: 5000) }
        return cases
    }()

    @Test("an invalid announce is refused with invalid_argument and stores nothing", arguments: invalidMigrations)
    func invalidAnnounce(label: String, migration: Migration) async throws {
        let harness = LoomHarness(store: try await ScenarioStores.inMemory())
        await expectLoomError(.invalidArgument) { _ = try await harness.service.announce(migration) }
        #expect(try await harness.service.listMigrations().migrations.isEmpty)
    }

    @Test("announce creates, then upserts: candidates and statuses kept, announced candidates only added")
    func announceUpsert() async throws {
        let harness = try await LoomHarness.announced()
        try await harness.startAndSettle()
        harness.clock.advance(by: .seconds(60))
        var again = Fixtures.migration(steps: ["only-step"], url: "https://new-migrator")
        again.name = "Renamed"
        var incoming = Fixtures.candidate()
        incoming.kind = "changed"
        again.candidates = [incoming, Fixtures.candidate("new-app")]
        let stored = try await harness.service.announce(again)
        #expect(stored.name == "Renamed")
        #expect(stored.steps.map(\.name) == ["only-step"])
        #expect(stored.createdAt == ManualWallClock().now())
        #expect(stored.updatedAt == harness.clock.now())
        let candidates = try await harness.service.allCandidates(of: "app-chart-migration")
        try #require(candidates.map(\.id) == ["billing-api", "new-app"])
        #expect(candidates[0].status == .running)
        #expect(candidates[0].kind == "application")
        #expect(candidates[1].status == .notStarted)
        #expect(stored.counts?.candidates == [.notStarted: 1, .running: 1, .completed: 0])
    }

    @Test("a re-announce by another migrator identity is refused")
    func announceOwner() async throws {
        let harness = LoomHarness(store: try await ScenarioStores.inMemory())
        _ = try await harness.service.announce(Fixtures.migration(), owner: "spiffe://acme/app-chart")
        await expectLoomError(.permissionDenied) {
            _ = try await harness.service.announce(Fixtures.migration(url: "http://evil"), owner: "spiffe://acme/other")
        }
        #expect(try await harness.service.migration(id: "app-chart-migration").migratorUrl == "http://app-chart-migrator:3001")
    }

    @Test("migrations are listed by id in pages with an opaque token")
    func pagination() async throws {
        let harness = LoomHarness(store: try await ScenarioStores.inMemory())
        for id in ["m5", "m1", "m3", "m2", "m4"] { try await harness.announce(Fixtures.migration(id: id)) }
        let first = try await harness.service.listMigrations(pageSize: 2)
        #expect(first.migrations.map(\.id) == ["m1", "m2"])
        let second = try await harness.service.listMigrations(pageSize: 2, pageToken: first.nextPageToken)
        #expect(second.migrations.map(\.id) == ["m3", "m4"])
        let third = try await harness.service.listMigrations(pageSize: 2, pageToken: second.nextPageToken)
        #expect(third.migrations.map(\.id) == ["m5"])
        #expect(third.nextPageToken.isEmpty)
        #expect(try await harness.service.listMigrations().migrations.count == 5)
        #expect(try await harness.service.listMigrations().migrations.allSatisfy { $0.candidates.isEmpty && $0.counts != nil })
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listMigrations(pageToken: "bad token") }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listMigrations(pageSize: -1) }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listMigrations(pageSize: 1001) }
        // A bare id is not a token: it cannot be forged into a cursor.
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listMigrations(pageToken: "m2") }
    }

    @Test("get migration returns the definition with counts, never the candidates; unknown ids are not found")
    func getMigration() async throws {
        let harness = LoomHarness(store: try await ScenarioStores.inMemory())
        try await harness.announce(candidates: [Fixtures.candidate("zeta"), Fixtures.candidate("alpha")])
        let migration = try await harness.service.migration(id: "app-chart-migration")
        #expect(migration.candidates.isEmpty)
        #expect(migration.counts?.candidates[.notStarted] == 2)
        #expect(try await harness.service.allCandidates(of: "app-chart-migration").map(\.id) == ["alpha", "zeta"])
        await expectLoomError(.notFound) { _ = try await harness.service.migration(id: "missing") }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.migration(id: "bad:id") }
        await expectLoomError(.notFound) { _ = try await harness.service.listCandidates(migrationId: "missing") }
    }

    @Test("submitted candidates merge: running and completed kept, others refreshed as not_started, none pruned")
    func submitMerge() async throws {
        let harness = try await LoomHarness.announced()
        _ = try await harness.service.submitCandidates(migrationId: "app-chart-migration", candidates: [Fixtures.candidate("done"), Fixtures.candidate("idle")])
        // billing-api running; "done" completed via a full run.
        try await harness.startAndSettle()
        _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "done", inputs: ["repoName": "done"])
        await harness.settle()
        for step in steps { try await harness.event("app-chart-migration__done", step: step, candidate: "done"); await harness.settle() }
        #expect(try await harness.candidateStatus("done") == .completed)

        var refreshed = Fixtures.candidate(metadata: ["team": "other"])
        refreshed.status = .completed
        let outcome = try await harness.service.submitCandidates(
            migrationId: "app-chart-migration",
            candidates: [refreshed, Fixtures.candidate("done", metadata: [:]), Fixtures.candidate("idle", metadata: ["new": "1"]), Fixtures.candidate("fresh")]
        )
        #expect(outcome.accepted == 2)
        #expect(outcome.skippedIds == ["billing-api", "done"])
        let candidates = try await harness.service.allCandidates(of: "app-chart-migration")
        #expect(candidates.map(\.id) == ["billing-api", "done", "fresh", "idle"])
        #expect(candidates.map(\.status) == [.running, .completed, .notStarted, .notStarted])
        #expect(candidates[0].metadata == ["team": "payments"])
        #expect(candidates[3].metadata == ["new": "1"])
        await expectLoomError(.notFound) { _ = try await harness.service.submitCandidates(migrationId: "missing", candidates: []) }
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.submitCandidates(
                migrationId: "app-chart-migration", candidates: (0...10_000).map { Candidate(id: "c\($0)", kind: "app") })
        }
    }

    @Test("one bad candidate does not refuse the batch: the others are stored, each refusal has its reason")
    func partialBatches() async throws {
        let harness = LoomHarness(store: try await ScenarioStores.inMemory())
        var migration = Fixtures.migration()
        migration.candidates = [
            Candidate(id: "acme/api", kind: "app"), Candidate(id: "bad id", kind: "app"), Candidate(id: "acme/web", kind: ""),
            Candidate(id: "acme/db", kind: "app", steps: ["swap-chart", "nope"]),
        ]
        let (stored, rejected) = try await harness.service.announceReporting(migration)
        #expect(stored.counts?.candidates[.notStarted] == 1)
        #expect(rejected.map(\.id) == ["bad id", "acme/web", "acme/db"])
        #expect(rejected[0].reason.contains("candidate id must be"))
        #expect(rejected[1].reason.contains("kind is required"))
        #expect(rejected[2].reason.contains("no step \"nope\""))
        let batch = (0..<9_999).map { Candidate(id: "org/repo-\($0)", kind: "app") } + [Candidate(id: "org/repo x", kind: "app")]
        let outcome = try await harness.service.submitCandidates(migrationId: "app-chart-migration", candidates: batch)
        #expect(outcome.accepted == 9_999)
        #expect(outcome.rejected.map(\.id) == ["org/repo x"])
        #expect(try await harness.service.migration(id: "app-chart-migration").counts?.candidates[.notStarted] == 10_000)
    }

    @Test("dry run sends the stored candidate with inputs merged and all steps; failures map to migrator errors")
    func dryRun() async throws {
        let harness = try await LoomHarness.announced()
        let expected = DryRunResult(steps: [StepDryRunResult(stepName: "swap-chart", files: [FileDiff(path: "a", repo: "r", after: "x", status: .new)])])
        harness.migrator.answerDryRuns(with: .success(expected))
        let result = try await harness.service.dryRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing"])
        #expect(result == expected)
        let request = try #require(harness.migrator.dryRuns.last)
        #expect(request.candidate.metadata == ["team": "payments", "repoName": "billing"])
        #expect(request.steps.map(\.name) == steps)

        _ = try await harness.service.dryRun(migrationId: "app-chart-migration", candidate: Fixtures.candidate("unstored"))
        #expect(harness.migrator.dryRuns.last?.candidate.id == "unstored")

        harness.migrator.answerDryRuns(with: .failure(MigratorCallError(.httpStatus(500))))
        await expectLoomError(.migratorUnavailable) { _ = try await harness.service.dryRun(migrationId: "app-chart-migration", candidateId: "billing-api") }
        harness.migrator.answerDryRuns(with: .failure(MigratorCallError(.timeout)))
        await expectLoomError(.migratorTimeout) { _ = try await harness.service.dryRun(migrationId: "app-chart-migration", candidateId: "billing-api") }
        harness.migrator.answerDryRuns(with: .failure(MigratorCallError(.badResponse)))
        await expectLoomError(.migratorBadResponse) { _ = try await harness.service.dryRun(migrationId: "app-chart-migration", candidateId: "billing-api") }
        await expectLoomError(.notFound) { _ = try await harness.service.dryRun(migrationId: "app-chart-migration", candidateId: "nope") }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.dryRun(migrationId: "app-chart-migration") }
        await expectLoomError(.notFound) { _ = try await harness.service.dryRun(migrationId: "missing", candidateId: "billing-api") }
    }
}
