import Logging
import LoomProto
import LoomRPC
import NIOCore
import NIOPosix

/// A typed client for `service Loom`: one async method per RPC, all sharing one multiplexed ``RPCClient``
/// connection (reconnected with backoff).
///
/// ```swift
/// let tls = try TLSContext.client(.defaults {
///     $0.certificates = .init(chainPath: "operator.pem", privateKeyPath: "operator.key")
///     $0.trustRootsPath = "ca.pem"
///     $0.alpnProtocols = [RPCTransportSecurity.alpnProtocol]
/// })
/// let loom = LoomClient(host: "loom.internal", port: 7443, configuration: .defaults(transportSecurity: .tls(tls)))
/// let run = try await loom.startRun(StartRunRequest(migrationID: "m", candidateID: "c"),
///                                   options: RPCCallOptions(timeout: .seconds(5)))
/// for try await update in try await loom.watchRun(WatchRunRequest(migrationID: "m", candidateID: "c")) { … }
/// await loom.close()
/// ```
///
/// Every method throws ``RPCError`` with the server's status (or a local one: DEADLINE_EXCEEDED, CANCELLED,
/// UNAVAILABLE).
public struct LoomClient: Sendable {
    /// The underlying raw client.
    public let rpc: RPCClient

    /// Wraps an existing client.
    public init(rpc: RPCClient) {
        self.rpc = rpc
    }

