import LoomCore
import LoomTestSupport
import Testing

/// Builders for campaign contract tests.
private enum CampaignBuild {
    static func campaign(_ id: String = "wave-1", migration: String = "m1", cap: Int = 2, rate: Int = 100, members: Int) -> Campaign {
        Campaign(
            id: id, migrationId: migration, createdBy: "spiffe://loom.dev/operator", createdAt: Build.t0,
            pacing: CampaignPacing(maxInFlight: cap, maxStartsPerMinute: rate), counts: CampaignCounts(members: UInt64(members)))
    }

    static func create(
        _ store: any LoomStore, _ campaign: Campaign, members: [String], inputs: [String: [String: String]] = [:], timer: Timestamp? = nil
    ) async throws -> Campaign {
        let write = CampaignWrite(
            campaign: campaign, expectedVersion: 0,
            members: members.map { CampaignMember(candidateId: $0, inputs: inputs[$0] ?? [:]) },
            event: CampaignEvent(at: Build.t0, kind: .created, by: campaign.createdBy), timerDueAt: timer)
        guard case .applied(let stored) = try await store.apply(write) else { throw LoomError.internal("campaign creation failed") }
        return stored
    }

    /// The start of `candidate`'s first run by campaign `id` at `now`.
    static func start(_ id: String, _ candidate: String, at now: Timestamp = Build.t0, generation: UInt32 = 1, expectedVersion: UInt64 = 0) -> CampaignStart {
        var run = Build.run(Build.runID("m1", candidate), generation: generation)
        run.campaignId = id
        run.updatedAt = now
        let write = RunWrite(
            run: run, expectedVersion: expectedVersion, candidateStatus: CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted]),
            history: [Build.entry(.runStarted)])
        return CampaignStart(campaignId: id, candidateId: candidate, run: write, now: now)
    }

    static func started(_ outcome: CampaignStartOutcome) throws -> Run {
        guard case .started(let run) = outcome else { throw LoomError.internal("not started: \(outcome)") }
        return run
    }
}

@Suite("CampaignStore contract")
struct CampaignStoreContractTests {
    @Test("a campaign is created with every member pending, in order, once; its id is unique across migrations", arguments: StoreFactories.all)
    func creation(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store, candidates: ["c1", "c2", "c3"])
        try await Build.seed(store, id: "m2", candidates: ["c1"])
        let created = try await CampaignBuild.create(store, CampaignBuild.campaign(members: 3), members: ["c3", "c1", "c2"], inputs: ["c1": ["team": "x"]])
        #expect(created.version == 1)
        let read = try await store.campaign(id: "wave-1")
        #expect(read == created)
        #expect(read.counts == CampaignCounts(pending: 3))
        let page = try await store.campaignMembers(id: "wave-1", status: nil, from: 0, limit: 10)
        #expect(page.members.map(\.candidateId) == ["c3", "c1", "c2"])
        #expect(page.members.map(\.status) == [.pending, .pending, .pending])
        #expect(page.members[1].inputs == ["team": "x"])
        #expect(page.next == nil)
        let first = try await store.campaignMembers(id: "wave-1", status: nil, from: 0, limit: 2)
        #expect(first.members.map(\.candidateId) == ["c3", "c1"])
        #expect(try await store.campaignMembers(id: "wave-1", status: nil, from: first.next ?? -1, limit: 2).members.map(\.candidateId) == ["c2"])

