import LoomAPI
import LoomProto
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import LoomRPC

/// A `service Loom` implementation that records which method each call reached.
final class RecordingLoomService: LoomServiceHandler {
    let calls = NIOLockedValueBox<[LoomMethod]>([])

    private func record(_ method: LoomMethod) { calls.withLockedValue { $0.append(method) } }

    func announce(_ request: AnnounceRequest, context: RPCHandlerContext) async throws -> AnnounceResponse {
        record(.announce)
        return AnnounceResponse()
    }
    func listMigrations(_ request: ListMigrationsRequest, context: RPCHandlerContext) async throws -> ListMigrationsResponse {
        record(.listMigrations)
        return ListMigrationsResponse()
    }
    func getMigration(_ request: GetMigrationRequest, context: RPCHandlerContext) async throws -> Migration {
        record(.getMigration)
        return Migration()
    }
    func submitCandidates(_ request: SubmitCandidatesRequest, context: RPCHandlerContext) async throws -> SubmitCandidatesResponse {
        record(.submitCandidates)
        return SubmitCandidatesResponse()
    }
    func listCandidates(_ request: ListCandidatesRequest, context: RPCHandlerContext) async throws -> ListCandidatesResponse {
        record(.listCandidates)
        return ListCandidatesResponse()
    }
    func startRun(_ request: StartRunRequest, context: RPCHandlerContext) async throws -> Run {
        record(.startRun)
        return Run()
    }
    func cancelRun(_ request: CancelRunRequest, context: RPCHandlerContext) async throws -> Run {
        record(.cancelRun)
        return Run()
    }
    func retryStep(_ request: RetryStepRequest, context: RPCHandlerContext) async throws -> Run {
        record(.retryStep)
        return Run()
    }
    func getRun(_ request: GetRunRequest, context: RPCHandlerContext) async throws -> Run {
        record(.getRun)
        guard request.migrationID != "missing" else {
            throw RPCError(code: .notFound, message: "run \(request.migrationID)/\(request.candidateID) not found")
        }
        return Run(id: "\(request.migrationID)__\(request.candidateID)", migrationID: request.migrationID, candidateID: request.candidateID)
    }
    func getRunHistory(_ request: GetRunHistoryRequest, context: RPCHandlerContext) async throws -> GetRunHistoryResponse {
        record(.getRunHistory)
        return GetRunHistoryResponse()
    }
    func dryRun(_ request: DryRunRequest, context: RPCHandlerContext) async throws -> DryRunResult {
        record(.dryRun)
        return DryRunResult()
    }
    func reportStepEvent(_ request: ReportStepEventRequest, context: RPCHandlerContext) async throws -> ReportStepEventResponse {
        record(.reportStepEvent)
        return ReportStepEventResponse()
    }
    func watchRun(_ request: WatchRunRequest, context: RPCHandlerContext, writer: RPCResponseWriter<RunUpdate>) async throws {
        record(.watchRun)
        for step in 0..<3 {
            try await writer.write(RunUpdate(run: Run(migrationID: request.migrationID, currentStep: UInt32(step))))
        }
    }
    func listRuns(_ request: ListRunsRequest, context: RPCHandlerContext) async throws -> ListRunsResponse {
        record(.listRuns)
        return ListRunsResponse(runs: [Run(migrationID: request.migrationID, status: request.status)], nextPageToken: request.pageToken + "+1")
    }
    func recountMigration(_ request: RecountMigrationRequest, context: RPCHandlerContext) async throws -> RecountMigrationResponse {
        record(.recountMigration)
        return RecountMigrationResponse(stored: MigrationCounts(), recounted: MigrationCounts(runsRunning: 1), repaired: request.repair)
    }
    func updateCandidateInputs(_ request: UpdateCandidateInputsRequest, context: RPCHandlerContext) async throws -> Candidate {
        record(.updateCandidateInputs)
        return Candidate(id: request.candidateID, inputs: request.inputs)
    }
    func watchMigration(_ request: WatchMigrationRequest, context: RPCHandlerContext, writer: RPCResponseWriter<MigrationUpdate>) async throws {
        record(.watchMigration)
        try await writer.write(MigrationUpdate(counts: MigrationCounts()))
        for count in 1...2 {
            let runs = (0..<count).map { Run(migrationID: request.migrationID, candidateID: "c\($0)") }
            try await writer.write(MigrationUpdate(counts: MigrationCounts(runsRunning: UInt64(count)), runs: runs, truncated: count == 2))
        }
    }
    func createCampaign(_ request: CreateCampaignRequest, context: RPCHandlerContext) async throws -> CreateCampaignResponse {
        record(.createCampaign)
        return CreateCampaignResponse(
            campaign: Campaign(id: request.campaignID, migrationID: request.migrationID), memberCount: UInt32(request.candidateIDs.count))
    }
    func getCampaign(_ request: GetCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        record(.getCampaign)
        return Campaign(id: request.campaignID)
    }
    func listCampaigns(_ request: ListCampaignsRequest, context: RPCHandlerContext) async throws -> ListCampaignsResponse {
        record(.listCampaigns)
        return ListCampaignsResponse(campaigns: [Campaign(migrationID: request.migrationID)], nextPageToken: request.pageToken + "+1")
    }
    func listCampaignMembers(_ request: ListCampaignMembersRequest, context: RPCHandlerContext) async throws -> ListCampaignMembersResponse {
        record(.listCampaignMembers)
        return ListCampaignMembersResponse(members: [CampaignMember(candidateID: "c", status: request.status)])
    }
    func getCampaignHistory(_ request: GetCampaignHistoryRequest, context: RPCHandlerContext) async throws -> GetCampaignHistoryResponse {
        record(.getCampaignHistory)
        return GetCampaignHistoryResponse(events: [CampaignEvent(kind: .created)])
    }
    func pauseCampaign(_ request: PauseCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        record(.pauseCampaign)
        return Campaign(id: request.campaignID, state: .paused, stateReason: request.reason)
    }
    func resumeCampaign(_ request: ResumeCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        record(.resumeCampaign)
        return Campaign(id: request.campaignID, state: .running)
    }
    func updateCampaign(_ request: UpdateCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        record(.updateCampaign)
        return Campaign(id: request.campaignID, maxInFlight: request.maxInFlight)
    }
    func cancelCampaign(_ request: CancelCampaignRequest, context: RPCHandlerContext) async throws -> CancelCampaignResponse {
        record(.cancelCampaign)
        return CancelCampaignResponse(campaign: Campaign(id: request.campaignID, state: .cancelled), runsCancelled: request.cancelRuns ? 2 : 0)
    }
    func watchCampaign(_ request: WatchCampaignRequest, context: RPCHandlerContext, writer: RPCResponseWriter<CampaignUpdate>) async throws {
        record(.watchCampaign)
        for state in [CampaignState.running, .paused, .cancelled] {
            try await writer.write(CampaignUpdate(campaign: Campaign(id: request.campaignID, state: state)))
        }
    }
}

