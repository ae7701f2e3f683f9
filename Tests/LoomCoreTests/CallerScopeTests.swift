import LoomCore
import LoomTestSupport
import Testing

/// The ownership rule, enforced once by the service (``CallerScope``): a migrator-only caller acts
/// only on the migrations it owns; an anonymous one only on migrations without an owner; an
/// unrestricted caller on every migration. The transports only choose the scope.
@Suite("Caller scope: a migrator acts only on the migrations it owns")
struct CallerScopeTests {
    static let owner = "spiffe://loom.dev/migrator/owner"
    static let other = "spiffe://loom.dev/migrator/other"
    static let migrationId = "app-chart-migration"

    /// The fixture migration announced by `owner` (`nil`: anonymously, so without an owner), with
    /// its candidate's run started and dispatched.
    static func harness(announcedBy owner: String? = CallerScopeTests.owner) async throws -> LoomHarness {
        let harness = LoomHarness(store: try await ScenarioStores.inMemory())
        var migration = Fixtures.migration()
        migration.candidates = [Fixtures.candidate()]
        _ = try await harness.service.announce(migration, owner: owner)
        try await harness.startAndSettle()
        return harness
    }

    /// What the service holds for the fixture migration: candidates, the run and its history.
    struct Snapshot: Equatable {
        var candidates: [Candidate]
        var run: Run
        var history: [HistoryEntry]

        init(_ harness: LoomHarness) async throws {
            candidates = try await harness.service.allCandidates(of: CallerScopeTests.migrationId)
            run = try await harness.service.run(migrationId: CallerScopeTests.migrationId, candidateId: "billing-api")
            history = try await harness.service.runHistory(migrationId: CallerScopeTests.migrationId, candidateId: "billing-api")
        }
    }

    /// One use case a migrator may call, run in a scope; each exercises one check of the service.
    enum UseCase: String, CaseIterable, CustomTestStringConvertible {
        case submitCandidates, reportStepEvent, reportPullRequestOpened, migration, listCandidates, listRuns, run, runHistory,
            dryRun, watchRun, watchMigration

        var testDescription: String { rawValue }

