import Logging
import LoomAPI
import LoomCLI
import LoomProto
import LoomRPC
import NIOConcurrencyHelpers
import Testing

/// An in-memory `service Loom` for end-to-end tests of loomctl: one migration `m1` with candidates `ok`
/// (its watch ends completed), `stop` (ends cancelled) and `hang` (the stream ends while running). It records the
/// requests that change state and the identity of the last caller.
final class FakeLoomService: LoomServiceHandler {
    struct Recorded {
        var startInputs: [String: String]?
        var events: [ReportStepEventRequest] = []
        var lastIdentity: String?
        /// The campaign requests that change state, as received.
        var createCampaign: CreateCampaignRequest?
        var pauseCampaign: PauseCampaignRequest?
        var updateCampaign: UpdateCampaignRequest?
        var cancelCampaign: CancelCampaignRequest?
    }

    let recorded = NIOLockedValueBox(Recorded())

    static let migration = Migration(
        id: "m1",
        name: "Chart swap",
        migratorURL: "https://migrator",
        requiredInputs: [InputDefinition(name: "repo", label: "Repository")],
        steps: [StepDefinition(name: "chart", type: "swap"), StepDefinition(name: "review", type: "manual-review")],
        owner: "spiffe://loom.dev/migrator/example",
        counts: MigrationCounts(
            candidatesNotStarted: 1, candidatesRunning: 1, runsRunning: 1, runsCancelled: 1,
            steps: [StepCounts(stepName: "review", awaitingReview: 1)])
    )
    static let candidates = [Candidate(id: "ok", kind: "app", status: .running), Candidate(id: "stop", kind: "app", status: .notStarted)]

    static func run(_ candidate: String, status: RunStatus, step: UInt32, stepStatus: StepStatus) -> Run {
        var results = [StepResult(stepName: "chart", status: step > 0 ? .merged : stepStatus, metadata: ["prUrl": "https://git/pr/7"], attempt: 1)]
        if step > 0, step < 2 { results.append(StepResult(stepName: "review", status: stepStatus, attempt: 1)) }
        if step >= 2 { results.append(StepResult(stepName: "review", status: .completed, attempt: 1)) }
        return Run(
            id: "m1__\(candidate)",
            migrationID: "m1",
            candidateID: candidate,
            status: status,
            currentStep: step,
            results: results,
            steps: migration.steps
        )
    }

    func remember(_ context: RPCHandlerContext) {
        recorded.withLockedValue { $0.lastIdentity = context.peer.identity.map { "\($0)" } }
    }

    func requireMigration(_ id: String) throws {
        guard id == "m1" else { throw RPCError(code: .notFound, message: "migration \(id) not found") }
    }

    func announce(_ request: AnnounceRequest, context: RPCHandlerContext) async throws -> AnnounceResponse {
        AnnounceResponse(migration: request.migration)
    }

    func listMigrations(_ request: ListMigrationsRequest, context: RPCHandlerContext) async throws -> ListMigrationsResponse {
        remember(context)
        // Two pages, to exercise pagination.
        if request.pageToken.isEmpty {
            return ListMigrationsResponse(migrations: [Self.migration], nextPageToken: "p2")
        }
        return ListMigrationsResponse(migrations: [Migration(id: "m2", name: "Other", steps: [StepDefinition(name: "x")])])
    }

    func getMigration(_ request: GetMigrationRequest, context: RPCHandlerContext) async throws -> Migration {
        try requireMigration(request.migrationID)
        return Self.migration
    }

    func submitCandidates(_ request: SubmitCandidatesRequest, context: RPCHandlerContext) async throws -> SubmitCandidatesResponse {
        try requireMigration(request.migrationID)
        return SubmitCandidatesResponse(accepted: UInt32(request.candidates.count), skippedIDs: [])
    }

