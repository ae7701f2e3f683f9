/// The methods of `service Loom`, with their Swift request and response types.
///
/// The cases follow the declaration order of `Protos/loom/v1/loom.proto`; a test checks
/// names, order, message types and streaming against the proto and against protobuf-c's
/// service descriptor, so this list cannot drift from the contract unnoticed.
public enum LoomMethod: String, CaseIterable, Sendable {
    /// Registers or updates a migration.
    case announce = "Announce"
    /// Lists migrations, a page at a time.
    case listMigrations = "ListMigrations"
    /// Reads one migration with its counts (candidates are listed by `ListCandidates`).
    case getMigration = "GetMigration"
    /// Adds or refreshes candidates of a migration.
    case submitCandidates = "SubmitCandidates"
    /// Lists the candidates of a migration, filtered, a page at a time.
    case listCandidates = "ListCandidates"
    /// Starts (or restarts) a run for a candidate.
    case startRun = "StartRun"
    /// Cancels a run.
    case cancelRun = "CancelRun"
    /// Retries the failed current step of a run.
    case retryStep = "RetryStep"
    /// Reads a run with its step results.
    case getRun = "GetRun"
    /// Reads the history of a run.
    case getRunHistory = "GetRunHistory"
    /// Previews what a run would change.
    case dryRun = "DryRun"
    /// Applies a migrator's step event to a run.
    case reportStepEvent = "ReportStepEvent"
    /// Streams a run's state after every transition (server streaming).
    case watchRun = "WatchRun"
    /// Lists the runs of one or every migration, filtered, most recently updated first, a page at a time.
    case listRuns = "ListRuns"
    /// Recomputes a migration's counts from its records, reports drift, and repairs on request.
    case recountMigration = "RecountMigration"
    /// Sets the inputs of a candidate that is not running (operator).
    case updateCandidateInputs = "UpdateCandidateInputs"
    /// Streams a migration's counts and changed runs until the call is cancelled (server streaming).
    case watchMigration = "WatchMigration"
    /// Creates a campaign (operator), or previews it without writing anything.
    case createCampaign = "CreateCampaign"
    /// Reads one campaign with its counts.
    case getCampaign = "GetCampaign"
    /// Lists the campaigns of one or every migration, by id, a page at a time.
    case listCampaigns = "ListCampaigns"
    /// Lists a campaign's members in start order, optionally of one status, a page at a time.
    case listCampaignMembers = "ListCampaignMembers"
    /// Reads the history of a campaign.
    case getCampaignHistory = "GetCampaignHistory"
    /// Stops a campaign starting members until it is resumed (operator).
    case pauseCampaign = "PauseCampaign"
    /// Resumes a paused campaign (operator).
    case resumeCampaign = "ResumeCampaign"
    /// Changes a campaign's pacing and failure budget (operator).
    case updateCampaign = "UpdateCampaign"
    /// Cancels a campaign for good, optionally with its runs in flight (operator).
    case cancelCampaign = "CancelCampaign"
    /// Streams a campaign whenever it changes, until it is completed or cancelled (server streaming).
    case watchCampaign = "WatchCampaign"

    /// The method name as declared in the proto, e.g. `Announce`.
    public var name: String { rawValue }

    /// The wire name, `/loom.v1.Loom/<name>`.
    public var path: String { "/loom.v1.Loom/\(rawValue)" }

    /// The method with this wire name (`/loom.v1.Loom/<name>`), or nil.
    public init?(path: String) {
        let prefix = "/loom.v1.Loom/"
        guard path.hasPrefix(prefix) else { return nil }
        self.init(rawValue: String(path.dropFirst(prefix.count)))
    }

    /// Whether the server answers with a stream of responses (`WatchRun`, `WatchMigration` and `WatchCampaign`).
    public var isServerStreaming: Bool {
        switch self {
        case .watchRun, .watchMigration, .watchCampaign: true
        case .announce, .listMigrations, .getMigration, .submitCandidates, .listCandidates, .startRun, .cancelRun,
             .retryStep, .getRun, .getRunHistory, .dryRun, .reportStepEvent, .listRuns, .recountMigration,
             .updateCandidateInputs, .createCampaign, .getCampaign, .listCampaigns, .listCampaignMembers, .getCampaignHistory,
             .pauseCampaign, .resumeCampaign, .updateCampaign, .cancelCampaign: false
        }
    }

