import LoomProto
import LoomRPC
import NIOCore

/// The server side of `service Loom`: one method per RPC of `Protos/loom/v1/loom.proto`.
///
/// Build a router from an implementation with ``RPCRouter/init(loomService:)``. Throw ``RPCError`` or an
/// ``RPCErrorConvertible`` error to end a call with a specific status; anything else becomes UNKNOWN with a generic
/// message (the error is logged).
public protocol LoomServiceHandler: Sendable {
    /// `Announce`: registers or updates a migration.
    func announce(_ request: AnnounceRequest, context: RPCHandlerContext) async throws -> AnnounceResponse
    /// `ListMigrations`: lists migrations, a page at a time.
    func listMigrations(_ request: ListMigrationsRequest, context: RPCHandlerContext) async throws -> ListMigrationsResponse
    /// `GetMigration`: reads one migration with its counts (candidates are listed by `ListCandidates`).
    func getMigration(_ request: GetMigrationRequest, context: RPCHandlerContext) async throws -> Migration
    /// `SubmitCandidates`: adds or refreshes candidates of a migration.
    func submitCandidates(_ request: SubmitCandidatesRequest, context: RPCHandlerContext) async throws -> SubmitCandidatesResponse
    /// `ListCandidates`: lists the candidates of a migration, filtered, a page at a time.
    func listCandidates(_ request: ListCandidatesRequest, context: RPCHandlerContext) async throws -> ListCandidatesResponse
    /// `StartRun`: starts (or restarts) a run for a candidate.
    func startRun(_ request: StartRunRequest, context: RPCHandlerContext) async throws -> Run
    /// `CancelRun`: cancels a run.
    func cancelRun(_ request: CancelRunRequest, context: RPCHandlerContext) async throws -> Run
    /// `RetryStep`: retries the failed current step of a run.
    func retryStep(_ request: RetryStepRequest, context: RPCHandlerContext) async throws -> Run
    /// `GetRun`: reads a run with its step results.
    func getRun(_ request: GetRunRequest, context: RPCHandlerContext) async throws -> Run
    /// `GetRunHistory`: reads the history of a run.
    func getRunHistory(_ request: GetRunHistoryRequest, context: RPCHandlerContext) async throws -> GetRunHistoryResponse
    /// `DryRun`: previews what a run would change.
    func dryRun(_ request: DryRunRequest, context: RPCHandlerContext) async throws -> DryRunResult
    /// `ReportStepEvent`: applies a migrator's step event to a run.
    func reportStepEvent(_ request: ReportStepEventRequest, context: RPCHandlerContext) async throws -> ReportStepEventResponse
    /// `WatchRun` (server streaming): writes the run after every transition until the run ends or the call is
    /// cancelled; returning ends the call with OK.
    func watchRun(_ request: WatchRunRequest, context: RPCHandlerContext, writer: RPCResponseWriter<RunUpdate>) async throws
    /// `ListRuns`: lists the runs of one or every migration, filtered, most recently updated first, a page at a time.
    func listRuns(_ request: ListRunsRequest, context: RPCHandlerContext) async throws -> ListRunsResponse
    /// `RecountMigration`: recomputes a migration's counts from its records, reports drift, and repairs on request.
    func recountMigration(_ request: RecountMigrationRequest, context: RPCHandlerContext) async throws -> RecountMigrationResponse
    /// `UpdateCandidateInputs`: sets the inputs of a candidate that is not running (operator).
    func updateCandidateInputs(_ request: UpdateCandidateInputsRequest, context: RPCHandlerContext) async throws -> Candidate
    /// `WatchMigration` (server streaming): writes the migration's counts and the runs that changed since the
    /// previous message until the call is cancelled; returning ends the call with OK.
    func watchMigration(
        _ request: WatchMigrationRequest,
        context: RPCHandlerContext,
        writer: RPCResponseWriter<MigrationUpdate>
    ) async throws
    /// `CreateCampaign`: creates a campaign (operator), or previews it (`preview`: validates, resolves the selection and writes nothing).
    func createCampaign(_ request: CreateCampaignRequest, context: RPCHandlerContext) async throws -> CreateCampaignResponse
    /// `GetCampaign`: reads one campaign with its counts.
    func getCampaign(_ request: GetCampaignRequest, context: RPCHandlerContext) async throws -> Campaign
    /// `ListCampaigns`: lists the campaigns of one or every migration, by id, a page at a time.
    func listCampaigns(_ request: ListCampaignsRequest, context: RPCHandlerContext) async throws -> ListCampaignsResponse
    /// `ListCampaignMembers`: lists a campaign's members in start order, optionally of one status, a page at a time.
    func listCampaignMembers(_ request: ListCampaignMembersRequest, context: RPCHandlerContext) async throws -> ListCampaignMembersResponse
    /// `GetCampaignHistory`: reads the history of a campaign, oldest first.
    func getCampaignHistory(_ request: GetCampaignHistoryRequest, context: RPCHandlerContext) async throws -> GetCampaignHistoryResponse
    /// `PauseCampaign`: stops a campaign starting members until it is resumed (operator).
    func pauseCampaign(_ request: PauseCampaignRequest, context: RPCHandlerContext) async throws -> Campaign
    /// `ResumeCampaign`: resumes a paused campaign (operator).
    func resumeCampaign(_ request: ResumeCampaignRequest, context: RPCHandlerContext) async throws -> Campaign
    /// `UpdateCampaign`: changes a campaign's pacing and failure budget (operator).
    func updateCampaign(_ request: UpdateCampaignRequest, context: RPCHandlerContext) async throws -> Campaign
    /// `CancelCampaign`: cancels a campaign for good, optionally with its runs in flight (operator).
    func cancelCampaign(_ request: CancelCampaignRequest, context: RPCHandlerContext) async throws -> CancelCampaignResponse
    /// `WatchCampaign` (server streaming): writes the campaign when the watch starts and whenever it changes, until it
    /// is completed or cancelled (the final state is always written) or the call is cancelled; returning ends the call
    /// with OK.
    func watchCampaign(_ request: WatchCampaignRequest, context: RPCHandlerContext, writer: RPCResponseWriter<CampaignUpdate>) async throws
}

