import Foundation
import LoomCore
import LoomTestSupport
import Testing

/// Random run transitions against a store, mirroring what the orchestrator writes.
struct TransitionModel {
    static let steps = ["s1", "s2", "s3"]
    let store: any LoomStore
    let migrationId: String
    var clock: Int64 = 0
    var runs: [String: Run] = [:]

    init(store: any LoomStore, migrationId: String) {
        self.store = store
        self.migrationId = migrationId
    }

    mutating func now() -> Timestamp {
        clock += 1
        return Build.at(clock)
    }

    /// Applies one random operation to `candidate`; returns false when none applies.
    @discardableResult
    mutating func step(_ candidate: String, using random: inout some RandomNumberGenerator) async throws -> Bool {
        let id = try RunID(migrationId: migrationId, candidateId: candidate)
        let at = now()
        guard var run = runs[candidate], !run.status.isFinished else {
            // Start (or restart after a cancel): the candidate must be not_started.
            let previous = runs[candidate]
            if previous?.status == .completed { return false }
            var fresh = Run(
                id: id, status: .running, results: [StepResult(stepName: "s1", attempt: 1, at: at)],
                steps: Self.steps.map { StepDefinition(name: $0) }, candidate: Candidate(id: candidate, kind: "app"),
                migratorUrl: "http://m", createdAt: at, updatedAt: at, generation: (previous?.generation ?? 0) + 1)
            fresh.version = previous?.version ?? 0
            return try await write(fresh, expected: previous?.version ?? 0, candidate: CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted]))
        }
        run.updatedAt = at
        var change: CandidateStatusChange?
        let last = run.results.count - 1
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            guard run.status == .running else { return false }
            run.results[last].status = [.open, .awaitingReview, .inProgress].randomElement(using: &random)!
        case 1:
            guard run.status == .running else { return false }
            run.results[last].status = .failed
            run.status = .waitingRetry
        case 2:
            guard run.status == .waitingRetry else { return false }
            run.results.append(StepResult(stepName: run.results[last].stepName, attempt: run.results[last].attempt + 1, at: at))
            run.status = .running
        case 3, 4:
            guard run.status == .running else { return false }
            run.results[last].status = .completed
            run.currentStep += 1
            if run.currentStep == run.steps.count {
                run.status = .completed
                change = CandidateStatusChange(newStatus: .completed)
            } else {
                run.results.append(StepResult(stepName: run.steps[run.currentStep].name, attempt: 1, at: at))
            }
        default:
            run.results[last].status = .cancelled
            run.status = .cancelled
            change = CandidateStatusChange(newStatus: .notStarted)
        }
        return try await write(run, expected: run.version, candidate: change)
    }

    private mutating func write(_ run: Run, expected: UInt64, candidate: CandidateStatusChange?) async throws -> Bool {
        guard case .applied(let stored) = try await store.apply(RunWrite(run: run, expectedVersion: expected, candidateStatus: candidate, history: [])) else {
            Issue.record("transition of \(run.id) not applied")
            return false
        }
        runs[run.candidateId] = stored
        return true
    }

    /// The counts recomputed from the model's own view of the records.
    func modelCounts(candidates: [String: CandidateStatus]) -> MigrationCounts {
        MigrationCounts.recount(candidates: candidates.values, runs: runs.values, stepOrder: Self.steps)
    }
}

@Suite("Store contract: fleet-scale counts, listings and recount")
struct FleetStoreContractTests {
    static func seed(_ store: any LoomStore, candidates: [String]) async throws {
        _ = try await store.announce(
            Migration(id: "m1", migratorUrl: "http://m", steps: TransitionModel.steps.map { StepDefinition(name: $0) }),
            newCandidates: candidates.map { Candidate(id: $0, kind: $0.hasPrefix("lib") ? "library" : "app", metadata: ["team": $0.count % 2 == 0 ? "a" : "b"]) },
            owner: nil, at: Build.t0)
    }

    @Test("counts equal a recount after every one of 400 random transitions (start, phases, fail, retry, advance, complete, cancel, restart)", arguments: StoreFactories.all)
    func countsProperty(factory: StoreFactory) async throws {
        let store = try await factory()
        let ids = (0..<12).map { "org/repo-\($0)" }
        try await Self.seed(store, candidates: ids)
        var model = TransitionModel(store: store, migrationId: "m1")
        var random = SeededRandomNumberGenerator(seed: 0x10_0A)
        for round in 0..<400 {
            try await model.step(ids.randomElement(using: &random)!, using: &random)
            if round % 20 == 19 || round == 399 {
                let check = try await store.recountMigration(id: "m1", repair: false)
                #expect(check.drift.isEmpty, "round \(round): \(check.drift)")
                var stored = try await store.migrationSummary(id: "m1").counts!
                stored.orderSteps(by: TransitionModel.steps)
                var statuses: [String: CandidateStatus] = [:]
                for candidate in try await store.allCandidates(of: "m1") { statuses[candidate.id] = candidate.status }
                #expect(stored == model.modelCounts(candidates: statuses), "round \(round)")
                #expect(stored.candidateTotal == 12)
            }
        }
        #expect(try await store.migrationSummary(id: "m1").counts!.runTotal == UInt64(model.runs.count))
    }