    /// The protobuf-c description of the method.
    public var descriptor: LoomMethodDescriptor {
        // Safe: a test checks that the descriptor lists exactly these methods in this order.
        LoomServiceDescriptor.methods[Self.allCases.firstIndex(of: self)!]
    }

    /// The Swift type of the request message.
    public var requestType: any LoomMessage.Type {
        switch self {
        case .announce: AnnounceRequest.self
        case .listMigrations: ListMigrationsRequest.self
        case .getMigration: GetMigrationRequest.self
        case .submitCandidates: SubmitCandidatesRequest.self
        case .listCandidates: ListCandidatesRequest.self
        case .startRun: StartRunRequest.self
        case .cancelRun: CancelRunRequest.self
        case .retryStep: RetryStepRequest.self
        case .getRun: GetRunRequest.self
        case .getRunHistory: GetRunHistoryRequest.self
        case .dryRun: DryRunRequest.self
        case .reportStepEvent: ReportStepEventRequest.self
        case .watchRun: WatchRunRequest.self
        case .listRuns: ListRunsRequest.self
        case .recountMigration: RecountMigrationRequest.self
        case .updateCandidateInputs: UpdateCandidateInputsRequest.self
        case .watchMigration: WatchMigrationRequest.self
        case .createCampaign: CreateCampaignRequest.self
        case .getCampaign: GetCampaignRequest.self
        case .listCampaigns: ListCampaignsRequest.self
        case .listCampaignMembers: ListCampaignMembersRequest.self
        case .getCampaignHistory: GetCampaignHistoryRequest.self
        case .pauseCampaign: PauseCampaignRequest.self
        case .resumeCampaign: ResumeCampaignRequest.self
        case .updateCampaign: UpdateCampaignRequest.self
        case .cancelCampaign: CancelCampaignRequest.self
        case .watchCampaign: WatchCampaignRequest.self
        }
    }

    /// The Swift type of the response message (of each streamed message for `WatchRun` and `WatchMigration`).
    public var responseType: any LoomMessage.Type {
        switch self {
        case .announce: AnnounceResponse.self
        case .listMigrations: ListMigrationsResponse.self
        case .getMigration: Migration.self
        case .submitCandidates: SubmitCandidatesResponse.self
        case .listCandidates: ListCandidatesResponse.self
        case .startRun, .cancelRun, .retryStep, .getRun: Run.self
        case .getRunHistory: GetRunHistoryResponse.self
        case .dryRun: DryRunResult.self
        case .reportStepEvent: ReportStepEventResponse.self
        case .watchRun: RunUpdate.self
        case .listRuns: ListRunsResponse.self
        case .recountMigration: RecountMigrationResponse.self
        case .updateCandidateInputs: Candidate.self
        case .watchMigration: MigrationUpdate.self
        case .createCampaign: CreateCampaignResponse.self
        case .getCampaign, .pauseCampaign, .resumeCampaign, .updateCampaign: Campaign.self
        case .listCampaigns: ListCampaignsResponse.self
        case .listCampaignMembers: ListCampaignMembersResponse.self
        case .getCampaignHistory: GetCampaignHistoryResponse.self
        case .cancelCampaign: CancelCampaignResponse.self
        case .watchCampaign: CampaignUpdate.self
        }
    }
}

/// A method of `service Loom` together with its request and response types, for typed
/// clients and routers:
/// ```swift
/// func call<Request, Response>(_ method: LoomMethodSignature<Request, Response>, _ request: Request) async throws -> Response
/// let run = try await client.call(.startRun, StartRunRequest(migrationID: "m", candidateID: "c"))
/// ```
public struct LoomMethodSignature<Request: LoomMessage, Response: LoomMessage>: Sendable, Hashable {
    /// The method.
    public let method: LoomMethod

    private init(_ method: LoomMethod) { self.method = method }

