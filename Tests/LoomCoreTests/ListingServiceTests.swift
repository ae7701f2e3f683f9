import LoomCore
import LoomTestSupport
import Testing

@Suite("Service: counts, listings, page tokens")
struct ListingServiceTests {
    static func harness(candidates: [String]) async throws -> LoomHarness {
        let harness = LoomHarness(store: try await ScenarioStores.inMemory())
        try await harness.announce(candidates: candidates.map { Fixtures.candidate($0) })
        return harness
    }

    @Test("candidate pages follow each other with opaque tokens and cover every candidate once")
    func candidatePages() async throws {
        let ids = (0..<25).map { "org/repo-\($0 < 10 ? "0" : "")\($0)" }
        let harness = try await Self.harness(candidates: ids)
        var seen: [String] = []
        var token = ""
        repeat {
            let page = try await harness.service.listCandidates(migrationId: "app-chart-migration", pageSize: 10, pageToken: token)
            #expect(page.candidates.count <= 10)
            seen += page.candidates.map(\.id)
            token = page.nextPageToken
            #expect(!token.contains("org/repo"))  // not a bare id
        } while !token.isEmpty
        #expect(seen == ids.sorted())
    }

    @Test("bad listing input is invalid_argument naming the field, and changes nothing")
    func badInput() async throws {
        let harness = try await Self.harness(candidates: ["a", "b", "c"])
        let first = try await harness.service.listCandidates(migrationId: "app-chart-migration", pageSize: 1)
        // At the limit: 1000 is served, 1001 is refused.
        #expect(try await harness.service.listCandidates(migrationId: "app-chart-migration", pageSize: 1000).candidates.count == 3)
        #expect(try await harness.service.listRuns(pageSize: 1000).runs.isEmpty)
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listCandidates(migrationId: "app-chart-migration", pageSize: 1001) }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listCandidates(migrationId: "app-chart-migration", pageSize: -1) }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listCandidates(migrationId: "app-chart-migration", pageToken: "b") }
        // A token is bound to its listing's filters.
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.listCandidates(
                migrationId: "app-chart-migration", filter: CandidateFilter(status: .running), pageToken: first.nextPageToken)
        }
        // A token with one character changed is refused.
        var forged = Array(first.nextPageToken)
        forged[forged.count / 2] = forged[forged.count / 2] == "A" ? "B" : "A"
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.listCandidates(migrationId: "app-chart-migration", pageToken: String(forged))
        }
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.listCandidates(migrationId: "app-chart-migration", filter: CandidateFilter(idPrefix: "a b"))
        }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listRuns(pageSize: 5000) }
        await expectLoomError(.invalidArgument) { _ = try await harness.service.listRuns(pageToken: "garbage") }
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.listRuns(filter: RunFilter(stepName: "bad step"))
        }
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.listRuns(
                filter: RunFilter(selection: RunSelection(updatedAfter: Timestamp(unixMilliseconds: 10), updatedBefore: Timestamp(unixMilliseconds: 5))))
        }
        await expectLoomError(.notFound) { _ = try await harness.service.listRuns(filter: RunFilter(selection: RunSelection(migrationId: "missing"))) }
        #expect(try await harness.service.allCandidates(of: "app-chart-migration").count == 3)
    }

    @Test("runs are listed newest first, filtered by status and step, and page tokens expire")
    func runPages() async throws {
        let harness = try await Self.harness(candidates: ["a", "b", "c", "d"])
        for id in ["a", "b", "c", "d"] {
            harness.clock.advance(by: .seconds(1))
            _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: id, inputs: ["repoName": id])
            await harness.settle()
        }
        let all = try await harness.service.listRuns()
        #expect(all.runs.map(\.candidateId) == ["d", "c", "b", "a"])
        let first = try await harness.service.listRuns(filter: RunFilter(selection: RunSelection(migrationId: "app-chart-migration")), pageSize: 3)
        #expect(first.runs.count == 3)
        let second = try await harness.service.listRuns(
            filter: RunFilter(selection: RunSelection(migrationId: "app-chart-migration")), pageSize: 3, pageToken: first.nextPageToken)
        #expect(second.runs.map(\.candidateId) == ["a"])
        #expect(second.nextPageToken.isEmpty)
        let step = try #require(all.runs.first?.currentStepDefinition?.name)
        #expect(try await harness.service.listRuns(filter: RunFilter(stepName: step)).runs.count == 4)
        #expect(try await harness.service.listRuns(filter: RunFilter(stepName: "nope")).runs.isEmpty)
        #expect(try await harness.service.listRuns(filter: RunFilter(selection: RunSelection(status: .completed))).runs.isEmpty)
        // A listing can be read for 5 minutes after its first page, whenever its later pages come.
        let listing = RunFilter(selection: RunSelection(migrationId: "app-chart-migration"))
        let opened = try await harness.service.listRuns(filter: listing, pageSize: 1)
        harness.clock.advance(by: .seconds(200))
        let middle = try await harness.service.listRuns(filter: listing, pageSize: 1, pageToken: opened.nextPageToken)
        #expect(middle.runs.map(\.candidateId) == ["c"])
        harness.clock.advance(by: Service.runListingLifetime - .seconds(200))
        #expect(try await harness.service.listRuns(filter: listing, pageSize: 1, pageToken: middle.nextPageToken).runs.map(\.candidateId) == ["b"])
        harness.clock.advance(by: .milliseconds(1))
        await expectLoomError(.invalidArgument) {
            _ = try await harness.service.listRuns(filter: listing, pageSize: 1, pageToken: middle.nextPageToken)
        }
    }

    @Test("the recount finds no drift after runs start, fail, retry and cancel, and counts show them")
    func recount() async throws {
        let harness = try await Self.harness(candidates: ["a", "b"])
        _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "a", inputs: ["repoName": "a"])
        await harness.settle()
        _ = try await harness.service.cancelRun(migrationId: "app-chart-migration", candidateId: "a")
        let check = try await harness.service.recountMigration(id: "app-chart-migration", repair: false)
        #expect(check.drift.isEmpty)
        let counts = try #require(try await harness.service.migration(id: "app-chart-migration").counts)
        #expect(counts.runs[.cancelled] == 1)
        #expect(counts.candidates[.notStarted] == 2)
        await expectLoomError(.notFound) { _ = try await harness.service.recountMigration(id: "missing", repair: false) }
    }
}
