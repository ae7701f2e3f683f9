import LoomCore
import LoomRedis
import LoomStores
import LoomTestSupport
import Testing

/// A Redis store on a private redis-server, torn down with it.
struct RedisStoreHarness {
    let server: RedisServerFixture
    let pool: RedisConnectionPool
    let store: RedisStore

    static func start(historyCap: Int = 1000) async throws -> RedisStoreHarness {
        let server = try await RedisServerFixture.start()
        let pool = RedisConnectionPool(
            configuration: try RedisConfiguration(url: server.url),
            options: .init(size: 4, checkServerSettingsOnConnect: false))
        return RedisStoreHarness(server: server, pool: pool, store: RedisStore(client: pool, historyCap: historyCap))
    }

    func stop() async {
        await pool.shutdown()
        server.stop()
    }
}

enum RedisFixtures {
    static let t0 = Timestamp(unixMilliseconds: 1_700_000_000_000)

    static func migration(_ id: String = "upgrade-chart", name: String = "Upgrade chart") -> Migration {
        Migration(
            id: id, name: name, description: "d", migratorUrl: "http://migrator:8080",
            requiredInputs: [InputDefinition(name: "repoName", label: "Repository")],
            steps: [StepDefinition(name: "swap", type: "swap-chart", config: ["k": "v"]), StepDefinition(name: "merge")])
    }

    static func candidate(_ id: String, kind: String = "application") -> Candidate {
        Candidate(id: id, kind: kind, metadata: ["team": "core"], files: [FileGroup(name: "prod", repo: "r", files: [FileRef(path: "a", url: "u")])])
    }

    static func run(_ migrationId: String, _ candidateId: String, status: RunStatus = .running, due: Timestamp? = nil) throws -> Run {
        Run(
            id: try RunID(migrationId: migrationId, candidateId: candidateId), status: status,
            steps: migration(migrationId).steps, candidate: candidate(candidateId), migratorUrl: "http://migrator:8080",
            createdAt: t0, updatedAt: t0, timerDueAt: due)
    }

    static func entry(_ kind: HistoryKind, status: RunStatus = .running, detail: String = "") -> HistoryEntry {
        HistoryEntry(at: t0, kind: kind, runStatus: status, detail: detail, generation: 1)
    }
}

@Suite("Redis store: migrations and candidates", .timeLimit(.minutes(1)))
struct RedisStoreMigrationTests {
    @Test("announce creates, re-announce updates the definition and adds only new candidates")
    func announce() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        let store = h.store
        let first = try await store.announce(
            RedisFixtures.migration(), newCandidates: [RedisFixtures.candidate("b"), RedisFixtures.candidate("a")], owner: "spiffe://m", at: RedisFixtures.t0)
        #expect(first.created)
        #expect(first.migration.candidates.isEmpty)
        #expect(try await store.allCandidates(of: "upgrade-chart").map(\.id) == ["a", "b"])
        #expect(first.migration.owner == "spiffe://m")
        #expect(first.migration.createdAt == RedisFixtures.t0)

