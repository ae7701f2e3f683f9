import Logging
import LoomCore
import LoomTestSupport
import Testing

/// Stores the scenario tests run against: the in-memory adapter and Redis (a private
/// redis-server per test).
enum ScenarioStores {
    static let inMemory = StoreFactory.inMemory
    static let all: [StoreFactory] = [.inMemory, .redis]
}

let runID = "app-chart-migration__billing-api"
let steps = ["disable-sync-prune", "swap-chart", "review-swap-chart"]

extension LoomHarness {
    /// A harness over a fresh store from `factory`, with the fixture migration announced.
    static func announced(
        _ factory: StoreFactory = ScenarioStores.inMemory,
        migration: Migration = Fixtures.migration(),
        candidates: [Candidate] = [Fixtures.candidate()],
        logger: Logger = LoomHarness.quietLogger,
        configure: (inout Orchestrator.Configuration) -> Void = { _ in }
    ) async throws -> LoomHarness {
        let harness = LoomHarness(store: try await factory(), logger: logger, configure: configure)
        try await harness.announce(migration, candidates: candidates)
        return harness
    }

    /// Starts the fixture run and lets its first dispatch happen.
    @discardableResult
    func startAndSettle(inputs: [String: String] = ["repoName": "billing-api"]) async throws -> Run {
        let run = try await service.startRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: inputs)
        await settle()
        return run
    }

    /// The stored fixture run.
    func currentRun() async throws -> Run {
        try await service.run(migrationId: "app-chart-migration", candidateId: "billing-api")
    }

    /// The stored fixture candidate's status.
    func candidateStatus(_ id: String = "billing-api") async throws -> CandidateStatus {
        try await store.candidate(migrationId: "app-chart-migration", candidateId: id).status
    }

    /// History kinds of the fixture run.
    func historyKinds() async throws -> [HistoryKind] {
        try await service.runHistory(migrationId: "app-chart-migration", candidateId: "billing-api").map(\.kind)
    }
}

/// Expects `body` to throw a ``LoomError`` with `code`, returning it.
@discardableResult
func expectLoomError(
    _ code: LoomError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> LoomError? {
    do {
        try await body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as LoomError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
