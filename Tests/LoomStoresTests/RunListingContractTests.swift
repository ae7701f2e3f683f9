import LoomCore
import LoomTestSupport
import Testing

/// The run listing contract: a listing lists the runs its selection selected when it was
/// opened, at the positions they held then, each exactly once and in order, however runs move
/// while its pages are read.
@Suite("Store contract: run listings")
struct RunListingContractTests {
    /// Every page of the listing `opening` opened, `limit` at a time after its first page;
    /// `between` runs after each page.
    static func readAll(
        _ store: any LoomStore, _ selection: RunSelection, opening: RunListingOpening, limit: Int,
        between: () async throws -> Void = {}
    ) async throws -> [Run] {
        var page = opening.first
        var listed: [Run] = []
        while true {
            #expect(page.entries.count <= limit)
            listed += page.entries.map(\.run)
            if let last = page.entries.last, page.next != nil { #expect(last.cursor == page.next) }
            try await between()
            guard let cursor = page.next else { return listed }
            page = try #require(try await store.runListingPage(selection, listing: opening.listing, after: cursor, limit: limit, ttl: .seconds(60)))
        }
    }

    /// The ids `selection` selects from `runs`, newest update first (ties: run id, descending).
    static func expected(_ runs: some Collection<Run>, _ selection: RunSelection) -> [RunID] {
        runs.filter { run in
            (selection.status == nil || run.status == selection.status)
                && (selection.updatedAfter.map { run.updatedAt >= $0 } ?? true)
                && (selection.updatedBefore.map { run.updatedAt < $0 } ?? true)
        }
        .sorted { ($0.updatedAt, $0.id.description) > ($1.updatedAt, $1.id.description) }
        .map(\.id)
    }

    @Test(
        "four listings (all, running, waiting_retry, updated after) read while 1,000 runs move between every page list exactly the runs selected at their start, in order",
        arguments: StoreFactories.all)
    func stableUnderMoves(factory: StoreFactory) async throws {
        let store = try await factory()
        let ids = (0..<1000).map { "team/svc-\($0)" }
        try await FleetStoreContractTests.seed(store, candidates: ids)
        var model = TransitionModel(store: store, migrationId: "m1")
        var random = SeededRandomNumberGenerator(seed: 11)
        for id in ids { try await model.step(id, using: &random) }
        for id in ids.shuffled(using: &random).prefix(600) { try await model.step(id, using: &random) }
        let cutoff = model.runs.values.map(\.updatedAt).sorted()[400]
        let selections = [
            RunSelection(migrationId: "m1"), RunSelection(migrationId: "m1", status: .running),
            RunSelection(migrationId: "m1", status: .waitingRetry), RunSelection(migrationId: "m1", updatedAfter: cutoff),
        ]
        var open: [(RunSelection, RunListingOpening, [RunID])] = []
        for (index, selection) in selections.enumerated() {
            let expected = Self.expected(model.runs.values, selection)
            let opening = try await store.openRunListing(selection, name: "stable-\(index)", limit: 37, ttl: .seconds(60))
            open.append((selection, opening, expected))
        }
        #expect(open[1].2.count > 100 && open[2].2.count > 20, "the seed gives each status listing several pages")
        for (selection, opening, expected) in open {
            var moved = 0
            let listed = try await Self.readAll(store, selection, opening: opening, limit: 37) {
                // Between two pages, 150 transitions move runs (also in and out of the status).
                for id in ids.shuffled(using: &random).prefix(150) where try await model.step(id, using: &random) { moved += 1 }
            }
            #expect(listed.count == expected.count && Set(listed.map(\.id)).count == listed.count, "\(selection)")
            #expect(listed.map(\.id) == expected, "\(selection)")
            #expect(moved > 100)
        }
        // Each run is returned as it is now, not as it was when the listing opened.
        let fresh = try await store.openRunListing(RunSelection(migrationId: "m1"), name: "fresh", limit: 1000, ttl: .seconds(60))
        let now = try await Self.readAll(store, RunSelection(migrationId: "m1"), opening: fresh, limit: 1000)
        #expect(now.count == 1000)
        #expect(now.allSatisfy { $0 == model.runs[$0.candidateId] })
        #expect(now.map(\.id) == Self.expected(model.runs.values, RunSelection(migrationId: "m1")))
    }

    @Test("runs updated in the same millisecond page by run id and are neither skipped nor repeated when they move", arguments: StoreFactories.all)
    func ties(factory: StoreFactory) async throws {
        let store = try await factory()
        let ids = (0..<150).map { String(format: "org/r-%03d", $0) }
        try await FleetStoreContractTests.seed(store, candidates: ids)
        var model = TransitionModel(store: store, migrationId: "m1")
        var random = SeededRandomNumberGenerator(seed: 5)
        // Every run starts at the same instant.
        for id in ids {
            model.clock = 0
            try await model.step(id, using: &random)
        }
        model.clock = 10
        let selection = RunSelection(migrationId: "m1", status: .running)
        let expected = Self.expected(model.runs.values, selection)
        #expect(expected.count == 150)
        let opening = try await store.openRunListing(selection, name: "ties", limit: 40, ttl: .seconds(60))
        let listed = try await Self.readAll(store, selection, opening: opening, limit: 40) {
            for id in ids.shuffled(using: &random).prefix(30) { try await model.step(id, using: &random) }
        }
        #expect(listed.map(\.id) == expected)
    }

    @Test("a listing unknown to the store reads as expired; a listing across migrations lists every migration's runs", arguments: StoreFactories.all)
    func acrossAndUnknown(factory: StoreFactory) async throws {
        let store = try await factory()
        try await FleetStoreContractTests.seed(store, candidates: ["a", "b"])
        var model = TransitionModel(store: store, migrationId: "m1")
        var random = SeededRandomNumberGenerator(seed: 3)
        for id in ["a", "b"] { try await model.step(id, using: &random) }
        _ = try await store.announce(
            Migration(id: "m2", migratorUrl: "http://m", steps: [StepDefinition(name: "s1")]), newCandidates: [Candidate(id: "x", kind: "app")],
            owner: nil, at: Build.t0)
        var other = Build.run(Build.runID("m2", "x"))
        other.updatedAt = Build.at(100_000)
        _ = try await Build.create(store, other, candidate: CandidateStatusChange(newStatus: .running))
        #expect(try await store.runListingPage(RunSelection(), listing: "sunknown", after: nil, limit: 5, ttl: .seconds(60)) == nil)
        #expect(try await store.runListingPage(RunSelection(migrationId: "m1"), listing: "other", after: nil, limit: 5, ttl: .seconds(60)) == nil)
        let across = try await store.openRunListing(RunSelection(), name: "across", limit: 2, ttl: .seconds(60))
        let listed = try await Self.readAll(store, RunSelection(), opening: across, limit: 2)
        #expect(listed.map(\.id) == [Build.runID("m2", "x")] + Self.expected(model.runs.values, RunSelection()))
    }
}
