import LoomCore
import LoomRedis
import LoomStores
import LoomTestSupport

/// Every adapter the store contract runs against. The Redis adapter adds its factory here.
enum StoreFactories {
    static let inMemory = StoreFactory(name: "in-memory") { options in
        InMemoryStore(timerPartitionCount: options.timerPartitionCount, historyCap: options.historyCap)
    }

    /// A `RedisStore` on its own private redis-server, stopped when the store is released.
    static let redis = StoreFactory(name: "redis") { options in
        let server = try await RedisServerFixture.start()
        let pool = RedisConnectionPool(
            configuration: try RedisConfiguration(url: server.url),
            options: .init(size: 2, checkServerSettingsOnConnect: false))
        let store = RedisStore(client: pool, partitionCount: options.timerPartitionCount, historyCap: options.historyCap)
        return RedisTestStore(server: server, store: store)
    }

    static let all: [StoreFactory] = [inMemory, redis]
}

/// A ``RedisStore`` that owns its redis-server: the server stops when the store is released.
final class RedisTestStore: LoomStore {
    let server: RedisServerFixture
    let store: RedisStore

    init(server: RedisServerFixture, store: RedisStore) {
        self.server = server
        self.store = store
    }

    deinit { server.stop() }

    var timerPartitionCount: Int { store.timerPartitionCount }

    func announce(_ migration: Migration, newCandidates: [Candidate], owner: String?, at now: Timestamp) async throws -> AnnounceOutcome {
        try await store.announce(migration, newCandidates: newCandidates, owner: owner, at: now)
    }

    func migration(id: String) async throws -> Migration { try await store.migration(id: id) }

    func migrationDefinition(id: String) async throws -> Migration { try await store.migrationDefinition(id: id) }

    func listMigrations(after afterId: String?, limit: Int) async throws -> [Migration] {
        try await store.listMigrations(after: afterId, limit: limit)
    }

    func submitCandidates(migrationId: String, candidates: [Candidate]) async throws -> SubmitCandidatesOutcome {
        try await store.submitCandidates(migrationId: migrationId, candidates: candidates)
    }

    func candidates(migrationId: String) async throws -> [Candidate] { try await store.candidates(migrationId: migrationId) }

    func candidate(migrationId: String, candidateId: String) async throws -> Candidate {
        try await store.candidate(migrationId: migrationId, candidateId: candidateId)
    }

    func run(id: RunID) async throws -> Run { try await store.run(id: id) }

    func apply(_ write: RunWrite) async throws -> RunWriteOutcome { try await store.apply(write) }

    func history(of runID: RunID, limit: Int) async throws -> [HistoryEntry] { try await store.history(of: runID, limit: limit) }

    func claimDueTimers(partition: Int, now: Timestamp, lease: Duration, limit: Int) async throws -> [DueTimer] {
        try await store.claimDueTimers(partition: partition, now: now, lease: lease, limit: limit)
    }

    func restoreTimer(of runID: RunID, version: UInt64) async throws { try await store.restoreTimer(of: runID, version: version) }
}

/// Small builders for contract tests.
enum Build {
    static let t0 = Timestamp(unixMilliseconds: 1_767_225_600_000)

    static func at(_ seconds: Int64) -> Timestamp {
        Timestamp(unixMilliseconds: t0.unixMilliseconds + seconds * 1000)
    }

    static func runID(_ migration: String = "m1", _ candidate: String = "c1") -> RunID {
        try! RunID(migrationId: migration, candidateId: candidate)
    }

    static func run(_ id: RunID = runID(), status: RunStatus = .running, timer: Timestamp? = nil, generation: UInt32 = 1) -> Run {
        Run(
            id: id, status: status, results: [StepResult(stepName: "s1", attempt: 1, at: t0)],
            steps: [StepDefinition(name: "s1")], candidate: Candidate(id: id.candidateId, kind: "app"),
            migratorUrl: "http://migrator", createdAt: t0, updatedAt: t0, generation: generation, timerDueAt: timer
        )
    }

    static func entry(_ kind: HistoryKind, _ detail: String = "") -> HistoryEntry {
        HistoryEntry(at: t0, kind: kind, stepName: "s1", attempt: 1, stepStatus: .inProgress, runStatus: .running, detail: detail, generation: 1)
    }

    /// Announces migration `id` with candidates `c1`, `c2`.
    static func seed(_ store: any LoomStore, id: String = "m1", candidates: [String] = ["c1", "c2"]) async throws {
        _ = try await store.announce(
            Migration(id: id, migratorUrl: "http://migrator", steps: [StepDefinition(name: "s1")]),
            newCandidates: candidates.map { Candidate(id: $0, kind: "app") }, owner: nil, at: t0
        )
    }

    /// Writes `run` as a new record (expected version 0) and returns the stored run.
    static func create(_ store: any LoomStore, _ run: Run, candidate: CandidateStatusChange? = nil) async throws -> Run {
        guard case .applied(let stored) = try await store.apply(RunWrite(run: run, expectedVersion: 0, candidateStatus: candidate, history: [entry(.runStarted)])) else {
            throw LoomError.internal("create failed")
        }
        return stored
    }
}
