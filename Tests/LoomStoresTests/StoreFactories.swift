import LoomCore
import LoomTestSupport

/// Every adapter the store contract runs against.
enum StoreFactories {
    static let inMemory = StoreFactory.inMemory
    static let redis = StoreFactory.redis
    static let all: [StoreFactory] = [.inMemory, .redis]
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
