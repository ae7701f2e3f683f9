import Logging
import LoomAPI
import LoomMigratorKit
import LoomProto
import LoomRPC
import NIOConcurrencyHelpers
import Testing

/// A real RPC `service Loom` on a loopback port: records announces, submissions and step events, and answers
/// step events from a script (the last answer repeats). Everything else is UNIMPLEMENTED.
final class ScriptedLoomService: LoomServiceHandler {
    enum Answer: Sendable {
        case status(String)
        case error(RPCStatus.Code)
    }

    struct Recorded {
        var script: [Answer]
        var announced: [Migration] = []
        var submitted: [SubmitCandidatesRequest] = []
        var events: [ReportStepEventRequest] = []
    }

    let recorded: NIOLockedValueBox<Recorded>

    init(_ script: [Answer]) {
        recorded = NIOLockedValueBox(Recorded(script: script))
    }

    func announce(_ request: AnnounceRequest, context: RPCHandlerContext) async throws -> AnnounceResponse {
        recorded.withLockedValue { $0.announced.append(request.migration ?? Migration()) }
        return AnnounceResponse(migration: request.migration, rejectedCandidates: [RejectedCandidate(id: "bad id", reason: "invalid id")])
    }

    func submitCandidates(_ request: SubmitCandidatesRequest, context: RPCHandlerContext) async throws -> SubmitCandidatesResponse {
        recorded.withLockedValue { $0.submitted.append(request) }
        return SubmitCandidatesResponse(accepted: UInt32(request.candidates.count - 1), skippedIDs: [request.candidates[0].id])
    }

    func reportStepEvent(_ request: ReportStepEventRequest, context: RPCHandlerContext) async throws -> ReportStepEventResponse {
        let answer = recorded.withLockedValue { state in
            state.events.append(request)
            return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
        }
        switch answer {
        case .status(let status): return ReportStepEventResponse(status: status)
        case .error(let code): throw RPCError(code: code, message: "scripted \(code)")
        }
    }

    static let unimplemented = RPCError(code: .unimplemented, message: "not in this fake")
    func listMigrations(_ r: ListMigrationsRequest, context: RPCHandlerContext) async throws -> ListMigrationsResponse { throw Self.unimplemented }
    func getMigration(_ r: GetMigrationRequest, context: RPCHandlerContext) async throws -> Migration { throw Self.unimplemented }
    func listCandidates(_ r: ListCandidatesRequest, context: RPCHandlerContext) async throws -> ListCandidatesResponse { throw Self.unimplemented }
    func startRun(_ r: StartRunRequest, context: RPCHandlerContext) async throws -> Run { throw Self.unimplemented }
    func cancelRun(_ r: CancelRunRequest, context: RPCHandlerContext) async throws -> Run { throw Self.unimplemented }
    func retryStep(_ r: RetryStepRequest, context: RPCHandlerContext) async throws -> Run { throw Self.unimplemented }
    func getRun(_ r: GetRunRequest, context: RPCHandlerContext) async throws -> Run { throw Self.unimplemented }
    func getRunHistory(_ r: GetRunHistoryRequest, context: RPCHandlerContext) async throws -> GetRunHistoryResponse { throw Self.unimplemented }
    func dryRun(_ r: DryRunRequest, context: RPCHandlerContext) async throws -> DryRunResult { throw Self.unimplemented }
    func watchRun(_ r: WatchRunRequest, context: RPCHandlerContext, writer: RPCResponseWriter<RunUpdate>) async throws { throw Self.unimplemented }
    func listRuns(_ r: ListRunsRequest, context: RPCHandlerContext) async throws -> ListRunsResponse { throw Self.unimplemented }
    func recountMigration(_ r: RecountMigrationRequest, context: RPCHandlerContext) async throws -> RecountMigrationResponse {
        throw Self.unimplemented
    }
    func updateCandidateInputs(_ r: UpdateCandidateInputsRequest, context: RPCHandlerContext) async throws -> Candidate { throw Self.unimplemented }
    func watchMigration(
        _ r: WatchMigrationRequest, context: RPCHandlerContext, writer: RPCResponseWriter<MigrationUpdate>
    ) async throws { throw Self.unimplemented }
    func createCampaign(_ r: CreateCampaignRequest, context: RPCHandlerContext) async throws -> CreateCampaignResponse { throw Self.unimplemented }
    func getCampaign(_ r: GetCampaignRequest, context: RPCHandlerContext) async throws -> Campaign { throw Self.unimplemented }
    func listCampaigns(_ r: ListCampaignsRequest, context: RPCHandlerContext) async throws -> ListCampaignsResponse { throw Self.unimplemented }
    func listCampaignMembers(_ r: ListCampaignMembersRequest, context: RPCHandlerContext) async throws -> ListCampaignMembersResponse {
        throw Self.unimplemented
    }
    func getCampaignHistory(_ r: GetCampaignHistoryRequest, context: RPCHandlerContext) async throws -> GetCampaignHistoryResponse {
        throw Self.unimplemented
    }
    func pauseCampaign(_ r: PauseCampaignRequest, context: RPCHandlerContext) async throws -> Campaign { throw Self.unimplemented }
    func resumeCampaign(_ r: ResumeCampaignRequest, context: RPCHandlerContext) async throws -> Campaign { throw Self.unimplemented }
    func updateCampaign(_ r: UpdateCampaignRequest, context: RPCHandlerContext) async throws -> Campaign { throw Self.unimplemented }
    func cancelCampaign(_ r: CancelCampaignRequest, context: RPCHandlerContext) async throws -> CancelCampaignResponse { throw Self.unimplemented }
    func watchCampaign(
        _ r: WatchCampaignRequest, context: RPCHandlerContext, writer: RPCResponseWriter<CampaignUpdate>
    ) async throws { throw Self.unimplemented }
}

