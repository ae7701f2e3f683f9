import LoomCore
import LoomTestSupport
import Testing

@Suite("MigrationStore contract")
struct MigrationStoreContractTests {
    @Test("announce creates a migration with timestamps, owner and not_started candidates ordered by id", arguments: StoreFactories.all)
    func announceCreates(factory: StoreFactory) async throws {
        let store = try await factory()
        var candidate = Candidate(id: "b", kind: "app", metadata: ["k": "v"])
        candidate.status = .completed
        let outcome = try await store.announce(
            Migration(id: "m1", name: "M", migratorUrl: "http://x", steps: [StepDefinition(name: "s1")]),
            newCandidates: [candidate, Candidate(id: "a", kind: "app")], owner: "spiffe://migrator", at: Build.at(1)
        )
        #expect(outcome.created)
        #expect(outcome.migration.createdAt == Build.at(1))
        #expect(outcome.migration.updatedAt == Build.at(1))
        #expect(outcome.migration.owner == "spiffe://migrator")
        #expect(try await store.allCandidates(of: "m1").map(\.id) == ["a", "b"])
        #expect(try await store.allCandidates(of: "m1").allSatisfy { $0.status == .notStarted })
        #expect(outcome.migration.counts?.candidates[.notStarted] == 2)
        let loaded = try await store.migrationSummary(id: "m1")
        #expect(loaded == outcome.migration)
        #expect(try await store.migrationDefinition(id: "m1").candidates.isEmpty)
    }

    @Test("re-announce replaces the definition but keeps createdAt, owner and candidate statuses", arguments: StoreFactories.all)
    func reannounceKeeps(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store)
        let start = try await Build.create(store, Build.run(), candidate: CandidateStatusChange(newStatus: .running))
        #expect(start.version == 1)
        let outcome = try await store.announce(
            Migration(id: "m1", name: "renamed", migratorUrl: "http://y", steps: [StepDefinition(name: "s2")]),
            newCandidates: [Candidate(id: "c1", kind: "changed"), Candidate(id: "c3", kind: "app")], owner: nil, at: Build.at(9)
        )
        #expect(!outcome.created)
        let migration = try await store.migrationSummary(id: "m1")
        #expect(migration.name == "renamed")
        #expect(migration.migratorUrl == "http://y")
        #expect(migration.steps.map(\.name) == ["s2"])
        #expect(migration.createdAt == Build.t0)
        #expect(migration.updatedAt == Build.at(9))
        let candidates = try await store.allCandidates(of: "m1")
        #expect(candidates.map(\.id) == ["c1", "c2", "c3"])
        #expect(candidates[0].status == .running)
        #expect(candidates[0].kind == "app")
        #expect(migration.counts?.candidates[.running] == 1)
        #expect(migration.counts?.candidates[.notStarted] == 2)
    }

    @Test("an announce by another owner, or by an anonymous caller, is refused and changes nothing", arguments: StoreFactories.all)
    func announceOwner(factory: StoreFactory) async throws {
        let store = try await factory()
        _ = try await store.announce(Migration(id: "m1", migratorUrl: "http://x", steps: [StepDefinition(name: "s")]), newCandidates: [], owner: "a", at: Build.t0)
        for intruder in ["b", nil] as [String?] {
            let error = await #expect(throws: LoomError.self) {
                _ = try await store.announce(
                    Migration(id: "m1", migratorUrl: "http://evil", steps: [StepDefinition(name: "s")]),
                    newCandidates: [Candidate(id: "injected", kind: "app")], owner: intruder, at: Build.at(1))
            }
            #expect(error?.code == .permissionDenied)
            // The refusal does not name the owner.
            #expect(error?.message.contains("\"a\"") == false)
        }
        #expect(try await store.migrationSummary(id: "m1").migratorUrl == "http://x")
        #expect(try await store.allCandidates(of: "m1").isEmpty)
        // The owner may re-announce.
        _ = try await store.announce(Migration(id: "m1", migratorUrl: "http://z", steps: [StepDefinition(name: "s")]), newCandidates: [], owner: "a", at: Build.at(2))
        #expect(try await store.migrationSummary(id: "m1").owner == "a")
        #expect(try await store.migrationSummary(id: "m1").migratorUrl == "http://z")
    }

    @Test("missing migrations and candidates are not-found errors", arguments: StoreFactories.all)
    func notFound(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store)
        for call in [
            { _ = try await store.migrationSummary(id: "nope") },
            { _ = try await store.migrationDefinition(id: "nope") },
            { _ = try await store.candidatePage(migrationId: "nope", filter: CandidateFilter(), after: nil, limit: 1, scanLimit: 1) },
            { _ = try await store.recountMigration(id: "nope", repair: false) },
            { _ = try await store.candidate(migrationId: "nope", candidateId: "c1") },
            { _ = try await store.candidate(migrationId: "m1", candidateId: "nope") },
            { _ = try await store.submitCandidates(migrationId: "nope", candidates: []) },
            { _ = try await store.run(id: Build.runID("m1", "zz")) },
        ] as [@Sendable () async throws -> Void] {
            let error = await #expect(throws: LoomError.self) { try await call() }
            #expect(error?.code == .notFound)
        }
    }

    @Test("migrations are listed by id in pages, without candidates", arguments: StoreFactories.all)
    func listing(factory: StoreFactory) async throws {
        let store = try await factory()
        for id in ["m3", "m1", "m2"] { try await Build.seed(store, id: id) }
        #expect(try await store.listMigrations(after: nil, limit: 10).map(\.id) == ["m1", "m2", "m3"])
        #expect(try await store.listMigrations(after: nil, limit: 2).map(\.id) == ["m1", "m2"])
        #expect(try await store.listMigrations(after: "m2", limit: 10).map(\.id) == ["m3"])
        #expect(try await store.listMigrations(after: nil, limit: 10).allSatisfy { $0.candidates.isEmpty })
    }

    @Test("submitting candidates merges: running and completed are kept, others replaced as not_started", arguments: StoreFactories.all)
    func submitMerge(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store, candidates: ["c1", "c2", "c3", "keep"])
        _ = try await Build.create(store, Build.run(Build.runID("m1", "c1")), candidate: CandidateStatusChange(newStatus: .running))
        _ = try await Build.create(store, Build.run(Build.runID("m1", "c2"), status: .completed), candidate: CandidateStatusChange(newStatus: .completed))
        var incoming = [
            Candidate(id: "c1", kind: "new", metadata: ["x": "1"]),
            Candidate(id: "c2", kind: "new"),
            Candidate(id: "c3", kind: "first"),
            Candidate(id: "c3", kind: "last"),
            Candidate(id: "c4", kind: "new"),
        ]
        incoming[4].status = .completed
        let outcome = try await store.submitCandidates(migrationId: "m1", candidates: incoming)
        #expect(outcome.accepted == 2)
        #expect(outcome.skippedIds == ["c1", "c2"])
        let candidates = try await store.allCandidates(of: "m1")
        #expect(candidates.map(\.id) == ["c1", "c2", "c3", "c4", "keep"])
        #expect(candidates.map(\.status) == [.running, .completed, .notStarted, .notStarted, .notStarted])
        #expect(candidates[0].kind == "app")
        #expect(candidates[2].kind == "last")
        #expect(try await store.submitCandidates(migrationId: "m1", candidates: []) == SubmitCandidatesOutcome(accepted: 0, skippedIds: []))
    }
}