    @Test("submitting candidates counts only new ones; skipped and refreshed ones do not move the counts", arguments: StoreFactories.all)
    func submitCounts(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Self.seed(store, candidates: ["a", "b"])
        _ = try await Build.create(store, Build.run(Build.runID("m1", "a")), candidate: CandidateStatusChange(newStatus: .running))
        _ = try await store.submitCandidates(migrationId: "m1", candidates: [Candidate(id: "a", kind: "x"), Candidate(id: "b", kind: "x"), Candidate(id: "c", kind: "x")])
        let counts = try await store.migrationSummary(id: "m1").counts!
        #expect(counts.candidates == [.notStarted: 2, .running: 1, .completed: 0])
        #expect(counts.runs[.running] == 1)
        #expect(counts.steps == [StepCounts(stepName: "s1", inProgress: 1)])
        #expect(try await store.recountMigration(id: "m1", repair: false).drift.isEmpty)
    }

    @Test("candidate pages: id order, repository-style ids, filters by status, prefix, kind and metadata", arguments: StoreFactories.all)
    func candidatePages(factory: StoreFactory) async throws {
        let store = try await factory()
        let ids = ["acme/api", "acme/web", "acme/infra/db", "beta:svc", "lib@2.0", "lib+extras", "zeta=1~x"]
        try await Self.seed(store, candidates: ids)
        _ = try await Build.create(store, Build.run(Build.runID("m1", "acme/web")), candidate: CandidateStatusChange(newStatus: .running))
        #expect(try await store.allCandidates(of: "m1").map(\.id) == ids.sorted())
        #expect(try await store.allCandidates(of: "m1", filter: CandidateFilter(idPrefix: "acme/")).map(\.id) == ["acme/api", "acme/infra/db", "acme/web"])
        #expect(try await store.allCandidates(of: "m1", filter: CandidateFilter(status: .running)).map(\.id) == ["acme/web"])
        #expect(try await store.allCandidates(of: "m1", filter: CandidateFilter(status: .notStarted, idPrefix: "acme/")).map(\.id) == ["acme/api", "acme/infra/db"])
        #expect(try await store.allCandidates(of: "m1", filter: CandidateFilter(kind: "library")).map(\.id) == ["lib+extras", "lib@2.0"])
        #expect(try await store.allCandidates(of: "m1", filter: CandidateFilter(metadata: ["team": "a"])).map(\.id) == ids.filter { $0.count % 2 == 0 }.sorted())
        #expect(try await store.allCandidates(of: "m1", filter: CandidateFilter(idPrefix: "nothing")).isEmpty)
        // Pages of 2 cover everything once, in order.
        var seen: [String] = []
        var after: String?
        repeat {
            let scan = try await store.candidatePage(migrationId: "m1", filter: CandidateFilter(), after: after, limit: 2, scanLimit: 2)
            #expect(scan.candidates.count <= 2)
            seen += scan.candidates.map(\.id)
            after = scan.resumeAfter
        } while after != nil
        #expect(seen == ids.sorted())
    }

    @Test("a kind filter examines a bounded number of candidates per page and resumes where it stopped", arguments: StoreFactories.all)
    func boundedScan(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Self.seed(store, candidates: (0..<30).map { String(format: "app-%02d", $0) } + ["lib-z"])
        let first = try await store.candidatePage(migrationId: "m1", filter: CandidateFilter(kind: "library"), after: nil, limit: 10, scanLimit: 10)
        #expect(first.candidates.isEmpty)
        #expect(first.resumeAfter == "app-09")
        let all = try await store.allCandidates(of: "m1", filter: CandidateFilter(kind: "library"))
        #expect(all.map(\.id) == ["lib-z"])
    }

    @Test("repair rewrites counts that drifted and reports the drift first", arguments: StoreFactories.all)
    func repair(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Self.seed(store, candidates: ["a", "b"])
        _ = try await Build.create(store, Build.run(Build.runID("m1", "a")), candidate: CandidateStatusChange(newStatus: .running))
        let clean = try await store.recountMigration(id: "m1", repair: true)
        #expect(clean.drift.isEmpty)
        #expect(clean.recounted.runs[.running] == 1)
        #expect(try await store.recountMigration(id: "m1", repair: false).drift.isEmpty)
    }
}