    /// Creates a client for a Loom server; no connection is opened until the first call.
    public init(
        host: String,
        port: Int,
        configuration: RPCClient.Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "loom.rpc.client")
    ) {
        self.rpc = RPCClient(host: host, port: port, configuration: configuration, group: group, logger: logger)
    }

    /// Makes the unary call named by `signature`, e.g. `try await loom.call(.getRun, request)`.
    ///
    /// The unary methods run on the caller's executor (`nonisolated(nonsending)`, like ``RPCClient``'s): a caller
    /// on the connection's event loop makes the call without a thread hop.
    nonisolated(nonsending)
    public func call<Request, Response>(
        _ signature: LoomMethodSignature<Request, Response>,
        _ request: Request,
        options: RPCCallOptions = .defaults
    ) async throws -> Response {
        precondition(!signature.method.isServerStreaming, "use watchRun, watchMigration or watchCampaign for the server-streaming methods")
        return try await rpc.unary(
            method: signature.method.descriptor.path,
            request: request,
            serializer: LoomMessageCoder<Request>(),
            deserializer: LoomMessageCoder<Response>(),
            options: options
        )
    }

    /// `Announce`: registers or updates a migration.
    nonisolated(nonsending)
    public func announce(_ request: AnnounceRequest, options: RPCCallOptions = .defaults) async throws -> AnnounceResponse {
        try await call(.announce, request, options: options)
    }

    /// `ListMigrations`: lists migrations, a page at a time.
    nonisolated(nonsending)
    public func listMigrations(_ request: ListMigrationsRequest, options: RPCCallOptions = .defaults) async throws -> ListMigrationsResponse {
        try await call(.listMigrations, request, options: options)
    }

    /// `GetMigration`: reads one migration with its counts (candidates are listed by `ListCandidates`).
    nonisolated(nonsending)
    public func getMigration(_ request: GetMigrationRequest, options: RPCCallOptions = .defaults) async throws -> Migration {
        try await call(.getMigration, request, options: options)
    }

    /// `SubmitCandidates`: adds or refreshes candidates of a migration.
    nonisolated(nonsending)
    public func submitCandidates(
        _ request: SubmitCandidatesRequest,
        options: RPCCallOptions = .defaults
    ) async throws -> SubmitCandidatesResponse {
        try await call(.submitCandidates, request, options: options)
    }

    /// `ListCandidates`: lists the candidates of a migration, filtered, a page at a time.
    nonisolated(nonsending)
    public func listCandidates(_ request: ListCandidatesRequest, options: RPCCallOptions = .defaults) async throws -> ListCandidatesResponse {
        try await call(.listCandidates, request, options: options)
    }

    /// `StartRun`: starts (or restarts) a run for a candidate.
    nonisolated(nonsending)
    public func startRun(_ request: StartRunRequest, options: RPCCallOptions = .defaults) async throws -> Run {
        try await call(.startRun, request, options: options)
    }

    /// `CancelRun`: cancels a run.
    nonisolated(nonsending)
    public func cancelRun(_ request: CancelRunRequest, options: RPCCallOptions = .defaults) async throws -> Run {
        try await call(.cancelRun, request, options: options)
    }

    /// `RetryStep`: retries the failed current step of a run.
    nonisolated(nonsending)
    public func retryStep(_ request: RetryStepRequest, options: RPCCallOptions = .defaults) async throws -> Run {
        try await call(.retryStep, request, options: options)
    }

    /// `GetRun`: reads a run with its step results.
    nonisolated(nonsending)
    public func getRun(_ request: GetRunRequest, options: RPCCallOptions = .defaults) async throws -> Run {
        try await call(.getRun, request, options: options)
    }

    /// `GetRunHistory`: reads the history of a run.
    nonisolated(nonsending)
    public func getRunHistory(_ request: GetRunHistoryRequest, options: RPCCallOptions = .defaults) async throws -> GetRunHistoryResponse {
        try await call(.getRunHistory, request, options: options)
    }

    /// `DryRun`: previews what a run would change.
    nonisolated(nonsending)
    public func dryRun(_ request: DryRunRequest, options: RPCCallOptions = .defaults) async throws -> DryRunResult {
        try await call(.dryRun, request, options: options)
    }

    /// `ReportStepEvent`: applies a migrator's step event to a run.
    nonisolated(nonsending)
    public func reportStepEvent(
        _ request: ReportStepEventRequest,
        options: RPCCallOptions = .defaults
    ) async throws -> ReportStepEventResponse {
        try await call(.reportStepEvent, request, options: options)
    }

    /// `WatchRun` (server streaming): the run after every transition. Iterating ends when the server ends the
    /// call with OK and throws ``RPCError`` otherwise; dropping the sequence or cancelling the task cancels it.
    public func watchRun(_ request: WatchRunRequest, options: RPCCallOptions = .defaults) async throws -> RPCResponseStream<RunUpdate> {
        try await rpc.serverStreaming(
            method: LoomMethod.watchRun.descriptor.path,
            request: request,
            serializer: LoomMessageCoder<WatchRunRequest>(),
            deserializer: LoomMessageCoder<RunUpdate>(),
            options: options
        )
    }

    /// `ListRuns`: lists the runs of one or every migration, filtered, most recently updated first, a page at a time.
    nonisolated(nonsending)
    public func listRuns(_ request: ListRunsRequest, options: RPCCallOptions = .defaults) async throws -> ListRunsResponse {
        try await call(.listRuns, request, options: options)
    }

    /// `RecountMigration`: recomputes a migration's counts from its records, reports drift, and repairs on request.
    nonisolated(nonsending)
    public func recountMigration(
        _ request: RecountMigrationRequest,
        options: RPCCallOptions = .defaults
    ) async throws -> RecountMigrationResponse {
        try await call(.recountMigration, request, options: options)
    }

    /// `UpdateCandidateInputs`: sets the inputs of a candidate that is not running (operator).
    nonisolated(nonsending)
    public func updateCandidateInputs(
        _ request: UpdateCandidateInputsRequest,
        options: RPCCallOptions = .defaults
    ) async throws -> Candidate {
        try await call(.updateCandidateInputs, request, options: options)
    }

    /// `WatchMigration` (server streaming): the migration's counts, then the counts and the runs that changed with
    /// every later message. Iterating ends when the server ends the call with OK and throws ``RPCError``
    /// otherwise; dropping the sequence or cancelling the task cancels it.
    public func watchMigration(
        _ request: WatchMigrationRequest,
        options: RPCCallOptions = .defaults
    ) async throws -> RPCResponseStream<MigrationUpdate> {
        try await rpc.serverStreaming(
            method: LoomMethod.watchMigration.descriptor.path,
            request: request,
            serializer: LoomMessageCoder<WatchMigrationRequest>(),
            deserializer: LoomMessageCoder<MigrationUpdate>(),
            options: options
        )
    }

    /// Closes the connection; later calls fail with UNAVAILABLE.
    public func close() async {
        await rpc.close()
    }
}