@Suite("LoomConnection: announce, submit and report over RPC and REST")
struct LoomConnectionTests {
    static let logger = Logger(label: "test")
    static let policy = CallbackClient.RetryPolicy(attempts: 4, initialDelay: .milliseconds(100), maximumDelay: .seconds(1), jitter: 0)
    static let announcement = ReferenceJSON.MigrationAnnouncement(
        id: "m", name: "M", description: nil, candidates: [.init(id: "acme/a", kind: "repo", metadata: ["team": "x"])],
        steps: [.init(name: "s1", migratorApp: "app", type: "t", config: ["k": "v"])], migratorUrl: "http://127.0.0.1:9",
        requiredInputs: [.init(name: "team", label: "Team")])
    static let dispatch = ReferenceJSON.DispatchStepRequest(
        migrationId: "m", stepName: "s1", candidate: .init(id: "acme/a", kind: "repo"), config: nil, callbackId: "m__acme/a",
        eventName: "e", migratorApp: "app", migratorUrl: "http://127.0.0.1:9", type: "t", idempotencyKey: "m__acme/a/1/s1/1",
        attempt: 1, callbackToken: "v1.tok")
    static let event = ReferenceJSON.StepCompletedEvent(stepName: "s1", candidateId: "acme/a", success: true, phase: "merged")