    func listCandidates(_ request: ListCandidatesRequest, context: RPCHandlerContext) async throws -> ListCandidatesResponse {
        try requireMigration(request.migrationID)
        // Pages of one, to exercise --all and the page-token hint.
        if request.pageSize == 1 && request.pageToken.isEmpty {
            return ListCandidatesResponse(candidates: [Self.candidates[0]], nextPageToken: "c2")
        }
        if request.pageToken == "c2" { return ListCandidatesResponse(candidates: [Self.candidates[1]]) }
        return ListCandidatesResponse(candidates: Self.candidates)
    }

    func startRun(_ request: StartRunRequest, context: RPCHandlerContext) async throws -> Run {
        try requireMigration(request.migrationID)
        guard request.inputs["repo"].map({ !$0.isEmpty }) == true else {
            throw RPCError(code: .invalidArgument, message: "missing required input repo")
        }
        recorded.withLockedValue { $0.startInputs = request.inputs }
        return Self.run(request.candidateID, status: .running, step: 0, stepStatus: .inProgress)
    }

    func cancelRun(_ request: CancelRunRequest, context: RPCHandlerContext) async throws -> Run {
        Self.run(request.candidateID, status: .cancelled, step: 1, stepStatus: .cancelled)
    }

    func retryStep(_ request: RetryStepRequest, context: RPCHandlerContext) async throws -> Run {
        throw RPCError(code: .failedPrecondition, message: "step \(request.stepName) has not failed")
    }

    func getRun(_ request: GetRunRequest, context: RPCHandlerContext) async throws -> Run {
        remember(context)
        try requireMigration(request.migrationID)
        return Self.run(request.candidateID, status: .running, step: 1, stepStatus: .awaitingReview)
    }

    func getRunHistory(_ request: GetRunHistoryRequest, context: RPCHandlerContext) async throws -> GetRunHistoryResponse {
        GetRunHistoryResponse(entries: [
            HistoryEntry(id: "1", kind: .runStarted, runStatus: .running),
            HistoryEntry(id: "2", kind: .stepCompleted, stepName: "chart", attempt: 1, stepStatus: .merged, runStatus: .running),
        ])
    }

    func dryRun(_ request: DryRunRequest, context: RPCHandlerContext) async throws -> DryRunResult {
        let name = request.candidate?.id ?? request.candidateID
        return DryRunResult(steps: [
            StepDryRunResult(stepName: "chart", files: [
                FileDiff(path: "\(name)/values.yaml", repo: "deploy", before: "chart: old\nreplicas: 2\n", after: "chart: new\nreplicas: 2\n", status: .modified)
            ]),
            StepDryRunResult(stepName: "review", skipped: true),
        ])
    }

    func reportStepEvent(_ request: ReportStepEventRequest, context: RPCHandlerContext) async throws -> ReportStepEventResponse {
        remember(context)
        recorded.withLockedValue { $0.events.append(request) }
        let success = request.event?.success == true
        return ReportStepEventResponse(
            status: "event raised",
            run: Self.run("ok", status: success ? .completed : .waitingRetry, step: success ? 2 : 1, stepStatus: success ? .completed : .failed)
        )
    }

    func watchRun(_ request: WatchRunRequest, context: RPCHandlerContext, writer: RPCResponseWriter<RunUpdate>) async throws {
        try requireMigration(request.migrationID)
        let candidate = request.candidateID
        try await writer.write(RunUpdate(run: Self.run(candidate, status: .running, step: 0, stepStatus: .inProgress)))
        try await writer.write(
            RunUpdate(
                run: Self.run(candidate, status: .running, step: 1, stepStatus: .inProgress),
                entry: HistoryEntry(kind: .stepCompleted, stepName: "chart", attempt: 1, stepStatus: .merged, runStatus: .running)
            )
        )
        switch candidate {
        case "ok":
            try await writer.write(
                RunUpdate(run: Self.run(candidate, status: .completed, step: 2, stepStatus: .completed), entry: HistoryEntry(kind: .runCompleted, runStatus: .completed))
            )
        case "stop":
            try await writer.write(
                RunUpdate(run: Self.run(candidate, status: .cancelled, step: 1, stepStatus: .cancelled), entry: HistoryEntry(kind: .runCancelled, runStatus: .cancelled))
            )
        default:
            return
        }
    }

