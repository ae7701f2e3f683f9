import Foundation
import LoomCore
import LoomProto
import LoomTLS
import LoomTestSupport
import Testing

@testable import LoomAPIService
@testable import LoomRPC

/// The campaign methods over the RPC face: wire ↔ domain mapping, paging with signed tokens, the caller's
/// identity as the creator, and the authorization policy (campaign writes are operator methods of their own).
@Suite("Campaigns over RPC")
struct CampaignRPCTests {
    static let operatorIdentity = PeerIdentity(value: "spiffe://loom.dev/operator/alice", source: .uri)

    static func context(_ method: LoomMethod, identity: PeerIdentity? = operatorIdentity) -> RPCHandlerContext {
        RPCHandlerContext(
            method: method.path, deadline: nil, metadata: [:], peer: RPCPeer(identity: identity, remoteAddress: "test"), callID: 1,
            connectionLogger: LoomHarness.quietLogger)
    }

    /// A harness with `count` candidates `org/app-NN` (team payments for even NN) and the RPC service over it.
    static func harness(candidates count: Int = 6) async throws -> (LoomHarness, LoomRPCService) {
        let harness = LoomHarness(store: try await StoreFactory.inMemory())
        let candidates = (0..<count).map {
            Fixtures.candidate("org/app-\($0 < 10 ? "0" : "")\($0)", metadata: ["team": $0.isMultiple(of: 2) ? "payments" : "search"])
        }
        try await harness.announce(Fixtures.migration(), candidates: candidates)
        let policy = AuthorizationPolicy(rules: [.init(kind: .uri, pattern: "spiffe://loom.dev/operator/*", roles: [.operator])])
        return (harness, LoomRPCService(service: harness.service, access: CallerAccess(policy: policy)))
    }

    static func create(_ body: (inout CreateCampaignRequest) -> Void = { _ in }) -> CreateCampaignRequest {
        var request = CreateCampaignRequest(
            campaignID: "c1", migrationID: "app-chart-migration", inputs: ["repoName": "shared"], maxInFlight: 2, maxStartsPerMinute: 60)
        body(&request)
        return request
    }

    @Test("preview resolves the filter and writes nothing; create stores it with the caller as creator")
    func previewThenCreate() async throws {
        let (harness, rpc) = try await Self.harness()
        let request = Self.create {
            $0.metadata = ["team": "payments"]
            $0.memberInputs = [CampaignMemberInputs(candidateID: "org/app-02", inputs: ["repoName": "two"])]
            $0.maxFailures = 3
            $0.maxFailurePercent = 12.5
            $0.preview = true
        }
        let preview = try await rpc.createCampaign(request, context: Self.context(.createCampaign))
        #expect(preview.memberCount == 3)
        #expect(preview.members.map(\.candidateID) == ["org/app-00", "org/app-02", "org/app-04"])
        #expect(preview.members[1].inputs == ["repoName": "two"])
        #expect(preview.campaign?.createdBy == Self.operatorIdentity.value)
        #expect(preview.campaign?.explicitCandidates == false)
        #expect(preview.campaign?.filterMetadata == ["team": "payments"])
        #expect(preview.campaign?.counts == CampaignCounts(pending: 3))
        let absent = try await #require(throws: LoomError.self) { _ = try await harness.service.campaign(id: "c1") }
        #expect(absent.code == .notFound)

        var real = request
        real.preview = false
        let created = try await rpc.createCampaign(real, context: Self.context(.createCampaign))
        #expect(created.members.isEmpty)
        #expect(created.memberCount == 3)
        let campaign = try #require(created.campaign)
        #expect(campaign.id == "c1" && campaign.state == .running && campaign.version > 0)
        #expect(campaign.maxInFlight == 2 && campaign.maxStartsPerMinute == 60)
        #expect(campaign.maxFailures == 3 && campaign.maxFailurePercent == 12.5 && campaign.minimumFinished == 20)
        #expect(campaign.createdBy == Self.operatorIdentity.value)
        #expect(try await rpc.getCampaign(GetCampaignRequest(campaignID: "c1"), context: Self.context(.getCampaign)) == campaign)
        let stored = try await harness.service.campaign(id: "c1")
        #expect(stored.budget == FailureBudget(maxFailures: 3, maxFailurePercent: 12.5))
        #expect(stored.filter == CampaignFilter(CandidateFilter(metadata: ["team": "payments"])))
    }