    static func withRPC(
        _ script: [ScriptedLoomService.Answer], _ body: (LoomConnection, ScriptedLoomService, RecordingSleeper) async throws -> Void
    ) async throws {
        let service = ScriptedLoomService(script)
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: 0, router: RPCRouter(loomService: service), configuration: .defaults(transportSecurity: .insecure),
            logger: logger)
        let port = try #require(server.localAddress?.port)
        let sleeper = RecordingSleeper()
        let client = LoomClient(host: "127.0.0.1", port: port, configuration: .init(transportSecurity: .insecure))
        let connection = LoomConnection.rpc(client, callbacks: CallbackClient(retry: policy, logger: logger, sleep: sleeper.sleeper))
        do {
            try await body(connection, service, sleeper)
        } catch {
            await connection.close()
            await server.close()
            throw error
        }
        await connection.close()
        await server.close()
    }

    @Test("RPC: announce and submit carry the JSON types' fields; Loom's answers come back")
    func rpcAnnounceAndSubmit() async throws {
        try await Self.withRPC([.status("event raised")]) { connection, service, _ in
            let announced = try await connection.announce(Self.announcement)
            #expect(announced.rejected == [.init(id: "bad id", reason: "invalid id")])
            let migration = try #require(service.recorded.withLockedValue { $0.announced.first })
            #expect(migration.id == "m" && migration.migratorURL == "http://127.0.0.1:9")
            #expect(migration.steps == [StepDefinition(name: "s1", migratorApp: "app", type: "t", config: ["k": "v"])])
            #expect(migration.candidates == [Candidate(id: "acme/a", kind: "repo", metadata: ["team": "x"])])
            #expect(migration.requiredInputs == [InputDefinition(name: "team", label: "Team")])
            let submitted = try await connection.submitCandidates(
                [.init(id: "a", kind: "repo"), .init(id: "b", kind: "repo")], migrationID: "m")
            #expect(submitted.accepted == 1 && submitted.unchangedIDs == ["a"])
            #expect(service.recorded.withLockedValue { $0.submitted.first?.migrationID } == "m")
        }
    }

    @Test("RPC: UNAVAILABLE is resent with back-off; the callback token and run id go with the event")
    func rpcReportRetries() async throws {
        try await Self.withRPC([.error(.unavailable), .error(.internalError), .status("already applied")]) { connection, service, sleeper in
            #expect(await connection.report(Self.event, for: Self.dispatch) == .delivered(alreadyApplied: true))
            #expect(sleeper.recorded == [.milliseconds(100), .milliseconds(200)])
            let events = service.recorded.withLockedValue { $0.events }
            #expect(events.count == 3)
            #expect(events.allSatisfy { $0.runID == "m__acme/a" && $0.callbackToken == "v1.tok" && $0.event == Self.event.proto })
        }
    }

    @Test("RPC: FAILED_PRECONDITION (a stale event) is a conflict, UNAUTHENTICATED a rejection; neither resent")
    func rpcRefusals() async throws {
        try await Self.withRPC([.error(.failedPrecondition)]) { connection, service, sleeper in
            #expect(await connection.report(Self.event, for: Self.dispatch) == .conflict(message: "scripted FAILED_PRECONDITION"))
            #expect(service.recorded.withLockedValue { $0.events.count } == 1 && sleeper.recorded.isEmpty)
        }
        try await Self.withRPC([.error(.unauthenticated)]) { connection, service, sleeper in
            guard case .rejected(let reason) = await connection.report(Self.event, for: Self.dispatch) else {
                Issue.record("expected a rejection")
                return
            }
            #expect(reason.contains("UNAUTHENTICATED"))
            #expect(service.recorded.withLockedValue { $0.events.count } == 1 && sleeper.recorded.isEmpty)
        }
    }

    @Test("REST: announce and submit POST the JSON with the bearer credential; 4xx refused, 503 unavailable")
    func restAnnounceAndSubmit() async throws {
        let loom = try await FakeLoom.start([
            .json(.ok, ReferenceJSON.StatusResponse(status: "SUCCESS", rejected: [.init(id: "x", reason: "bad")])),
            JSONHTTPResponse(status: .noContent),
            .error(.forbidden, "migration m is owned by another migrator"),
            .error(.serviceUnavailable, "starting"),
        ])
        let ledger = DispatchLedger()
        let connection = LoomConnection.rest(url: "http://127.0.0.1:\(loom.port)/", credential: "secret", ledger: ledger)
        #expect(try await connection.announce(Self.announcement).rejected == [.init(id: "x", reason: "bad")])
        #expect(try await connection.submitCandidates([.init(id: "acme/a", kind: "repo")], migrationID: "m").rejected.isEmpty)
        await #expect(throws: LoomConnectionError.refused("HTTP 403: migration m is owned by another migrator")) {
            try await connection.announce(Self.announcement)
        }
        await #expect(throws: LoomConnectionError.unavailable("HTTP 503: starting")) {
            try await connection.announce(Self.announcement)
        }
        let received = loom.received
        #expect(received.map(\.path) == ["/registry/announce", "/migrations/m/candidates", "/registry/announce", "/registry/announce"])
        #expect(received.allSatisfy { $0.header("authorization") == "Bearer secret" })
        #expect(try received[0].decode(ReferenceJSON.MigrationAnnouncement.self) == Self.announcement)
        #expect(try received[1].decode(ReferenceJSON.SubmitCandidatesRequest.self).candidates.map(\.id) == ["acme/a"])
        try await loom.close()
    }

    @Test("REST: an event goes to the shim's /event/{callbackId} with the callback token, and into the ledger")
    func restReport() async throws {
        let loom = try await FakeLoom.start([.json(.accepted, ["status": "event raised"])])
        let ledger = DispatchLedger()
        let connection = LoomConnection.rest(url: "http://127.0.0.1:\(loom.port)", credential: "secret", ledger: ledger)
        #expect(await ledger.register("m__acme/a/1/s1/1"))
        #expect(await connection.report(Self.event, for: Self.dispatch) == .delivered(alreadyApplied: false))
        let request = try #require(loom.received.first)
        #expect(request.path == "/event/m__acme%2Fa" && request.header("authorization") == "Bearer v1.tok")
        #expect(await ledger.status(ofKey: "m__acme/a/1/s1/1") == .reported(Self.event))
        try await loom.close()
    }
}