extension RPCRouter {
    /// A router serving every method of `service Loom` with `service`.
    ///
    /// Method paths come from the protobuf-c service descriptor (``LoomMethodDescriptor/path``), and the `switch`
    /// over ``LoomMethod`` has no `default`, so a method added to the proto cannot be left unrouted.
    public init(loomService service: some LoomServiceHandler) {
        self.init()
        registerLoomService(service)
    }

    /// Registers every method of `service Loom`, implemented by `service`.
    public mutating func registerLoomService(_ service: some LoomServiceHandler) {
        for method in LoomMethod.allCases {
            switch method {
            case .announce: register(.announce) { try await service.announce($0, context: $1) }
            case .listMigrations: register(.listMigrations) { try await service.listMigrations($0, context: $1) }
            case .getMigration: register(.getMigration) { try await service.getMigration($0, context: $1) }
            case .submitCandidates: register(.submitCandidates) { try await service.submitCandidates($0, context: $1) }
            case .listCandidates: register(.listCandidates) { try await service.listCandidates($0, context: $1) }
            case .startRun: register(.startRun) { try await service.startRun($0, context: $1) }
            case .cancelRun: register(.cancelRun) { try await service.cancelRun($0, context: $1) }
            case .retryStep: register(.retryStep) { try await service.retryStep($0, context: $1) }
            case .getRun: register(.getRun) { try await service.getRun($0, context: $1) }
            case .getRunHistory: register(.getRunHistory) { try await service.getRunHistory($0, context: $1) }
            case .dryRun: register(.dryRun) { try await service.dryRun($0, context: $1) }
            case .reportStepEvent: register(.reportStepEvent) { try await service.reportStepEvent($0, context: $1) }
            case .watchRun:
                registerServerStreaming(
                    LoomMethod.watchRun.descriptor.path,
                    deserializer: LoomMessageCoder<WatchRunRequest>(),
                    serializer: LoomMessageCoder<RunUpdate>()
                ) { request, context, writer in
                    try await service.watchRun(request, context: context, writer: writer)
                }
            case .listRuns: register(.listRuns) { try await service.listRuns($0, context: $1) }
            case .recountMigration: register(.recountMigration) { try await service.recountMigration($0, context: $1) }
            case .updateCandidateInputs:
                register(.updateCandidateInputs) { try await service.updateCandidateInputs($0, context: $1) }
            case .watchMigration:
                registerServerStreaming(
                    LoomMethod.watchMigration.descriptor.path,
                    deserializer: LoomMessageCoder<WatchMigrationRequest>(),
                    serializer: LoomMessageCoder<MigrationUpdate>()
                ) { request, context, writer in
                    try await service.watchMigration(request, context: context, writer: writer)
                }
            case .createCampaign: register(.createCampaign) { try await service.createCampaign($0, context: $1) }
            case .getCampaign: register(.getCampaign) { try await service.getCampaign($0, context: $1) }
            case .listCampaigns: register(.listCampaigns) { try await service.listCampaigns($0, context: $1) }
            case .listCampaignMembers: register(.listCampaignMembers) { try await service.listCampaignMembers($0, context: $1) }
            case .getCampaignHistory: register(.getCampaignHistory) { try await service.getCampaignHistory($0, context: $1) }
            case .pauseCampaign: register(.pauseCampaign) { try await service.pauseCampaign($0, context: $1) }
            case .resumeCampaign: register(.resumeCampaign) { try await service.resumeCampaign($0, context: $1) }
            case .updateCampaign: register(.updateCampaign) { try await service.updateCampaign($0, context: $1) }
            case .cancelCampaign: register(.cancelCampaign) { try await service.cancelCampaign($0, context: $1) }
            case .watchCampaign:
                registerServerStreaming(
                    LoomMethod.watchCampaign.descriptor.path,
                    deserializer: LoomMessageCoder<WatchCampaignRequest>(),
                    serializer: LoomMessageCoder<CampaignUpdate>()
                ) { request, context, writer in
                    try await service.watchCampaign(request, context: context, writer: writer)
                }
            }
        }
    }

    private mutating func register<Request, Response>(
        _ signature: LoomMethodSignature<Request, Response>,
        _ body: @escaping @Sendable (Request, RPCHandlerContext) async throws -> Response
    ) {
        precondition(!signature.method.isServerStreaming, "\(signature.method) is server streaming")
        registerUnary(
            signature.method.descriptor.path,
            deserializer: LoomMessageCoder<Request>(),
            serializer: LoomMessageCoder<Response>(),
            handler: body
        )
    }
}