        let later = RedisFixtures.t0 + .seconds(60)
        let second = try await store.announce(
            RedisFixtures.migration(name: "Renamed"), newCandidates: [RedisFixtures.candidate("a", kind: "changed"), RedisFixtures.candidate("c")],
            owner: "spiffe://m", at: later)
        #expect(!second.created)
        #expect(second.migration.name == "Renamed")
        #expect(second.migration.createdAt == RedisFixtures.t0)
        #expect(second.migration.updatedAt == later)
        let candidates = try await store.allCandidates(of: "upgrade-chart")
        #expect(candidates.map(\.id) == ["a", "b", "c"])
        #expect(candidates[0].kind == "application")  // existing candidates are never changed by announce
        #expect(second.migration.counts?.candidates[.notStarted] == 3)
        #expect(try await store.migrationSummary(id: "upgrade-chart") == second.migration)
        #expect(try await store.migrationDefinition(id: "upgrade-chart").candidates.isEmpty)
    }

    @Test("a different owner is denied and changes nothing")
    func ownerDenied() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        _ = try await h.store.announce(RedisFixtures.migration(), newCandidates: [], owner: "spiffe://m", at: RedisFixtures.t0)
        await #expect {
            _ = try await h.store.announce(
                RedisFixtures.migration(name: "Hijack"), newCandidates: [RedisFixtures.candidate("x")], owner: "spiffe://evil", at: RedisFixtures.t0)
        } throws: { ($0 as? LoomError)?.code == .permissionDenied }
        let stored = try await h.store.migrationSummary(id: "upgrade-chart")
        #expect(stored.name == "Upgrade chart")
        #expect(try await h.store.allCandidates(of: "upgrade-chart").isEmpty)
    }

    @Test("missing migrations and candidates are notFound; listing pages by id")
    func readsAndListing() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        await #expect { _ = try await h.store.migrationSummary(id: "nope") } throws: { ($0 as? LoomError)?.code == .notFound }
        await #expect { _ = try await h.store.allCandidates(of: "nope") } throws: { ($0 as? LoomError)?.code == .notFound }
        for id in ["m3", "m1", "m2", "m4"] {
            _ = try await h.store.announce(RedisFixtures.migration(id), newCandidates: [RedisFixtures.candidate("a")], owner: nil, at: RedisFixtures.t0)
        }
        await #expect {
            _ = try await h.store.candidate(migrationId: "m1", candidateId: "zz")
        } throws: { ($0 as? LoomError)?.code == .notFound }
        #expect(try await h.store.candidate(migrationId: "m1", candidateId: "a").status == .notStarted)
        #expect(try await h.store.listMigrations(after: nil, limit: 3).map(\.id) == ["m1", "m2", "m3"])
        #expect(try await h.store.listMigrations(after: "m3", limit: 3).map(\.id) == ["m4"])
        #expect(try await h.store.listMigrations(after: nil, limit: 10).allSatisfy { $0.candidates.isEmpty })
    }

    @Test("submissions skip running and completed candidates; the last duplicate wins")
    func submit() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        await #expect {
            _ = try await h.store.submitCandidates(migrationId: "nope", candidates: [RedisFixtures.candidate("a")])
        } throws: { ($0 as? LoomError)?.code == .notFound }
        _ = try await h.store.announce(RedisFixtures.migration(), newCandidates: [RedisFixtures.candidate("a")], owner: nil, at: RedisFixtures.t0)
        let start = RunWrite(
            run: try RedisFixtures.run("upgrade-chart", "a"), expectedVersion: 0,
            candidateStatus: CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted]),
            history: [RedisFixtures.entry(.runStarted)])
        guard case .applied = try await h.store.apply(start) else { Issue.record("start not applied"); return }
        let outcome = try await h.store.submitCandidates(
            migrationId: "upgrade-chart",
            candidates: [RedisFixtures.candidate("a", kind: "new"), RedisFixtures.candidate("b", kind: "one"), RedisFixtures.candidate("b", kind: "two")])
        #expect(outcome == SubmitCandidatesOutcome(accepted: 1, skippedIds: ["a"]))
        let candidates = try await h.store.allCandidates(of: "upgrade-chart")
        #expect(candidates.map(\.kind) == ["application", "two"])
        #expect(candidates.map(\.status) == [.running, .notStarted])
    }

    @Test("a record with an unknown schema version is refused, not guessed")
    func schemaVersion() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        _ = try await h.store.announce(RedisFixtures.migration(), newCandidates: [], owner: nil, at: RedisFixtures.t0)
        try await h.pool.send(RedisCommand("HSET", .string(h.store.keys.migration("upgrade-chart")), "v", "99"))
        await #expect {
            _ = try await h.store.migrationSummary(id: "upgrade-chart")
        } throws: { ($0 as? LoomError)?.code == .internal }
    }

    @Test("every key of a migration and its runs shares one hash tag")
    func hashTags() async throws {
        let h = try await RedisStoreHarness.start()
        defer { h.server.stop() }
        _ = try await h.store.announce(RedisFixtures.migration(), newCandidates: [RedisFixtures.candidate("a")], owner: nil, at: RedisFixtures.t0)
        let write = RunWrite(
            run: try RedisFixtures.run("upgrade-chart", "a", due: RedisFixtures.t0), expectedVersion: 0, history: [RedisFixtures.entry(.runStarted)])
        _ = try await h.store.apply(write)
        let keys = try await h.pool.send(RedisCommand("KEYS", "*")).array?.compactMap(\.string) ?? []
        let tag = h.store.keys.tag(migrationId: "upgrade-chart")
        // migration, candidates, statuses, counts, candidate index, status index, run, history,
        // timers, run index, run status index, run sequence, run moves, and the global migration index.
        #expect(keys.count == 14)
        #expect(keys.filter { $0 != "loom:migrations" }.allSatisfy { $0.contains(tag) })
    }

    @Test("Redis being down is storeUnavailable")
    func unavailable() async throws {
        let h = try await RedisStoreHarness.start()
        h.server.kill()
        await #expect {
            _ = try await h.store.migrationSummary(id: "x")
        } throws: { ($0 as? LoomError)?.code == .storeUnavailable }
        await h.stop()
    }
}