    /// `Announce`.
    public static var announce: LoomMethodSignature<AnnounceRequest, AnnounceResponse> { .init(.announce) }
    /// `ListMigrations`.
    public static var listMigrations: LoomMethodSignature<ListMigrationsRequest, ListMigrationsResponse> {
        .init(.listMigrations)
    }
    /// `GetMigration`.
    public static var getMigration: LoomMethodSignature<GetMigrationRequest, Migration> { .init(.getMigration) }
    /// `SubmitCandidates`.
    public static var submitCandidates: LoomMethodSignature<SubmitCandidatesRequest, SubmitCandidatesResponse> {
        .init(.submitCandidates)
    }
    /// `ListCandidates`.
    public static var listCandidates: LoomMethodSignature<ListCandidatesRequest, ListCandidatesResponse> {
        .init(.listCandidates)
    }
    /// `StartRun`.
    public static var startRun: LoomMethodSignature<StartRunRequest, Run> { .init(.startRun) }
    /// `CancelRun`.
    public static var cancelRun: LoomMethodSignature<CancelRunRequest, Run> { .init(.cancelRun) }
    /// `RetryStep`.
    public static var retryStep: LoomMethodSignature<RetryStepRequest, Run> { .init(.retryStep) }
    /// `GetRun`.
    public static var getRun: LoomMethodSignature<GetRunRequest, Run> { .init(.getRun) }
    /// `GetRunHistory`.
    public static var getRunHistory: LoomMethodSignature<GetRunHistoryRequest, GetRunHistoryResponse> {
        .init(.getRunHistory)
    }
    /// `DryRun`.
    public static var dryRun: LoomMethodSignature<DryRunRequest, DryRunResult> { .init(.dryRun) }
    /// `ReportStepEvent`.
    public static var reportStepEvent: LoomMethodSignature<ReportStepEventRequest, ReportStepEventResponse> {
        .init(.reportStepEvent)
    }
    /// `WatchRun` (server streaming: `Response` is the type of each streamed message).
    public static var watchRun: LoomMethodSignature<WatchRunRequest, RunUpdate> { .init(.watchRun) }
    /// `ListRuns`.
    public static var listRuns: LoomMethodSignature<ListRunsRequest, ListRunsResponse> { .init(.listRuns) }
    /// `RecountMigration`.
    public static var recountMigration: LoomMethodSignature<RecountMigrationRequest, RecountMigrationResponse> {
        .init(.recountMigration)
    }
    /// `UpdateCandidateInputs`.
    public static var updateCandidateInputs: LoomMethodSignature<UpdateCandidateInputsRequest, Candidate> {
        .init(.updateCandidateInputs)
    }
    /// `WatchMigration` (server streaming: `Response` is the type of each streamed message).
    public static var watchMigration: LoomMethodSignature<WatchMigrationRequest, MigrationUpdate> { .init(.watchMigration) }
    /// `CreateCampaign`.
    public static var createCampaign: LoomMethodSignature<CreateCampaignRequest, CreateCampaignResponse> { .init(.createCampaign) }
    /// `GetCampaign`.
    public static var getCampaign: LoomMethodSignature<GetCampaignRequest, Campaign> { .init(.getCampaign) }
    /// `ListCampaigns`.
    public static var listCampaigns: LoomMethodSignature<ListCampaignsRequest, ListCampaignsResponse> { .init(.listCampaigns) }
    /// `ListCampaignMembers`.
    public static var listCampaignMembers: LoomMethodSignature<ListCampaignMembersRequest, ListCampaignMembersResponse> {
        .init(.listCampaignMembers)
    }
    /// `GetCampaignHistory`.
    public static var getCampaignHistory: LoomMethodSignature<GetCampaignHistoryRequest, GetCampaignHistoryResponse> {
        .init(.getCampaignHistory)
    }
    /// `PauseCampaign`.
    public static var pauseCampaign: LoomMethodSignature<PauseCampaignRequest, Campaign> { .init(.pauseCampaign) }
    /// `ResumeCampaign`.
    public static var resumeCampaign: LoomMethodSignature<ResumeCampaignRequest, Campaign> { .init(.resumeCampaign) }
    /// `UpdateCampaign`.
    public static var updateCampaign: LoomMethodSignature<UpdateCampaignRequest, Campaign> { .init(.updateCampaign) }
    /// `CancelCampaign`.
    public static var cancelCampaign: LoomMethodSignature<CancelCampaignRequest, CancelCampaignResponse> { .init(.cancelCampaign) }
    /// `WatchCampaign` (server streaming: `Response` is the type of each streamed message).
    public static var watchCampaign: LoomMethodSignature<WatchCampaignRequest, CampaignUpdate> { .init(.watchCampaign) }
}
