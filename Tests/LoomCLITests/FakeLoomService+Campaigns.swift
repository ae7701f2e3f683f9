import LoomAPI
import LoomProto
import LoomRPC

/// The campaigns of ``FakeLoomService``: one campaign `c1` of `m1` with ten members (three completed, two running,
/// one failed, one skipped, three pending); other ids are NOT_FOUND. Writes are recorded and answered from `c1`.
extension FakeLoomService {
    static let campaign = Campaign(
        id: "c1", migrationID: "m1", description: "payments first", createdBy: "spiffe://loom.dev/operator/alice",
        createdAtUnixMs: 1_767_225_600_000, updatedAtUnixMs: 1_767_225_660_000, state: .running,
        maxInFlight: 2, maxStartsPerMinute: 30, maxFailures: 3, maxFailurePercent: 12.5, minimumFinished: 20,
        inputs: ["ticket": "OPS-1"], explicitCandidates: false, filterStatus: .notStarted, filterKind: "app",
        filterMetadata: ["team": "payments"],
        counts: CampaignCounts(pending: 3, running: 2, completed: 3, failed: 1, skipped: 1), version: 4)

    static let campaignMembers: [CampaignMember] =
        (0..<3).map { CampaignMember(candidateID: "done-\($0)", status: .completed, startedAtUnixMs: 1_767_225_600_000, runGeneration: 1) }
        + (0..<2).map { CampaignMember(candidateID: "busy-\($0)", status: .running, startedAtUnixMs: 1_767_225_630_000, runGeneration: 1) }
        + [
            CampaignMember(candidateID: "bad", inputs: ["repo": "bad-repo"], status: .failed, startedAtUnixMs: 1_767_225_600_000, runGeneration: 2),
            CampaignMember(candidateID: "taken", status: .skipped, note: "a run is already active"),
        ]
        + (0..<3).map { CampaignMember(candidateID: "todo-\($0)", status: .pending) }

    private func requireCampaign(_ id: String) throws {
        guard id == "c1" else { throw RPCError(code: .notFound, message: "campaign \(id) not found") }
    }

    func createCampaign(_ request: CreateCampaignRequest, context: RPCHandlerContext) async throws -> CreateCampaignResponse {
        remember(context)
        try requireMigration(request.migrationID)
        guard request.maxInFlight > 0 else { throw RPCError(code: .invalidArgument, message: "max_in_flight must be 1…10000, got 0") }
        recorded.withLockedValue { $0.createCampaign = request }
        let ids = request.candidateIDs.isEmpty ? Self.campaignMembers.map(\.candidateID) : request.candidateIDs
        var campaign = Self.campaign
        campaign.id = request.campaignID.isEmpty ? "c-0123456789ab" : request.campaignID
        campaign.maxInFlight = request.maxInFlight
        campaign.maxStartsPerMinute = request.maxStartsPerMinute
        campaign.counts = CampaignCounts(pending: UInt64(ids.count))
        let members = request.preview ? ids.prefix(100).map { CampaignMember(candidateID: $0, status: .pending) } : []
        return CreateCampaignResponse(campaign: campaign, members: members, memberCount: UInt32(ids.count))
    }

    func getCampaign(_ request: GetCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        remember(context)
        try requireCampaign(request.campaignID)
        return Self.campaign
    }

    func listCampaigns(_ request: ListCampaignsRequest, context: RPCHandlerContext) async throws -> ListCampaignsResponse {
        remember(context)
        if !request.migrationID.isEmpty { try requireMigration(request.migrationID) }
        var paused = Self.campaign
        paused.id = "c2"
        paused.state = .paused
        paused.stateReason = "failure budget spent: 3 failed runs (limit 3)"
        return ListCampaignsResponse(campaigns: [Self.campaign, paused])
    }