        func call(_ harness: LoomHarness, scope: CallerScope) async throws {
            let service = harness.service
            let id = CallerScopeTests.migrationId
            let event = StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true)
            switch self {
            case .submitCandidates:
                _ = try await service.submitCandidates(migrationId: id, candidates: [Fixtures.candidate("injected")], scope: scope)
            case .reportStepEvent:
                _ = try await service.reportStepEvent(runID: runID, credential: .trustedCaller, event: event, scope: scope)
            case .reportPullRequestOpened:
                _ = try await service.reportPullRequestOpened(runID: runID, credential: .trustedCaller, event: event, scope: scope)
            case .migration:
                _ = try await service.migration(id: id, scope: scope)
            case .listCandidates:
                _ = try await service.listCandidates(migrationId: id, scope: scope)
            case .listRuns:
                _ = try await service.listRuns(filter: RunFilter(selection: RunSelection(migrationId: id)), scope: scope)
            case .run:
                _ = try await service.run(migrationId: id, candidateId: "billing-api", scope: scope)
            case .runHistory:
                _ = try await service.runHistory(migrationId: id, candidateId: "billing-api", scope: scope)
            case .dryRun:
                _ = try await service.dryRun(migrationId: id, candidateId: "billing-api", scope: scope)
            case .watchRun:
                _ = try await service.watchRun(migrationId: id, candidateId: "billing-api", scope: scope)
            case .watchMigration:
                _ = try await service.watchMigration(id: id, scope: scope)
            }
        }
    }

    @Test("the owner acts on its migration", arguments: UseCase.allCases)
    func ownerActs(_ useCase: UseCase) async throws {
        let harness = try await Self.harness()
        try await useCase.call(harness, scope: .migrator(identity: Self.owner))
    }

    @Test("another migrator is refused with owned-by-another, and nothing changes", arguments: UseCase.allCases)
    func otherMigratorRefused(_ useCase: UseCase) async throws {
        let harness = try await Self.harness()
        let before = try await Snapshot(harness)
        let error = await expectLoomError(.permissionDenied) { try await useCase.call(harness, scope: .migrator(identity: Self.other)) }
        #expect(error == LoomError.ownedByAnother(Self.migrationId))
        // The owner is not named to the refused caller.
        #expect(error?.message.contains(Self.owner) == false)
        #expect(try await Snapshot(harness) == before)
        #expect(harness.migrator.dryRuns.isEmpty)
    }

    @Test("an anonymous migrator is refused on an owned migration, and nothing changes", arguments: UseCase.allCases)
    func anonymousRefusedOnOwned(_ useCase: UseCase) async throws {
        let harness = try await Self.harness()
        let before = try await Snapshot(harness)
        let error = await expectLoomError(.permissionDenied) { try await useCase.call(harness, scope: .migrator(identity: nil)) }
        #expect(error == LoomError.ownedByAnother(Self.migrationId))
        #expect(try await Snapshot(harness) == before)
    }

    @Test("a migration without an owner: an anonymous caller acts, an identified migrator (it did not announce it) is refused",
          arguments: UseCase.allCases)
    func unownedMigration(_ useCase: UseCase) async throws {
        let harness = try await Self.harness(announcedBy: nil)
        #expect(try await harness.service.migrationDefinition(id: Self.migrationId).owner == "")
        let before = try await Snapshot(harness)
        await expectLoomError(.permissionDenied) { try await useCase.call(harness, scope: .migrator(identity: Self.owner)) }
        #expect(try await Snapshot(harness) == before)
        try await useCase.call(harness, scope: .migrator(identity: nil))
    }

    @Test("an unrestricted caller acts on a migration owned by anyone", arguments: UseCase.allCases)
    func unrestrictedActs(_ useCase: UseCase) async throws {
        let harness = try await Self.harness()
        try await useCase.call(harness, scope: .unrestricted)
    }

    @Test("what the refused calls would have changed: the owner's submission and event are applied")
    func ownerChangesApplied() async throws {
        let harness = try await Self.harness()
        let scope = CallerScope.migrator(identity: Self.owner)
        _ = try await harness.service.submitCandidates(
            migrationId: Self.migrationId, candidates: [Fixtures.candidate("injected")], scope: scope)
        #expect(try await harness.service.allCandidates(of: Self.migrationId).map(\.id) == ["billing-api", "injected"])
        let event = StepEvent(stepName: "disable-sync-prune", candidateId: "billing-api", success: true)
        let run = try await harness.service.reportStepEvent(runID: runID, credential: .trustedCaller, event: event, scope: scope)
        #expect(run.currentStep == 1)
    }

    @Test("an unknown migration is not found in a migrator's scope (nothing to own)")
    func unknownMigration() async throws {
        let harness = try await Self.harness()
        await expectLoomError(.notFound) { _ = try await harness.service.migration(id: "nope", scope: .migrator(identity: Self.owner)) }
        await expectLoomError(.notFound) {
            _ = try await harness.service.submitCandidates(
                migrationId: "nope", candidates: [Fixtures.candidate()], scope: .migrator(identity: Self.owner))
        }
    }

    @Test("listings: a migrator sees only its migrations, and lists the runs of one migration it owns")
    func listings() async throws {
        let harness = try await Self.harness()
        var mine = Fixtures.migration(id: "other-migration")
        mine.candidates = [Fixtures.candidate()]
        _ = try await harness.service.announce(mine, owner: Self.other)
        _ = try await harness.service.announce(Fixtures.migration(id: "unowned-migration"), owner: nil)

        let all = try await harness.service.listMigrations(scope: .unrestricted).migrations.map(\.id)
        #expect(all == ["app-chart-migration", "other-migration", "unowned-migration"])
        #expect(try await harness.service.listMigrations(scope: .migrator(identity: Self.owner)).migrations.map(\.id) == ["app-chart-migration"])
        #expect(try await harness.service.listMigrations(scope: .migrator(identity: Self.other)).migrations.map(\.id) == ["other-migration"])
        #expect(try await harness.service.listMigrations(scope: .migrator(identity: nil)).migrations.map(\.id) == ["unowned-migration"])

        let everyRun = try await harness.service.listRuns(scope: .unrestricted).runs
        #expect(everyRun.count == 1)
        let error = await expectLoomError(.permissionDenied) {
            _ = try await harness.service.listRuns(scope: .migrator(identity: Self.owner))
        }
        #expect(error?.message.contains("migration_id") == true)
    }

    @Test("permits: the rule itself")
    func permits() {
        #expect(CallerScope.unrestricted.permits(owner: Self.owner))
        #expect(CallerScope.unrestricted.permits(owner: ""))
        #expect(CallerScope.migrator(identity: Self.owner).permits(owner: Self.owner))
        #expect(!CallerScope.migrator(identity: Self.owner).permits(owner: Self.other))
        #expect(!CallerScope.migrator(identity: Self.owner).permits(owner: ""))
        #expect(CallerScope.migrator(identity: nil).permits(owner: ""))
        #expect(!CallerScope.migrator(identity: nil).permits(owner: Self.owner))
    }
}