        // Again with the same id: a conflict carrying the stored campaign; from another migration: refused.
        let again = CampaignWrite(
            campaign: CampaignBuild.campaign(members: 1), expectedVersion: 0, members: [CampaignMember(candidateId: "c1")],
            event: CampaignEvent(at: Build.t0, kind: .created), timerDueAt: nil)
        #expect(try await store.apply(again) == .conflict(current: created))
        let elsewhere = CampaignWrite(
            campaign: CampaignBuild.campaign(migration: "m2", members: 1), expectedVersion: 0, members: [CampaignMember(candidateId: "c1")],
            event: CampaignEvent(at: Build.t0, kind: .created), timerDueAt: nil)
        await #expect(throws: LoomError.self) { try await store.apply(elsewhere) }
        #expect(try await store.campaigns(migrationId: nil, after: nil, limit: 10).map(\.id) == ["wave-1"])
        #expect(try await store.campaigns(migrationId: "m2", after: nil, limit: 10).isEmpty)
        await #expect(throws: LoomError.campaignNotFound("nope")) { try await store.campaign(id: "nope") }
    }

    @Test("a start is refused at the cap, and at the rate until the window frees; refusals write nothing", arguments: StoreFactories.all)
    func capAndRate(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store, candidates: ["c1", "c2", "c3", "c4"])
        _ = try await CampaignBuild.create(store, CampaignBuild.campaign(cap: 2, rate: 3, members: 4), members: ["c1", "c2", "c3", "c4"])
        let c1 = try CampaignBuild.started(try await store.start(CampaignBuild.start("wave-1", "c1")))
        #expect(c1.campaignId == "wave-1")
        _ = try CampaignBuild.started(try await store.start(CampaignBuild.start("wave-1", "c2", at: Build.at(1))))
        // At the cap: refused, and c3 stays pending with no run.
        #expect(try await store.start(CampaignBuild.start("wave-1", "c3", at: Build.at(2))) == .refused)
        await #expect(throws: LoomError.self) { try await store.run(id: Build.runID("m1", "c3")) }
        #expect(try await store.campaign(id: "wave-1").counts == CampaignCounts(pending: 2, running: 2))

        // c1 completes: its place frees, and the campaign's timer is pulled to the write's time.
        var done = c1
        done.status = .completed
        done.updatedAt = Build.at(3)
        #expect(try await store.apply(RunWrite(run: done, expectedVersion: 1, history: [])) != .campaignFull(campaignId: "wave-1"))
        #expect(try await store.campaign(id: "wave-1").counts == CampaignCounts(pending: 2, running: 1, completed: 1))
        let claimed = try await store.claimDueCampaigns(partition: partition(store, "m1"), now: Build.at(3), lease: .seconds(30), limit: 10)
        #expect(claimed.map(\.id) == ["wave-1"])

        // The rate: 3 starts a minute. c3 is the third; c4 is refused until the first start is a minute old.
        _ = try CampaignBuild.started(try await store.start(CampaignBuild.start("wave-1", "c3", at: Build.at(4))))
        #expect(try await store.campaignStartWindow(id: "wave-1", now: Build.at(4)) == CampaignStartWindow(count: 3, oldest: Build.t0))
        var c3Done = try await store.run(id: Build.runID("m1", "c3"))
        c3Done.status = .completed
        _ = try await store.apply(RunWrite(run: c3Done, expectedVersion: c3Done.version, history: []))
        #expect(try await store.start(CampaignBuild.start("wave-1", "c4", at: Build.at(59))) == .refused)
        _ = try CampaignBuild.started(try await store.start(CampaignBuild.start("wave-1", "c4", at: Build.at(60))))
        #expect(try await store.campaign(id: "wave-1").counts == CampaignCounts(running: 2, completed: 2))
        // A member already started is never started again.
        #expect(try await store.start(CampaignBuild.start("wave-1", "c4", at: Build.at(200), generation: 2, expectedVersion: 1)) == .refused)
    }

    @Test("a candidate that is not free is skipped with the reason, and counted", arguments: StoreFactories.all)
    func skipsBusyCandidates(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store, candidates: ["c1", "c2"])
        // c1 started by hand.
        _ = try await Build.create(store, Build.run(), candidate: CandidateStatusChange(newStatus: .running, requiredCurrent: [.notStarted]))
        _ = try await CampaignBuild.create(store, CampaignBuild.campaign(members: 2), members: ["c1", "c2"])
        // A start that read a stale version of the run conflicts and writes nothing.
        #expect(try await store.start(CampaignBuild.start("wave-1", "c1", generation: 2, expectedVersion: 0)) == .runConflict(current: try await store.run(id: Build.runID())))
        // With the current version, the candidate precondition decides: skipped, and the hand-started run is untouched.
        #expect(try await store.start(CampaignBuild.start("wave-1", "c1", generation: 2, expectedVersion: 1)) == .skipped(note: "candidate was running when the campaign reached it"))
        #expect(try await store.run(id: Build.runID()).campaignId == "")
        #expect(try await store.start(CampaignBuild.start("wave-1", "c1", generation: 2, expectedVersion: 1)) == .refused)
        let members = try await store.campaignMembers(id: "wave-1", status: .skipped, from: 0, limit: 10).members
        #expect(members.map(\.candidateId) == ["c1"])
        #expect(members.first?.note == "candidate was running when the campaign reached it")
        #expect(try await store.campaign(id: "wave-1").counts == CampaignCounts(pending: 1, skipped: 1))
    }

    @Test("a failed member frees its place; its retry is refused while the campaign is at its cap", arguments: StoreFactories.all)
    func retryAtTheCap(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store, candidates: ["c1", "c2"])
        _ = try await CampaignBuild.create(store, CampaignBuild.campaign(cap: 1, members: 2), members: ["c1", "c2"])
        var c1 = try CampaignBuild.started(try await store.start(CampaignBuild.start("wave-1", "c1")))
        c1.status = .waitingRetry
        guard case .applied(let failed) = try await store.apply(RunWrite(run: c1, expectedVersion: 1, history: [])) else {
            Issue.record("failure not applied")
            return
        }
        #expect(try await store.campaign(id: "wave-1").counts == CampaignCounts(pending: 1, failed: 1))
        _ = try CampaignBuild.started(try await store.start(CampaignBuild.start("wave-1", "c2", at: Build.at(1))))
        var retried = failed
        retried.status = .running
        #expect(try await store.apply(RunWrite(run: retried, expectedVersion: 2, history: [])) == .campaignFull(campaignId: "wave-1"))
        #expect(try await store.run(id: c1.id).status == .waitingRetry)
        var c2 = try await store.run(id: Build.runID("m1", "c2"))
        c2.status = .cancelled
        _ = try await store.apply(RunWrite(run: c2, expectedVersion: c2.version, history: []))
        guard case .applied = try await store.apply(RunWrite(run: retried, expectedVersion: 2, history: [])) else {
            Issue.record("retry below the cap not applied")
            return
        }
        #expect(try await store.campaign(id: "wave-1").counts == CampaignCounts(running: 1, cancelled: 1))
    }

    @Test("record changes are version-checked; a paused campaign starts nothing; events are kept in order", arguments: StoreFactories.all)
    func pauseAndHistory(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store, candidates: ["c1"])
        let created = try await CampaignBuild.create(store, CampaignBuild.campaign(members: 1), members: ["c1"], timer: Build.t0)
        var paused = created
        paused.state = .paused
        paused.stateReason = "paused by an operator"
        let event = CampaignEvent(at: Build.at(1), kind: .paused, by: "op", detail: "lunch")
        guard case .applied(let stored) = try await store.apply(CampaignWrite(campaign: paused, expectedVersion: 1, event: event, timerDueAt: nil)) else {
            Issue.record("pause not applied")
            return
        }
        #expect(stored.version == 2 && stored.state == .paused && stored.counts == CampaignCounts(pending: 1))
        #expect(try await store.apply(CampaignWrite(campaign: created, expectedVersion: 1, event: event, timerDueAt: nil)) == .conflict(current: stored))
        #expect(try await store.start(CampaignBuild.start("wave-1", "c1")) == .refused)
        #expect(try await store.campaignHistory(id: "wave-1", limit: 0).map(\.kind) == [.created, .paused])
        #expect(try await store.campaignHistory(id: "wave-1", limit: 1) == [event])
        #expect(try await store.claimDueCampaigns(partition: partition(store, "m1"), now: Build.at(10), lease: .seconds(30), limit: 10).isEmpty)
    }

    @Test("a claimed timer is settled unless a run write woke it meanwhile", arguments: StoreFactories.all)
    func timers(factory: StoreFactory) async throws {
        let store = try await factory()
        try await Build.seed(store, candidates: ["c1"])
        _ = try await CampaignBuild.create(store, CampaignBuild.campaign(members: 1), members: ["c1"], timer: Build.t0)
        let p = try partition(store, "m1")
        let claims = try await store.claimDueCampaigns(partition: p, now: Build.at(1), lease: .seconds(30), limit: 10)
        #expect(claims.map(\.id) == ["wave-1"] && claims.first?.leasedUntil == Build.at(31))
        #expect(try await store.claimDueCampaigns(partition: p, now: Build.at(2), lease: .seconds(30), limit: 10).isEmpty)
        try await store.settleCampaignTimer(id: "wave-1", leasedUntil: Build.at(31), due: Build.at(50))
        #expect(try await store.claimDueCampaigns(partition: p, now: Build.at(49), lease: .seconds(30), limit: 10).isEmpty)
        let again = try await store.claimDueCampaigns(partition: p, now: Build.at(50), lease: .seconds(30), limit: 10)
        // The member's run leaves running while the claim is held: the wake wins over the settle.
        var run = try CampaignBuild.started(try await store.start(CampaignBuild.start("wave-1", "c1", at: Build.at(51))))
        run.status = .completed
        run.updatedAt = Build.at(52)
        _ = try await store.apply(RunWrite(run: run, expectedVersion: 1, history: []))
        try await store.settleCampaignTimer(id: "wave-1", leasedUntil: again[0].leasedUntil, due: nil)
        #expect(try await store.claimDueCampaigns(partition: p, now: Build.at(52), lease: .seconds(30), limit: 10).map(\.id) == ["wave-1"])
    }

    private func partition(_ store: any LoomStore, _ migration: String) throws -> Int {
        StorePartitioning.partition(ofMigration: migration, count: store.timerPartitionCount)
    }
}