    /// Pages of `page_size` members (all when 0); the token is the position to continue from.
    func listCampaignMembers(_ request: ListCampaignMembersRequest, context: RPCHandlerContext) async throws -> ListCampaignMembersResponse {
        remember(context)
        try requireCampaign(request.campaignID)
        let matching = Self.campaignMembers.filter { request.status == .unspecified || $0.status == request.status }
        let from = Int(request.pageToken) ?? 0
        let size = request.pageSize == 0 ? matching.count : Int(request.pageSize)
        let end = min(matching.count, from + size)
        return ListCampaignMembersResponse(
            members: Array(matching[min(from, end)..<end]), nextPageToken: end < matching.count ? String(end) : "")
    }

    func getCampaignHistory(_ request: GetCampaignHistoryRequest, context: RPCHandlerContext) async throws -> GetCampaignHistoryResponse {
        remember(context)
        try requireCampaign(request.campaignID)
        return GetCampaignHistoryResponse(events: [
            CampaignEvent(atUnixMs: 1_767_225_600_000, kind: .created, by: "spiffe://loom.dev/operator/alice", detail: "10 members"),
            CampaignEvent(atUnixMs: 1_767_225_660_000, kind: .changed, by: "spiffe://loom.dev/operator/bob", detail: "at most 2 in flight"),
        ])
    }

    func pauseCampaign(_ request: PauseCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        remember(context)
        try requireCampaign(request.campaignID)
        recorded.withLockedValue { $0.pauseCampaign = request }
        var campaign = Self.campaign
        campaign.state = .paused
        campaign.stateReason = "paused by test" + (request.reason.isEmpty ? "" : ": \(request.reason)")
        return campaign
    }

    func resumeCampaign(_ request: ResumeCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        remember(context)
        try requireCampaign(request.campaignID)
        return Self.campaign
    }

    func updateCampaign(_ request: UpdateCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        remember(context)
        try requireCampaign(request.campaignID)
        recorded.withLockedValue { $0.updateCampaign = request }
        var campaign = Self.campaign
        if request.maxInFlight != 0 { campaign.maxInFlight = request.maxInFlight }
        if request.maxStartsPerMinute != 0 { campaign.maxStartsPerMinute = request.maxStartsPerMinute }
        if request.updateBudget {
            campaign.maxFailures = request.maxFailures
            campaign.maxFailurePercent = request.maxFailurePercent
            campaign.minimumFinished = request.minimumFinished == 0 ? 20 : request.minimumFinished
        }
        return campaign
    }

    func cancelCampaign(_ request: CancelCampaignRequest, context: RPCHandlerContext) async throws -> CancelCampaignResponse {
        remember(context)
        try requireCampaign(request.campaignID)
        recorded.withLockedValue { $0.cancelCampaign = request }
        var campaign = Self.campaign
        campaign.state = .cancelled
        campaign.stateReason = "cancelled by test"
        campaign.counts = CampaignCounts(running: request.cancelRuns ? 0 : 2, completed: 3, failed: 1, skipped: 1, cancelled: request.cancelRuns ? 5 : 3)
        return CancelCampaignResponse(campaign: campaign, runsCancelled: request.cancelRuns ? 2 : 0)
    }

    /// `c1` running with 3 settled of 10, then 6, then completed; `c2` is cancelled at once; `c3` ends still running.
    func watchCampaign(_ request: WatchCampaignRequest, context: RPCHandlerContext, writer: RPCResponseWriter<CampaignUpdate>) async throws {
        remember(context)
        var campaign = Self.campaign
        switch request.campaignID {
        case "c1":
            for counts in [
                CampaignCounts(pending: 5, running: 2, completed: 3), CampaignCounts(pending: 2, running: 2, completed: 5, failed: 1),
                CampaignCounts(completed: 9, failed: 1),
            ] {
                campaign.counts = counts
                campaign.state = counts.pending + counts.running == 0 ? .completed : .running
                try await writer.write(CampaignUpdate(campaign: campaign))
            }
        case "c2":
            campaign.state = .cancelled
            campaign.stateReason = "cancelled by bob"
            try await writer.write(CampaignUpdate(campaign: campaign))
        case "c3":
            try await writer.write(CampaignUpdate(campaign: campaign))
        default:
            throw RPCError(code: .notFound, message: "campaign \(request.campaignID) not found")
        }
    }
}
