import Logging
import LoomAPI
import LoomCore
import LoomProto
import LoomRPC

/// `service Loom` over the binary RPC protocol: decodes nothing itself (LoomRPC does), and maps
/// wire messages to domain calls on ``LoomCore/Service``.
///
/// Method-level authorization (role → methods) runs before any of this, in ``PolicyAuthorizer``.
/// Here each call passes the caller's ``LoomCore/CallerScope`` (from ``CallerAccess``) to the
/// use case, which enforces the ownership rule: a caller whose roles make it a *migrator only*
/// announces as the owner, and submits candidates, reports events and reads only for the
/// migrations it owns.
public struct LoomRPCService: LoomServiceHandler {
    let service: LoomCore.Service
    let access: CallerAccess
    /// How often ``watchRun(_:context:writer:)`` looks for transitions made by other replicas
    /// (this replica's own transitions wake it at once).
    let watchInterval: Duration
    /// Bounds the listing and migration reads each caller has in flight (RESOURCE_EXHAUSTED past it).
    let readLimiter: CallerReadLimiter

    /// Creates the RPC face of `service`.
    public init(
        service: LoomCore.Service, access: CallerAccess, watchInterval: Duration = .milliseconds(500),
        readLimiter: CallerReadLimiter = CallerReadLimiter()
    ) {
        self.service = service
        self.access = access
        self.watchInterval = watchInterval
        self.readLimiter = readLimiter
    }

    /// Runs an expensive read within the caller's allowance (``CallerReadLimiter``).
    func boundedRead<T>(_ context: RPCHandlerContext, _ body: () async throws -> T) async throws -> T {
        try await readLimiter.read(by: context.peer.identity, method: LoomMethod(path: context.method)?.name ?? context.method, body)
    }

    public func announce(_ request: AnnounceRequest, context: RPCHandlerContext) async throws -> AnnounceResponse {
        guard let migration = request.migration else { throw RPCError(code: .invalidArgument, message: "migration is required") }
        let (stored, rejected) = try await service.announceReporting(LoomCore.Migration(migration), owner: access.ownerIdentity(context))
        return AnnounceResponse(
            migration: .init(stored), rejectedCandidates: rejected.map(LoomProto.RejectedCandidate.init))
    }

    public func listMigrations(_ request: ListMigrationsRequest, context: RPCHandlerContext) async throws -> ListMigrationsResponse {
        let page = try await boundedRead(context) {
            try await service.listMigrations(
                pageSize: Int(request.pageSize), pageToken: request.pageToken, scope: access.readScope(of: context.peer.identity))
        }
        return ListMigrationsResponse(migrations: page.migrations.map(LoomProto.Migration.init), nextPageToken: page.nextPageToken)
    }

    public func getMigration(_ request: GetMigrationRequest, context: RPCHandlerContext) async throws -> LoomProto.Migration {
        try await boundedRead(context) {
            .init(try await service.migration(id: request.migrationID, scope: access.readScope(of: context.peer.identity)))
        }
    }

    public func submitCandidates(
        _ request: SubmitCandidatesRequest, context: RPCHandlerContext
    ) async throws -> SubmitCandidatesResponse {
        let outcome = try await service.submitCandidates(
            migrationId: request.migrationID, candidates: request.candidates.map(LoomCore.Candidate.init),
            scope: access.changeScope(of: context.peer.identity))
        return SubmitCandidatesResponse(
            accepted: UInt32(clamping: outcome.accepted), skippedIDs: outcome.skippedIds,
            rejected: outcome.rejected.map(LoomProto.RejectedCandidate.init))
    }

    public func listCandidates(_ request: ListCandidatesRequest, context: RPCHandlerContext) async throws -> ListCandidatesResponse {
        let filter = LoomCore.CandidateFilter(
            status: try LoomCore.CandidateStatus(filter: request.status), kind: request.kind.isEmpty ? nil : request.kind,
            idPrefix: request.idPrefix, metadata: request.metadata)
        let page = try await boundedRead(context) {
            try await service.listCandidates(
                migrationId: request.migrationID, filter: filter, pageSize: Int(request.pageSize), pageToken: request.pageToken,
                scope: access.readScope(of: context.peer.identity))
        }
        return ListCandidatesResponse(candidates: page.candidates.map(LoomProto.Candidate.init), nextPageToken: page.nextPageToken)
    }

    public func listRuns(_ request: ListRunsRequest, context: RPCHandlerContext) async throws -> ListRunsResponse {
        let filter = try LoomCore.RunFilter(request)
        let page = try await boundedRead(context) {
            try await service.listRuns(
                filter: filter, pageSize: Int(request.pageSize), pageToken: request.pageToken,
                scope: access.readScope(of: context.peer.identity))
        }
        return ListRunsResponse(runs: page.runs.map(LoomProto.Run.init), nextPageToken: page.nextPageToken)
    }

