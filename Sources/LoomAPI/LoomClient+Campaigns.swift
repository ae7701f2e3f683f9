import LoomProto
import LoomRPC

extension LoomClient {
    /// `CreateCampaign`: creates a campaign (operator), or previews it (`preview`: validates, resolves the selection and writes nothing).
    nonisolated(nonsending)
    public func createCampaign(_ request: CreateCampaignRequest, options: RPCCallOptions = .defaults) async throws -> CreateCampaignResponse {
        try await call(.createCampaign, request, options: options)
    }

    /// `GetCampaign`: reads one campaign with its counts.
    nonisolated(nonsending)
    public func getCampaign(_ request: GetCampaignRequest, options: RPCCallOptions = .defaults) async throws -> Campaign {
        try await call(.getCampaign, request, options: options)
    }

    /// `ListCampaigns`: lists the campaigns of one or every migration, by id, a page at a time.
    nonisolated(nonsending)
    public func listCampaigns(_ request: ListCampaignsRequest, options: RPCCallOptions = .defaults) async throws -> ListCampaignsResponse {
        try await call(.listCampaigns, request, options: options)
    }

    /// `ListCampaignMembers`: lists a campaign's members in start order, optionally of one status, a page at a time.
    nonisolated(nonsending)
    public func listCampaignMembers(_ request: ListCampaignMembersRequest, options: RPCCallOptions = .defaults) async throws -> ListCampaignMembersResponse {
        try await call(.listCampaignMembers, request, options: options)
    }

    /// `GetCampaignHistory`: reads the history of a campaign, oldest first.
    nonisolated(nonsending)
    public func getCampaignHistory(_ request: GetCampaignHistoryRequest, options: RPCCallOptions = .defaults) async throws -> GetCampaignHistoryResponse {
        try await call(.getCampaignHistory, request, options: options)
    }

    /// `PauseCampaign`: stops a campaign starting members until it is resumed (operator).
    nonisolated(nonsending)
    public func pauseCampaign(_ request: PauseCampaignRequest, options: RPCCallOptions = .defaults) async throws -> Campaign {
        try await call(.pauseCampaign, request, options: options)
    }

    /// `ResumeCampaign`: resumes a paused campaign (operator).
    nonisolated(nonsending)
    public func resumeCampaign(_ request: ResumeCampaignRequest, options: RPCCallOptions = .defaults) async throws -> Campaign {
        try await call(.resumeCampaign, request, options: options)
    }

    /// `UpdateCampaign`: changes a campaign's pacing and failure budget (operator).
    nonisolated(nonsending)
    public func updateCampaign(_ request: UpdateCampaignRequest, options: RPCCallOptions = .defaults) async throws -> Campaign {
        try await call(.updateCampaign, request, options: options)
    }

    /// `CancelCampaign`: cancels a campaign for good, optionally with its runs in flight (operator).
    nonisolated(nonsending)
    public func cancelCampaign(_ request: CancelCampaignRequest, options: RPCCallOptions = .defaults) async throws -> CancelCampaignResponse {
        try await call(.cancelCampaign, request, options: options)
    }

    /// `WatchCampaign` (server streaming): the campaign, then the campaign whenever it changes, until it is completed
    /// or cancelled. Iterating ends when the server ends the call with OK and throws ``RPCError`` otherwise; dropping
    /// the sequence or cancelling the task cancels it.
    public func watchCampaign(
        _ request: WatchCampaignRequest,
        options: RPCCallOptions = .defaults
    ) async throws -> RPCResponseStream<CampaignUpdate> {
        try await rpc.serverStreaming(
            method: LoomMethod.watchCampaign.descriptor.path,
            request: request,
            serializer: LoomMessageCoder<WatchCampaignRequest>(),
            deserializer: LoomMessageCoder<CampaignUpdate>(),
            options: options
        )
    }
}
