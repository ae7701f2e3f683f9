import LoomAPI
import LoomCore
import LoomProto
import LoomRPC

/// The campaign methods of `service Loom`. Writes are operator methods of their own in the
/// authorization policy (a role may start runs and not campaigns); a campaign records the
/// caller's identity as its creator, and every run it starts records it as `startedBy`.
extension LoomRPCService {
    /// How many members a preview returns.
    static let previewMemberCount = 100

    public func createCampaign(_ request: CreateCampaignRequest, context: RPCHandlerContext) async throws -> CreateCampaignResponse {
        let wanted = try LoomCore.CampaignRequest(request)
        let createdBy = access.displayName(context)
        if request.preview {
            let plan = try await boundedRead(context) { try await service.previewCampaign(wanted, createdBy: createdBy) }
            return CreateCampaignResponse(
                campaign: .init(plan.campaign), members: plan.members.prefix(Self.previewMemberCount).map(LoomProto.CampaignMember.init),
                memberCount: UInt32(clamping: plan.members.count))
        }
        let campaign = try await service.createCampaign(wanted, createdBy: createdBy)
        return CreateCampaignResponse(campaign: .init(campaign), memberCount: UInt32(clamping: campaign.counts.total))
    }

    public func getCampaign(_ request: GetCampaignRequest, context: RPCHandlerContext) async throws -> LoomProto.Campaign {
        .init(try await service.campaign(id: request.campaignID, scope: access.readScope(of: context.peer.identity)))
    }

    public func listCampaigns(_ request: ListCampaignsRequest, context: RPCHandlerContext) async throws -> ListCampaignsResponse {
        let page = try await boundedRead(context) {
            try await service.listCampaigns(
                migrationId: request.migrationID, pageSize: Int(request.pageSize), pageToken: request.pageToken,
                scope: access.readScope(of: context.peer.identity))
        }
        return ListCampaignsResponse(campaigns: page.campaigns.map(LoomProto.Campaign.init), nextPageToken: page.nextPageToken)
    }

    public func listCampaignMembers(
        _ request: ListCampaignMembersRequest, context: RPCHandlerContext
    ) async throws -> ListCampaignMembersResponse {
        let status = try LoomCore.CampaignMemberStatus(filter: request.status)
        let page = try await boundedRead(context) {
            try await service.listCampaignMembers(
                id: request.campaignID, status: status, pageSize: Int(request.pageSize), pageToken: request.pageToken,
                scope: access.readScope(of: context.peer.identity))
        }
        return ListCampaignMembersResponse(members: page.members.map(LoomProto.CampaignMember.init), nextPageToken: page.nextPageToken)
    }

    public func getCampaignHistory(
        _ request: GetCampaignHistoryRequest, context: RPCHandlerContext
    ) async throws -> GetCampaignHistoryResponse {
        let events = try await boundedRead(context) {
            try await service.campaignHistory(
                id: request.campaignID, limit: Int(request.limit), scope: access.readScope(of: context.peer.identity))
        }
        return GetCampaignHistoryResponse(events: events.map(LoomProto.CampaignEvent.init))
    }

    public func pauseCampaign(_ request: PauseCampaignRequest, context: RPCHandlerContext) async throws -> LoomProto.Campaign {
        .init(try await service.pauseCampaign(id: request.campaignID, by: access.displayName(context), reason: request.reason))
    }

    public func resumeCampaign(_ request: ResumeCampaignRequest, context: RPCHandlerContext) async throws -> LoomProto.Campaign {
        .init(try await service.resumeCampaign(id: request.campaignID, by: access.displayName(context)))
    }

    /// Pacing fields left at 0 and a budget not asked to change keep their current values (read
    /// just before the change: a concurrent change of the other fields may be overwritten).
    public func updateCampaign(_ request: UpdateCampaignRequest, context: RPCHandlerContext) async throws -> LoomProto.Campaign {
        let current = try await service.campaign(id: request.campaignID)
        let pacing = CampaignPacing(
            maxInFlight: request.maxInFlight == 0 ? current.pacing.maxInFlight : Int(request.maxInFlight),
            maxStartsPerMinute: request.maxStartsPerMinute == 0 ? current.pacing.maxStartsPerMinute : Int(request.maxStartsPerMinute))
        let budget =
            request.updateBudget
            ? FailureBudget(
                maxFailures: request.maxFailures, maxFailurePercent: request.maxFailurePercent, minimumFinished: request.minimumFinished)
            : current.budget
        return .init(try await service.changeCampaign(id: request.campaignID, pacing: pacing, budget: budget, by: access.displayName(context)))
    }

    public func cancelCampaign(_ request: CancelCampaignRequest, context: RPCHandlerContext) async throws -> CancelCampaignResponse {
        let (campaign, cancelled) = try await service.cancelCampaign(
            id: request.campaignID, by: access.displayName(context), cancelRuns: request.cancelRuns)
        return CancelCampaignResponse(campaign: .init(campaign), runsCancelled: UInt32(clamping: cancelled))
    }
}

extension LoomRPCService {
    public func watchCampaign(
        _ request: WatchCampaignRequest, context: RPCHandlerContext, writer: RPCResponseWriter<CampaignUpdate>
    ) async throws {
        let updates = try await service.watchCampaign(
            id: request.campaignID, pollInterval: watchInterval * 2, scope: access.readScope(of: context.peer.identity))
        for try await campaign in updates {
            try await writer.write(CampaignUpdate(campaign: .init(campaign)))
        }
    }
}