    @Test("bad requests are INVALID_ARGUMENT naming the field, and create nothing")
    func badRequests() async throws {
        let (harness, rpc) = try await Self.harness()
        let cases: [(CreateCampaignRequest, String)] = [
            (Self.create { $0.maxInFlight = 0 }, "max_in_flight"),
            (Self.create { $0.maxInFlight = 10_001 }, "max_in_flight"),
            (Self.create { $0.maxStartsPerMinute = 0 }, "max_starts_per_minute"),
            (Self.create { $0.maxFailurePercent = 100.5 }, "max_failure_percent"),
            (Self.create { $0.status = .unrecognized(9) }, "status"),
            (Self.create { $0.idPrefix = "nothing/" }, "selection matches no candidate"),
            (Self.create { $0.candidateIDs = ["org/app-01", "org/app-01"] }, "selection lists org/app-01 twice"),
            (
                Self.create {
                    $0.candidateIDs = ["org/app-01"]
                    $0.memberInputs = [CampaignMemberInputs(candidateID: "org/app-01"), CampaignMemberInputs(candidateID: "org/app-01")]
                }, "member_inputs names org/app-01 twice"
            ),
            (
                Self.create {
                    $0.candidateIDs = ["org/app-01"]
                    $0.memberInputs = [CampaignMemberInputs(candidateID: "org/app-03", inputs: ["repoName": "x"])]
                }, "member_inputs names org/app-03"
            ),
        ]
        for (request, text) in cases {
            let error = try await #require(throws: LoomError.self, "\(text)") {
                _ = try await rpc.createCampaign(request, context: Self.context(.createCampaign))
            }
            #expect(error.code == .invalidArgument, "\(text)")
            #expect(error.message.contains(text), "\(error.message)")
            #expect(error.rpcError.code == .invalidArgument)
        }
        #expect(try await harness.service.listCampaigns().campaigns.isEmpty)
        let unknown = try await #require(throws: LoomError.self) {
            _ = try await rpc.createCampaign(Self.create { $0.migrationID = "nope" }, context: Self.context(.createCampaign))
        }
        #expect(unknown.rpcError.code == .notFound)
    }

    @Test("campaigns and members page with signed tokens; a token of another listing is refused")
    func paging() async throws {
        let (_, rpc) = try await Self.harness(candidates: 5)
        for id in ["c1", "c2", "c3"] {
            _ = try await rpc.createCampaign(Self.create { $0.campaignID = id }, context: Self.context(.createCampaign))
        }
        var ids: [String] = []
        var token = ""
        repeat {
            let page = try await rpc.listCampaigns(
                ListCampaignsRequest(migrationID: "app-chart-migration", pageSize: 2, pageToken: token), context: Self.context(.listCampaigns))
            ids += page.campaigns.map(\.id)
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(ids == ["c1", "c2", "c3"])
        let all = try await rpc.listCampaigns(ListCampaignsRequest(), context: Self.context(.listCampaigns))
        #expect(all.campaigns.map(\.id) == ["c1", "c2", "c3"] && all.nextPageToken.isEmpty)

        var members: [String] = []
        token = ""
        var pages = 0
        repeat {
            let page = try await rpc.listCampaignMembers(
                ListCampaignMembersRequest(campaignID: "c2", pageSize: 2, pageToken: token), context: Self.context(.listCampaignMembers))
            members += page.members.map(\.candidateID)
            token = page.nextPageToken
            pages += 1
        } while !token.isEmpty
        #expect(members == (0..<5).map { "org/app-0\($0)" })
        #expect(pages == 3)
        let pending = try await rpc.listCampaignMembers(
            ListCampaignMembersRequest(campaignID: "c2", status: .pending), context: Self.context(.listCampaignMembers))
        #expect(pending.members.count == 5 && pending.members.allSatisfy { $0.status == .pending })
        let none = try await rpc.listCampaignMembers(
            ListCampaignMembersRequest(campaignID: "c2", status: .failed), context: Self.context(.listCampaignMembers))
        #expect(none.members.isEmpty && none.nextPageToken.isEmpty)

        let first = try await rpc.listCampaignMembers(
            ListCampaignMembersRequest(campaignID: "c2", pageSize: 2), context: Self.context(.listCampaignMembers))
        for request in [
            ListCampaignMembersRequest(campaignID: "c3", pageSize: 2, pageToken: first.nextPageToken),
            ListCampaignMembersRequest(campaignID: "c2", status: .pending, pageSize: 2, pageToken: first.nextPageToken),
            ListCampaignMembersRequest(campaignID: "c2", pageSize: 2, pageToken: first.nextPageToken + "x"),
        ] {
            let error = try await #require(throws: LoomError.self) {
                _ = try await rpc.listCampaignMembers(request, context: Self.context(.listCampaignMembers))
            }
            #expect(error.code == .invalidArgument && error.message.contains("page_token"))
        }
        let campaignsPage = try await rpc.listCampaigns(ListCampaignsRequest(pageSize: 1), context: Self.context(.listCampaigns))
        let wrongMigration = try await #require(throws: LoomError.self) {
            _ = try await rpc.listCampaigns(
                ListCampaignsRequest(migrationID: "app-chart-migration", pageSize: 1, pageToken: campaignsPage.nextPageToken),
                context: Self.context(.listCampaigns))
        }
        #expect(wrongMigration.code == .invalidArgument)
        let tooLarge = try await #require(throws: LoomError.self) {
            _ = try await rpc.listCampaigns(ListCampaignsRequest(pageSize: 1001), context: Self.context(.listCampaigns))
        }
        #expect(tooLarge.message.contains("page_size"))
        let atLimit = try await rpc.listCampaigns(ListCampaignsRequest(pageSize: 1000), context: Self.context(.listCampaigns))
        #expect(atLimit.campaigns.count == 3)
        let unknownStatus = try await #require(throws: LoomError.self) {
            _ = try await rpc.listCampaignMembers(
                ListCampaignMembersRequest(campaignID: "c2", status: .unrecognized(77)), context: Self.context(.listCampaignMembers))
        }
        #expect(unknownStatus.message.hasPrefix("status"))
    }

    @Test("pause, resume, update and cancel act as the caller and land in the history")
    func operations() async throws {
        let (harness, rpc) = try await Self.harness(candidates: 4)
        _ = try await rpc.createCampaign(Self.create { $0.maxInFlight = 1 }, context: Self.context(.createCampaign))
        let paused = try await rpc.pauseCampaign(PauseCampaignRequest(campaignID: "c1", reason: "lunch"), context: Self.context(.pauseCampaign))
        #expect(paused.state == .paused)
        #expect(paused.stateReason == "paused by \(Self.operatorIdentity.value): lunch")
        let resumed = try await rpc.resumeCampaign(ResumeCampaignRequest(campaignID: "c1"), context: Self.context(.resumeCampaign))
        #expect(resumed.state == .running && resumed.stateReason.isEmpty)

        // 0 keeps a pacing value; the budget changes only when asked.
        let faster = try await rpc.updateCampaign(
            UpdateCampaignRequest(campaignID: "c1", maxStartsPerMinute: 120), context: Self.context(.updateCampaign))
        #expect(faster.maxInFlight == 1 && faster.maxStartsPerMinute == 120 && faster.maxFailures == 0)
        let budgeted = try await rpc.updateCampaign(
            UpdateCampaignRequest(campaignID: "c1", maxInFlight: 3, updateBudget: true, maxFailures: 2, minimumFinished: 5),
            context: Self.context(.updateCampaign))
        #expect(budgeted.maxInFlight == 3 && budgeted.maxStartsPerMinute == 120)
        #expect(budgeted.maxFailures == 2 && budgeted.maxFailurePercent == 0 && budgeted.minimumFinished == 5)
        let badUpdate = try await #require(throws: LoomError.self) {
            _ = try await rpc.updateCampaign(UpdateCampaignRequest(campaignID: "c1", maxInFlight: 10_001), context: Self.context(.updateCampaign))
        }
        #expect(badUpdate.code == .invalidArgument && badUpdate.message.contains("max_in_flight"))

        await harness.advance(by: .seconds(1))
        let cancelled = try await rpc.cancelCampaign(
            CancelCampaignRequest(campaignID: "c1", cancelRuns: true), context: Self.context(.cancelCampaign))
        let campaign = try #require(cancelled.campaign)
        #expect(campaign.state == .cancelled)
        #expect(cancelled.runsCancelled == UInt32(budgeted.maxInFlight))
        #expect(campaign.counts?.pending == 0 && campaign.counts?.running == 0)
        #expect(campaign.counts?.cancelled == 4)
        let again = try await #require(throws: LoomError.self) {
            _ = try await rpc.resumeCampaign(ResumeCampaignRequest(campaignID: "c1"), context: Self.context(.resumeCampaign))
        }
        #expect(again.rpcError.code == .failedPrecondition)

        let history = try await rpc.getCampaignHistory(GetCampaignHistoryRequest(campaignID: "c1"), context: Self.context(.getCampaignHistory))
        #expect(history.events.map(\.kind) == [.created, .paused, .resumed, .changed, .changed, .cancelled])
        #expect(history.events.dropFirst().allSatisfy { $0.by == Self.operatorIdentity.value })
        #expect(history.events[1].detail == "lunch")
        let last = try await rpc.getCampaignHistory(
            GetCampaignHistoryRequest(campaignID: "c1", limit: 2), context: Self.context(.getCampaignHistory))
        #expect(last.events.map(\.kind) == [.changed, .cancelled])
        let missing = try await #require(throws: LoomError.self) {
            _ = try await rpc.getCampaignHistory(GetCampaignHistoryRequest(campaignID: "c9"), context: Self.context(.getCampaignHistory))
        }
        #expect(missing.rpcError.code == .notFound)
    }

    @Test("campaign writes are operator methods of their own; viewers read; a role with StartRun only cannot create one")
    func authorization() async throws {
        let json = """
            {
              "identities": [
                { "uri": "spiffe://loom.dev/operator/*", "roles": ["operator"] },
                { "cn": "auditor", "roles": ["viewer"] },
                { "cn": "runner", "roles": ["migrator"] }
              ],
              "roles": { "migrator": ["StartRun", "GetRun", "GetCampaign"] }
            }
            """
        let authorizer = PolicyAuthorizer(access: CallerAccess(policy: try AuthorizationPolicy.parse(Data(json.utf8))))
        let operatorPeer = RPCPeer(identity: Self.operatorIdentity, remoteAddress: "t")
        let viewer = RPCPeer(identity: PeerIdentity(value: "auditor", source: .commonName), remoteAddress: "t")
        let runner = RPCPeer(identity: PeerIdentity(value: "runner", source: .commonName), remoteAddress: "t")
        let writes: [LoomMethod] = [.createCampaign, .pauseCampaign, .resumeCampaign, .updateCampaign, .cancelCampaign]
        let reads: [LoomMethod] = [.getCampaign, .listCampaigns, .listCampaignMembers, .getCampaignHistory]
        for method in writes + reads {
            #expect(await authorizer.authorize(peer: operatorPeer, method: method.path, metadata: [:]) == .allow, "\(method)")
        }
        for method in reads {
            #expect(await authorizer.authorize(peer: viewer, method: method.path, metadata: [:]) == .allow, "\(method)")
        }
        for method in writes {
            guard case .permissionDenied = await authorizer.authorize(peer: viewer, method: method.path, metadata: [:]) else {
                Issue.record("a viewer may not call \(method.name)")
                continue
            }
        }
        #expect(await authorizer.authorize(peer: runner, method: LoomMethod.startRun.path, metadata: [:]) == .allow)
        guard case .permissionDenied = await authorizer.authorize(peer: runner, method: LoomMethod.createCampaign.path, metadata: [:]) else {
            Issue.record("a role granted StartRun but not CreateCampaign may not create a campaign")
            return
        }
        #expect(Role.viewer.defaultMethods.isSuperset(of: reads.map(\.name)))
        #expect(Role.operator.defaultMethods.isSuperset(of: (writes + reads).map(\.name)))
        #expect(Role.migrator.defaultMethods.isDisjoint(with: (writes + reads).map(\.name)))
    }

    @Test("a caller scoped to its own migrations reads only their campaigns")
    func scopedReads() async throws {
        let (harness, _) = try await Self.harness(candidates: 2)
        _ = try await harness.service.createCampaign(
            CampaignRequest(
                id: "c1", migrationId: "app-chart-migration", selection: .candidates(["org/app-00"]), inputs: ["repoName": "r"],
                pacing: CampaignPacing(maxInFlight: 1, maxStartsPerMinute: 1)),
            createdBy: "op")
        let stranger = CallerScope.migrator(identity: "spiffe://loom.dev/migrator/other")
        for read in [
            { _ = try await harness.service.campaign(id: "c1", scope: stranger) },
            { _ = try await harness.service.listCampaignMembers(id: "c1", scope: stranger) },
            { _ = try await harness.service.campaignHistory(id: "c1", scope: stranger) },
            { _ = try await harness.service.listCampaigns(migrationId: "app-chart-migration", scope: stranger) },
            { _ = try await harness.service.listCampaigns(scope: stranger) },
        ] as [@Sendable () async throws -> Void] {
            let error = try await #require(throws: LoomError.self) { try await read() }
            #expect(error.code == .permissionDenied)
        }
    }
}