@Suite("service Loom routing and LoomClient")
struct LoomServiceRoutingTests {
    @Test("the router serves exactly the methods of the proto's service descriptor")
    func routerCoversProto() {
        let router = RPCRouter(loomService: RecordingLoomService())
        #expect(router.methodNames == LoomServiceDescriptor.methods.map(\.path).sorted())
        #expect(router.methodNames.count == LoomServiceDescriptor.methods.count)
        #expect(router.methodNames.allSatisfy { $0.hasPrefix("/loom.v1.Loom/") })
    }

    @Test("every LoomClient method reaches the matching handler method")
    func everyMethodRoundTrips() async throws {
        let service = RecordingLoomService()
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: 0, router: RPCRouter(loomService: service),
            configuration: .defaults(transportSecurity: .insecure), logger: TestServer.quietLogger
        )
        let loom = LoomClient(
            host: "127.0.0.1", port: server.localAddress?.port ?? 0,
            configuration: .defaults(transportSecurity: .insecure), logger: TestServer.quietLogger
        )
        _ = try await loom.announce(AnnounceRequest())
        _ = try await loom.listMigrations(ListMigrationsRequest())
        _ = try await loom.getMigration(GetMigrationRequest())
        _ = try await loom.submitCandidates(SubmitCandidatesRequest())
        _ = try await loom.listCandidates(ListCandidatesRequest())
        _ = try await loom.startRun(StartRunRequest())
        _ = try await loom.cancelRun(CancelRunRequest())
        _ = try await loom.retryStep(RetryStepRequest())
        let run = try await loom.getRun(GetRunRequest(migrationID: "m", candidateID: "c"))
        _ = try await loom.getRunHistory(GetRunHistoryRequest())
        _ = try await loom.dryRun(DryRunRequest())
        _ = try await loom.reportStepEvent(ReportStepEventRequest())
        var updates: [UInt32] = []
        for try await update in try await loom.watchRun(WatchRunRequest(migrationID: "m", candidateID: "c")) {
            updates.append(update.run?.currentStep ?? 99)
        }
        let runs = try await loom.listRuns(ListRunsRequest(migrationID: "m", status: .failed, pageToken: "p"))
        let recount = try await loom.recountMigration(RecountMigrationRequest(migrationID: "m", repair: true))
        let candidate = try await loom.updateCandidateInputs(
            UpdateCandidateInputsRequest(migrationID: "m", candidateID: "org/repo", inputs: ["repoName": "repo"]))
        var migrationUpdates: [MigrationUpdate] = []
        for try await update in try await loom.watchMigration(WatchMigrationRequest(migrationID: "m")) {
            migrationUpdates.append(update)
        }
        let created = try await loom.createCampaign(CreateCampaignRequest(campaignID: "c1", migrationID: "m", candidateIDs: ["a", "b"]))
        let campaign = try await loom.getCampaign(GetCampaignRequest(campaignID: "c1"))
        let campaigns = try await loom.listCampaigns(ListCampaignsRequest(migrationID: "m", pageToken: "q"))
        let members = try await loom.listCampaignMembers(ListCampaignMembersRequest(campaignID: "c1", status: .failed))
        let events = try await loom.getCampaignHistory(GetCampaignHistoryRequest(campaignID: "c1"))
        let paused = try await loom.pauseCampaign(PauseCampaignRequest(campaignID: "c1", reason: "lunch"))
        let resumed = try await loom.resumeCampaign(ResumeCampaignRequest(campaignID: "c1"))
        let updated = try await loom.updateCampaign(UpdateCampaignRequest(campaignID: "c1", maxInFlight: 7))
        let cancelled = try await loom.cancelCampaign(CancelCampaignRequest(campaignID: "c1", cancelRuns: true))
        var campaignStates: [CampaignState] = []
        for try await update in try await loom.watchCampaign(WatchCampaignRequest(campaignID: "c1")) {
            campaignStates.append(update.campaign?.state ?? .unspecified)
        }
        #expect(campaignStates == [.running, .paused, .cancelled])
        #expect(created == CreateCampaignResponse(campaign: Campaign(id: "c1", migrationID: "m"), memberCount: 2))
        #expect(campaign.id == "c1")
        #expect(campaigns == ListCampaignsResponse(campaigns: [Campaign(migrationID: "m")], nextPageToken: "q+1"))
        #expect(members.members.map(\.status) == [.failed])
        #expect(events.events.map(\.kind) == [.created])
        #expect(paused.state == .paused && paused.stateReason == "lunch")
        #expect(resumed.state == .running)
        #expect(updated.maxInFlight == 7)
        #expect(cancelled.runsCancelled == 2 && cancelled.campaign?.state == .cancelled)
        #expect(run.id == "m__c")
        #expect(updates == [0, 1, 2])
        #expect(runs == ListRunsResponse(runs: [Run(migrationID: "m", status: .failed)], nextPageToken: "p+1"))
        #expect(recount == RecountMigrationResponse(stored: MigrationCounts(), recounted: MigrationCounts(runsRunning: 1), repaired: true))
        #expect(candidate == Candidate(id: "org/repo", inputs: ["repoName": "repo"]))
        // Every message arrives, in order, and the loop ends when the handler returns (the stream ends with OK).
        #expect(migrationUpdates.map { $0.counts?.runsRunning } == [0, 1, 2])
        #expect(migrationUpdates.map { $0.runs.map(\.candidateID) } == [[], ["c0"], ["c0", "c1"]])
        #expect(migrationUpdates.map(\.truncated) == [false, false, true])
        #expect(migrationUpdates.allSatisfy { $0.runs.allSatisfy { $0.migrationID == "m" } })
        #expect(service.calls.withLockedValue { $0 } == LoomMethod.allCases)
        await loom.close()
        await server.close()
    }

    @Test("typed errors keep their status; undecodable request bytes get INVALID_ARGUMENT")
    func typedErrors() async throws {
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: 0, router: RPCRouter(loomService: RecordingLoomService()),
            configuration: .defaults(transportSecurity: .insecure), logger: TestServer.quietLogger
        )
        let loom = LoomClient(
            host: "127.0.0.1", port: server.localAddress?.port ?? 0,
            configuration: .defaults(transportSecurity: .insecure), logger: TestServer.quietLogger
        )
        let notFound = await #expect(throws: RPCError.self) {
            _ = try await loom.getRun(GetRunRequest(migrationID: "missing", candidateID: "c"))
        }
        #expect(notFound?.code == .notFound)
        // A field tag with wire type 7 does not exist in protobuf: the bytes cannot decode as GetRunRequest.
        let invalid = await #expect(throws: RPCError.self) {
            _ = try await loom.rpc.unary(method: LoomMethod.getRun.descriptor.path, request: ByteBuffer(bytes: [0x0F, 0x01]))
        }
        #expect(invalid?.code == .invalidArgument)
        await loom.close()
        await server.close()
    }
}
