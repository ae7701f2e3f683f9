import LoomCore
import LoomTestSupport
import Testing

@Suite("Campaign watch and listings (manual clock)")
struct CampaignWatchTests {
    static let migration = "app-chart-migration"

    func harness(_ factory: StoreFactory, candidates: Int) async throws -> LoomHarness {
        try await LoomHarness.announced(
            factory, migration: Fixtures.migration(steps: ["s1"]), candidates: (0..<candidates).map { Fixtures.candidate("c\($0)") })
    }

    func request(_ id: String = "wave-1", cap: Int = 2) -> CampaignRequest {
        CampaignRequest(
            id: id, migrationId: Self.migration, selection: .matching(CampaignFilter(CandidateFilter())), inputs: ["repoName": "shared"],
            pacing: CampaignPacing(maxInFlight: cap, maxStartsPerMinute: 1000))
    }

    @Test("a watch sends the campaign, then each change once, and ends after the final state", arguments: ScenarioStores.all)
    func watch(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 3)
        _ = try await h.service.createCampaign(request(), createdBy: "op")
        let updates = try await h.service.watchCampaign(id: "wave-1", pollInterval: .seconds(1))
        let collected = Task {
            var seen: [Campaign] = []
            for try await campaign in updates { seen.append(campaign) }
            return seen
        }
        // Each step: the watch is asleep (an explicit signal), something changes (or not), one poll interval passes.
        await h.clock.waitUntilSleeping()
        h.clock.advance(by: .seconds(1))  // nothing changed: nothing is sent
        await h.clock.waitUntilSleeping()
        _ = try await h.service.pauseCampaign(id: "wave-1", by: "op", reason: "lunch")
        h.clock.advance(by: .seconds(1))
        await h.clock.waitUntilSleeping()
        _ = try await h.service.cancelCampaign(id: "wave-1", by: "op", cancelRuns: false)
        h.clock.advance(by: .seconds(1))
        let seen = try await collected.value
        #expect(seen.map(\.state) == [.running, .paused, .cancelled])
        #expect(seen[1].stateReason == "paused by op: lunch")
        #expect(seen[2].counts == CampaignCounts(cancelled: 3))
    }

    @Test("a watch of a finished campaign sends it once and ends; an unknown one is not found at once")
    func watchFinished() async throws {
        let h = try await harness(.inMemory, candidates: 1)
        _ = try await h.service.createCampaign(request(), createdBy: "op")
        _ = try await h.service.cancelCampaign(id: "wave-1", by: "op", cancelRuns: false)
        var seen: [CampaignState] = []
        for try await campaign in try await h.service.watchCampaign(id: "wave-1") { seen.append(campaign.state) }
        #expect(seen == [.cancelled])
        let error = try await #require(throws: LoomError.self) { _ = try await h.service.watchCampaign(id: "nope") }
        #expect(error.code == .notFound)
    }

    @Test("campaigns list by id a page at a time; members page by position with a status filter", arguments: ScenarioStores.all)
    func listings(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 3)
        for id in ["b", "a", "c"] { _ = try await h.service.createCampaign(request(id), createdBy: "op") }
        let first = try await h.service.listCampaigns(migrationId: Self.migration, pageSize: 2)
        #expect(first.campaigns.map(\.id) == ["a", "b"])
        let second = try await h.service.listCampaigns(migrationId: Self.migration, pageSize: 2, pageToken: first.nextPageToken)
        #expect(second.campaigns.map(\.id) == ["c"] && second.nextPageToken.isEmpty)
        let exact = try await h.service.listCampaigns(pageSize: 3)
        #expect(exact.campaigns.count == 3 && exact.nextPageToken.isEmpty)

        let pending = try await h.service.listCampaignMembers(id: "a", status: .pending, pageSize: 2)
        #expect(pending.members.map(\.candidateId) == ["c0", "c1"])
        let rest = try await h.service.listCampaignMembers(id: "a", status: .pending, pageSize: 2, pageToken: pending.nextPageToken)
        #expect(rest.members.map(\.candidateId) == ["c2"] && rest.nextPageToken.isEmpty)
        let none = try await h.service.listCampaignMembers(id: "a", status: .failed)
        #expect(none.members.isEmpty && none.nextPageToken.isEmpty)
        let all = try await h.service.listCampaignMembers(id: "a", pageSize: 1000)
        #expect(all.members.map(\.candidateId) == ["c0", "c1", "c2"] && all.nextPageToken.isEmpty)

        for bad in [-1, 1001] {
            let error = try await #require(throws: LoomError.self) { _ = try await h.service.listCampaignMembers(id: "a", pageSize: bad) }
            #expect(error.code == .invalidArgument && error.message.contains("page_size"))
        }
        let history = try await h.service.campaignHistory(id: "a", limit: 1)
        #expect(history.map(\.kind) == [.created])
        let negative = try await #require(throws: LoomError.self) { _ = try await h.service.campaignHistory(id: "a", limit: -1) }
        #expect(negative.code == .invalidArgument)
        let unknown = try await #require(throws: LoomError.self) { _ = try await h.service.listCampaigns(migrationId: "nope") }
        #expect(unknown.code == .notFound)
    }
}