    public func recountMigration(
        _ request: RecountMigrationRequest, context: RPCHandlerContext
    ) async throws -> RecountMigrationResponse {
        let check = try await boundedRead(context) { try await service.recountMigration(id: request.migrationID, repair: request.repair) }
        return RecountMigrationResponse(
            stored: .init(check.stored), recounted: .init(check.recounted), drift: check.drift, repaired: check.repaired)
    }

    public func startRun(_ request: StartRunRequest, context: RPCHandlerContext) async throws -> LoomProto.Run {
        .init(
            try await service.startRun(
                migrationId: request.migrationID, candidateId: request.candidateID, inputs: request.inputs,
                startedBy: access.displayName(context)))
    }

    public func cancelRun(_ request: CancelRunRequest, context: RPCHandlerContext) async throws -> LoomProto.Run {
        .init(
            try await service.cancelRun(
                migrationId: request.migrationID, candidateId: request.candidateID, reason: request.reason, failed: request.failed))
    }

    public func retryStep(_ request: RetryStepRequest, context: RPCHandlerContext) async throws -> LoomProto.Run {
        .init(try await service.retryStep(migrationId: request.migrationID, candidateId: request.candidateID, stepName: request.stepName))
    }

    public func getRun(_ request: GetRunRequest, context: RPCHandlerContext) async throws -> LoomProto.Run {
        .init(
            try await service.run(
                migrationId: request.migrationID, candidateId: request.candidateID, scope: access.readScope(of: context.peer.identity)))
    }

    public func getRunHistory(_ request: GetRunHistoryRequest, context: RPCHandlerContext) async throws -> GetRunHistoryResponse {
        let entries = try await boundedRead(context) {
            try await service.runHistory(
                migrationId: request.migrationID, candidateId: request.candidateID, limit: Int(request.limit),
                scope: access.readScope(of: context.peer.identity))
        }
        return GetRunHistoryResponse(entries: entries.map(LoomProto.HistoryEntry.init))
    }

    public func dryRun(_ request: LoomProto.DryRunRequest, context: RPCHandlerContext) async throws -> LoomProto.DryRunResult {
        .init(
            try await service.dryRun(
                migrationId: request.migrationID, candidateId: request.candidateID, inputs: request.inputs,
                candidate: request.candidate.map(LoomCore.Candidate.init), scope: access.readScope(of: context.peer.identity)))
    }

    public func reportStepEvent(
        _ request: ReportStepEventRequest, context: RPCHandlerContext
    ) async throws -> ReportStepEventResponse {
        guard let event = request.event else { throw RPCError(code: .invalidArgument, message: "event is required") }
        let credential: EventCredential =
            request.callbackToken.isEmpty ? access.eventCredentialWithoutToken(context) : .callbackToken(request.callbackToken)
        // An anonymous caller proves its right with the callback token, checked by the service.
        let receipt = try await service.receiveStepEvent(
            runID: request.runID, credential: credential, event: .init(event), scope: access.eventScope(of: context.peer.identity))
        return ReportStepEventResponse(status: receipt.alreadyApplied ? "already applied" : "event raised", run: .init(receipt.run))
    }

    public func watchRun(
        _ request: WatchRunRequest, context: RPCHandlerContext, writer: RPCResponseWriter<LoomProto.RunUpdate>
    ) async throws {
        let updates = try await service.watchRun(
            migrationId: request.migrationID, candidateId: request.candidateID, fromVersion: request.fromVersion,
            pollInterval: watchInterval, scope: access.readScope(of: context.peer.identity))
        for try await update in updates {
            let entries = update.entries.map(LoomProto.HistoryEntry.init)
            try await writer.write(LoomProto.RunUpdate(run: .init(update.run), entry: entries.last, entries: entries))
        }
    }

    public func watchMigration(
        _ request: WatchMigrationRequest, context: RPCHandlerContext, writer: RPCResponseWriter<LoomProto.MigrationUpdate>
    ) async throws {
        let updates = try await service.watchMigration(
            id: request.migrationID, pollInterval: watchInterval * 2, scope: access.readScope(of: context.peer.identity))
        for try await update in updates {
            try await writer.write(
                LoomProto.MigrationUpdate(
                    counts: .init(update.counts), runs: update.runs.map(LoomProto.Run.init), truncated: update.truncated))
        }
    }

    public func updateCandidateInputs(
        _ request: UpdateCandidateInputsRequest, context: RPCHandlerContext
    ) async throws -> LoomProto.Candidate {
        .init(
            try await service.updateCandidateInputs(
                migrationId: request.migrationID, candidateId: request.candidateID, inputs: request.inputs))
    }
}
