import LoomCore
import LoomTestSupport
import Testing

@Suite("Campaigns driven by the orchestrator (manual clock)")
struct CampaignOrchestratorTests {
    static let migration = "app-chart-migration"
    static let operatorID = "spiffe://loom.dev/operator"

    func harness(_ factory: StoreFactory, candidates: Int) async throws -> LoomHarness {
        try await LoomHarness.announced(
            factory, migration: Fixtures.migration(steps: ["s1"]), candidates: (0..<candidates).map { Fixtures.candidate("c\($0)") })
    }

    func request(cap: Int = 3, rate: Int = 1000, budget: FailureBudget = FailureBudget(), ids: [String]? = nil) -> CampaignRequest {
        CampaignRequest(
            id: "wave-1", migrationId: Self.migration, selection: ids.map { .candidates($0) } ?? .matching(CampaignFilter(CandidateFilter())),
            inputs: ["repoName": "shared"], pacing: CampaignPacing(maxInFlight: cap, maxStartsPerMinute: rate), budget: budget)
    }

    /// Reports the outcome of the single step of `candidate`'s run.
    func finish(_ h: LoomHarness, _ candidate: String, success: Bool = true) async throws {
        try await h.event("\(Self.migration)__\(candidate)", step: "s1", candidate: candidate, success: success, failureReason: success ? "" : "broken")
        await h.settle()
    }

    func running(_ h: LoomHarness) async throws -> [String] {
        try await h.store.campaignMembers(id: "wave-1", status: .running, from: 0, limit: 1000).members.map(\.candidateId)
    }