    func listRuns(_ request: ListRunsRequest, context: RPCHandlerContext) async throws -> ListRunsResponse {
        remember(context)
        if !request.migrationID.isEmpty { try requireMigration(request.migrationID) }
        var stuck = Self.run("stuck", status: .running, step: 0, stepStatus: .inProgress)
        stuck.stalledSinceUnixMs = 1_767_225_600_000
        let runs = [
            Self.run("ok", status: .running, step: 1, stepStatus: .awaitingReview),
            Self.run("stop", status: .cancelled, step: 1, stepStatus: .cancelled),
            stuck,
        ]
        return ListRunsResponse(
            runs: runs.filter {
                (request.status == .unspecified || $0.status == request.status) && (!request.stalled || $0.stalledSinceUnixMs != 0)
            })
    }

    func recountMigration(_ request: RecountMigrationRequest, context: RPCHandlerContext) async throws -> RecountMigrationResponse {
        if request.migrationID == "drifted" {
            return RecountMigrationResponse(
                stored: MigrationCounts(runsRunning: 2), recounted: MigrationCounts(runsRunning: 1),
                drift: ["runs.running: 2 stored, 1 recounted"], repaired: request.repair)
        }
        try requireMigration(request.migrationID)
        let counts = MigrationCounts(
            candidatesNotStarted: 1,
            candidatesRunning: 1,
            runsRunning: 1,
            runsCancelled: 1,
            steps: [StepCounts(stepName: "review", awaitingReview: 1)]
        )
        return RecountMigrationResponse(stored: counts, recounted: counts, repaired: request.repair)
    }

    func updateCandidateInputs(_ request: UpdateCandidateInputsRequest, context: RPCHandlerContext) async throws -> Candidate {
        remember(context)
        try requireMigration(request.migrationID)
        guard request.candidateID == "ok" else {
            throw RPCError(code: .notFound, message: "candidate \(request.candidateID) not found")
        }
        var candidate = Self.candidates[0]
        candidate.inputs = request.inputs
        return candidate
    }

    func watchMigration(_ request: WatchMigrationRequest, context: RPCHandlerContext, writer: RPCResponseWriter<MigrationUpdate>) async throws {
        remember(context)
        try requireMigration(request.migrationID)
        try await writer.write(MigrationUpdate(counts: Self.migration.counts))
    }
}

/// A fake server on a loopback port, and a way to run loomctl against it.
struct FakeServer {
    let server: RPCServer
    let service: FakeLoomService
    let port: Int

    static func start(security: RPCTransportSecurity = .insecure) async throws -> FakeServer {
        let service = FakeLoomService()
        let server = try await RPCServer.bind(
            host: "127.0.0.1",
            port: 0,
            router: RPCRouter(loomService: service),
            configuration: .defaults(transportSecurity: security),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return FakeServer(server: server, service: service, port: try #require(server.localAddress?.port))
    }

    /// Runs `loomctl ARGUMENTS --server 127.0.0.1:PORT [--insecure]`; returns (exit code, stdout, stderr).
    func loomctl(
        _ arguments: [String],
        insecure: Bool = true,
        environment: [String: String] = [:],
        terminal: Bool = false
    ) async -> (code: Int32, output: String, error: String) {
        let capture = CapturedConsole()
        let code = await Loomctl.run(
            arguments: arguments + ["--server", "127.0.0.1:\(port)"] + (insecure ? ["--insecure"] : []),
            environment: environment,
            console: capture.console(isTerminal: terminal)
        )
        return (code, capture.output, capture.error)
    }

    func stop() async {
        await server.close()
    }

    /// Runs `body` against a fresh fake server, stopping it afterwards whatever happens.
    static func with(_ body: (FakeServer) async throws -> Void) async throws {
        let server = try await FakeServer.start()
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