    @Test("the cap is never exceeded, every member is dispatched once, and the campaign completes", arguments: ScenarioStores.all)
    func capAndCompletion(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 10)
        let created = try await h.service.createCampaign(request(cap: 3), createdBy: Self.operatorID)
        #expect(created.counts == CampaignCounts(pending: 10))
        await h.advance(by: .zero)
        var finished = 0
        while finished < 10 {
            let active = try await running(h)
            #expect(active.count <= 3)
            #expect(h.migrator.dispatches.count == finished + active.count)
            guard let next = active.first else {
                Issue.record("nothing running with \(finished) finished")
                break
            }
            try await finish(h, next)
            finished += 1
            await h.advance(by: .zero)
        }
        let dispatched = h.migrator.dispatches.map(\.candidate.id)
        #expect(dispatched.count == 10 && Set(dispatched).count == 10)
        let done = try await h.service.campaign(id: "wave-1")
        #expect(done.state == .completed)
        #expect(done.counts == CampaignCounts(completed: 10))
        let run = try await h.service.run(migrationId: Self.migration, candidateId: "c0")
        #expect(run.campaignId == "wave-1" && run.startedBy == Self.operatorID && run.inputs["repoName"] == "shared")
        #expect(try await h.store.campaignHistory(id: "wave-1", limit: 0).map(\.kind) == [.created, .completed])
    }

    @Test("the rate holds over a sliding minute", arguments: ScenarioStores.all)
    func rate(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 5)
        _ = try await h.service.createCampaign(request(cap: 10, rate: 2), createdBy: Self.operatorID)
        await h.advance(by: .zero)
        #expect(h.migrator.dispatches.count == 2)
        await h.advance(by: .seconds(59))
        #expect(h.migrator.dispatches.count == 2)
        await h.advance(by: .seconds(1))
        #expect(h.migrator.dispatches.count == 4)
    }

    @Test("a spent budget pauses the campaign; resuming without a larger budget pauses it again; a raised one lets it go on", arguments: ScenarioStores.all)
    func budget(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 6)
        _ = try await h.service.createCampaign(request(cap: 2, budget: FailureBudget(maxFailures: 2)), createdBy: Self.operatorID)
        await h.advance(by: .zero)
        for candidate in try await running(h) { try await finish(h, candidate, success: false) }
        await h.advance(by: .zero)
        var campaign = try await h.service.campaign(id: "wave-1")
        #expect(campaign.state == .paused)
        #expect(campaign.stateReason == "failure budget spent: 2 failed runs (limit 2)")
        #expect(campaign.counts == CampaignCounts(pending: 4, failed: 2))
        await h.advance(by: .seconds(5))
        #expect(h.migrator.dispatches.count == 2)

        _ = try await h.service.resumeCampaign(id: "wave-1", by: Self.operatorID)
        await h.advance(by: .zero)
        #expect(try await h.service.campaign(id: "wave-1").state == .paused)
        _ = try await h.service.changeCampaign(
            id: "wave-1", pacing: CampaignPacing(maxInFlight: 2, maxStartsPerMinute: 1000), budget: FailureBudget(maxFailures: 5), by: Self.operatorID)
        _ = try await h.service.resumeCampaign(id: "wave-1", by: Self.operatorID)
        await h.advance(by: .zero)
        campaign = try await h.service.campaign(id: "wave-1")
        #expect(campaign.state == .running && campaign.counts.running == 2)
        #expect(try await h.store.campaignHistory(id: "wave-1", limit: 0).map(\.kind) == [.created, .budgetSpent, .resumed, .budgetSpent, .changed, .resumed])
    }

    @Test("a candidate already running is skipped and reported, not restarted", arguments: ScenarioStores.all)
    func skipsRunning(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 3)
        _ = try await h.service.startRun(migrationId: Self.migration, candidateId: "c1", inputs: ["repoName": "mine"], startedBy: "alice")
        await h.settle()
        _ = try await h.service.createCampaign(request(cap: 5), createdBy: Self.operatorID)
        await h.advance(by: .zero)
        let skipped = try await h.store.campaignMembers(id: "wave-1", status: .skipped, from: 0, limit: 10).members
        #expect(skipped.map(\.candidateId) == ["c1"])
        #expect(skipped.first?.note.contains("running") == true)
        let c1 = try await h.service.run(migrationId: Self.migration, candidateId: "c1")
        #expect(c1.campaignId == "" && c1.startedBy == "alice" && c1.generation == 1)
        #expect(try await h.service.campaign(id: "wave-1").counts == CampaignCounts(running: 2, skipped: 1))
    }

    @Test("pausing stops new starts at once; cancelling with runs cancels them and the pending members", arguments: ScenarioStores.all)
    func pauseAndCancel(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 6)
        _ = try await h.service.createCampaign(request(cap: 2), createdBy: Self.operatorID)
        await h.advance(by: .zero)
        _ = try await h.service.pauseCampaign(id: "wave-1", by: Self.operatorID, reason: "lunch")
        try await finish(h, try await running(h)[0])
        await h.advance(by: .seconds(1))
        #expect(h.migrator.dispatches.count == 2)
        let (cancelled, runs) = try await h.service.cancelCampaign(id: "wave-1", by: Self.operatorID, cancelRuns: true)
        #expect(runs == 1)
        #expect(cancelled.state == .cancelled)
        #expect(cancelled.counts == CampaignCounts(completed: 1, cancelled: 5))
        #expect(cancelled.counts.total == 6)
        await h.advance(by: .seconds(1))
        #expect(h.migrator.dispatches.count == 2)
        await expectLoomError(.failedPrecondition) { _ = try await h.service.resumeCampaign(id: "wave-1", by: Self.operatorID) }
    }

    @Test("failed members are retried under the cap (the same run, a new attempt); a completed campaign runs again", arguments: ScenarioStores.all)
    func retryFailed(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 3)
        _ = try await h.service.createCampaign(request(cap: 2), createdBy: Self.operatorID)
        for _ in 0..<3 {
            await h.advance(by: .zero)
            for candidate in try await running(h) { try await finish(h, candidate, success: false) }
        }
        await h.advance(by: .zero)
        #expect(try await h.service.campaign(id: "wave-1").state == .completed)
        #expect(try await h.service.campaign(id: "wave-1").counts == CampaignCounts(failed: 3))

        let (reopened, requeued) = try await h.service.retryFailedCampaignMembers(id: "wave-1", by: Self.operatorID)
        #expect(requeued == 3 && reopened.state == .running && reopened.counts == CampaignCounts(pending: 3))
        await h.advance(by: .zero)
        #expect(try await running(h).count == 2)
        while let next = try await running(h).first {
            try await finish(h, next)
            await h.advance(by: .zero)
            #expect(try await running(h).count <= 2)
        }
        let done = try await h.service.campaign(id: "wave-1")
        #expect(done.state == .completed && done.counts == CampaignCounts(completed: 3))
        for candidate in ["c0", "c1", "c2"] {
            #expect(h.migrator.dispatches.filter { $0.candidate.id == candidate }.map(\.attempt) == [1, 2])
            let run = try await h.service.run(migrationId: Self.migration, candidateId: candidate)
            #expect(run.generation == 1 && run.status == .completed)
        }
        #expect(try await h.store.campaignHistory(id: "wave-1", limit: 0).map(\.kind) == [.created, .completed, .retried, .completed])
    }

    @Test("skipped members are never started; members not pending are left alone", arguments: ScenarioStores.all)
    func skipMembers(factory: StoreFactory) async throws {
        let h = try await harness(factory, candidates: 3)
        _ = try await h.service.createCampaign(request(cap: 1, ids: ["c0", "c1", "c2"]), createdBy: Self.operatorID)
        await h.advance(by: .zero)
        let (campaign, skipped) = try await h.service.skipCampaignMembers(id: "wave-1", candidateIds: ["c0", "c2"], by: Self.operatorID, reason: "frozen")
        #expect(skipped == 1)
        #expect(campaign.counts == CampaignCounts(pending: 1, running: 1, skipped: 1))
        try await finish(h, "c0")
        await h.advance(by: .zero)
        try await finish(h, "c1")
        await h.advance(by: .zero)
        #expect(Set(h.migrator.dispatches.map(\.candidate.id)) == ["c0", "c1"])
        let done = try await h.service.campaign(id: "wave-1")
        #expect(done.state == .completed && done.counts == CampaignCounts(completed: 2, skipped: 1))
        let members = try await h.store.campaignMembers(id: "wave-1", status: .skipped, from: 0, limit: 10).members
        #expect(members.map(\.note) == ["skipped by \(Self.operatorID): frozen"])
    }

    @Test("bad requests are refused with the field named, and create nothing")
    func badRequests() async throws {
        let h = try await harness(.inMemory, candidates: 3)
        var unknown = request()
        unknown.migrationId = "nope"
        await expectLoomError(.notFound) { _ = try await h.service.createCampaign(unknown, createdBy: Self.operatorID) }
        var empty = request()
        empty.selection = .matching(CampaignFilter(CandidateFilter(idPrefix: "zzz")))
        let none = await expectLoomError(.invalidArgument) { _ = try await h.service.createCampaign(empty, createdBy: Self.operatorID) }
        #expect(none?.message.contains("selection matches no candidate") == true)
        var stray = request(ids: ["c0"])
        stray.memberInputs = ["c2": ["repoName": "x"]]
        let strayError = await expectLoomError(.invalidArgument) { _ = try await h.service.createCampaign(stray, createdBy: Self.operatorID) }
        #expect(strayError?.message == "member_inputs names c2, which is not in the selection")
        await expectLoomError(.invalidArgument) { _ = try await h.service.createCampaign(request(cap: 0), createdBy: Self.operatorID) }
        await expectLoomError(.notFound) { _ = try await h.service.createCampaign(request(ids: ["c0", "ghost"]), createdBy: Self.operatorID) }
        await expectLoomError(.invalidArgument) { _ = try await h.service.createCampaign(request(ids: ["c0", "c0"]), createdBy: Self.operatorID) }
        var lacking = request()
        lacking.inputs = [:]
        let lackingError = await expectLoomError(.invalidArgument) { _ = try await h.service.createCampaign(lacking, createdBy: Self.operatorID) }
        #expect(lackingError?.message == "3 members lack required inputs: c0 (repoName); c1 (repoName); c2 (repoName)")
        #expect(try await h.store.campaigns(migrationId: nil, after: nil, limit: 10).isEmpty)
        await h.advance(by: .seconds(1))
        #expect(h.migrator.dispatches.isEmpty)
    }
}
