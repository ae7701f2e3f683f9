import Logging
import LoomAPI
import LoomProto
import NIOCore
import NIOEmbedded

@testable import LoomRPC

/// The harness of the `rpc-server` fuzz target: a client's bytes into the server's ``ServerConnectionHandler`` on an
/// `EmbeddedChannel`, routed to every method of `service Loom` (``FuzzLoomService``).
///
/// Handlers run on the connection's event loop (``RPCServer/HandlerExecution/eventLoop``), so every task, timer and
/// write happens on this thread: deterministic, and nothing outlives the input. Input: byte 0 picks the read size
/// (1…256), bit 0 of byte 1 makes the channel unwritable until the stream has been read (frames are held back), bit
/// 1 starts a graceful shutdown afterwards; the rest is the stream. After the stream, time jumps a minute (deadlines
/// and the idle timer fire) and the connection closes. Checked, besides "never traps": what the server writes is a
/// sequence of whole, well-formed server frames.
///
/// This file is also compiled into the fuzzer (`Fuzz/Sources/FuzzRPCServer` links it): no test-only code here.
enum RPCServerFuzzer {
    static let router = RPCRouter(loomService: FuzzLoomService())
    static let logger = Logger(label: "loom.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    static let peerAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 9)

    static func run(_ input: UnsafeRawBufferPointer) {
        guard input.count >= 2 else { return }
        let readSize = Int(input[0]) + 1
        let holdWrites = input[1] & 1 != 0
        let drain = input[1] & 2 != 0
        var stream = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: input.dropFirst(2)))

        let channel = EmbeddedChannel()
        let loop = channel.embeddedEventLoop
        let configuration = ServerConnectionHandler.Configuration(
            maxConcurrentCalls: 4, idleTimeout: .seconds(30), handlerExecution: .eventLoop, maxMessageSize: 1024
        )
        try! channel.pipeline.syncOperations.addHandler(
            ServerConnectionHandler(
                router: router, authorizer: RPCAllowAllAuthorizer(), configuration: configuration, peerIdentity: nil,
                logger: logger
            )
        )
        try! channel.connect(to: peerAddress).wait()
        if holdWrites { channel.isWritable = false }
        while channel.isActive, let chunk = stream.readSlice(length: min(readSize, stream.readableBytes)),
            chunk.readableBytes > 0
        {
            // A protocol violation closes the channel; writeInbound then reports the decoding error.
            _ = try? channel.writeInbound(chunk)
            loop.run()
        }
        if holdWrites {
            channel.isWritable = true
            channel.pipeline.fireChannelWritabilityChanged()
            loop.run()
        }
        if drain {
            channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.GracefulShutdownEvent())
            loop.run()
        }
        loop.advanceTime(by: .seconds(60))
        checkWritten(channel)
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()
        checkWritten(channel)
    }

    /// What the server wrote must be whole frames of the kinds a server sends.
    private static func checkWritten(_ channel: EmbeddedChannel) {
        var reader = RPCFrameReader(maxMessageSize: .max)
        while let buffer = try? channel.readOutbound(as: ByteBuffer.self) {
            reader.append(buffer)
        }
        do {
            while let frame = try reader.next() {
                switch frame {
                case .message, .status, .pong, .goAway: break
                case .callStart, .cancel, .ping: preconditionFailure("the server wrote a client frame: \(frame)")
                }
            }
            try reader.checkEndOfStream()
        } catch {
            preconditionFailure("the server wrote bytes that are not frames: \(error)")
        }
    }
}

/// Answers every method of `service Loom` at once: empty messages, two errors (a status and an unmapped error), one
/// handler that suspends before answering, and streams of one or two messages.
struct FuzzLoomService: LoomServiceHandler {
    struct Unmapped: Error {}

    func announce(_ request: AnnounceRequest, context: RPCHandlerContext) async throws -> AnnounceResponse {
        await Task.yield()
        return AnnounceResponse(migration: request.migration)
    }
    func listMigrations(_ request: ListMigrationsRequest, context: RPCHandlerContext) async throws -> ListMigrationsResponse {
        ListMigrationsResponse(nextPageToken: request.pageToken)
    }
    func getMigration(_ request: GetMigrationRequest, context: RPCHandlerContext) async throws -> Migration {
        Migration(id: request.migrationID)
    }
    func submitCandidates(_ request: SubmitCandidatesRequest, context: RPCHandlerContext) async throws -> SubmitCandidatesResponse {
        SubmitCandidatesResponse(accepted: UInt32(clamping: request.candidates.count))
    }
    func listCandidates(_ request: ListCandidatesRequest, context: RPCHandlerContext) async throws -> ListCandidatesResponse {
        ListCandidatesResponse()
    }
    func startRun(_ request: StartRunRequest, context: RPCHandlerContext) async throws -> Run {
        Run(migrationID: request.migrationID, candidateID: request.candidateID, inputs: request.inputs)
    }
    func cancelRun(_ request: CancelRunRequest, context: RPCHandlerContext) async throws -> Run {
        throw Unmapped()
    }
    func retryStep(_ request: RetryStepRequest, context: RPCHandlerContext) async throws -> Run {
        Run()
    }
    func getRun(_ request: GetRunRequest, context: RPCHandlerContext) async throws -> Run {
        throw RPCError(code: .notFound, message: "no run \(request.candidateID)")
    }
    func getRunHistory(_ request: GetRunHistoryRequest, context: RPCHandlerContext) async throws -> GetRunHistoryResponse {
        GetRunHistoryResponse()
    }
    func dryRun(_ request: DryRunRequest, context: RPCHandlerContext) async throws -> DryRunResult {
        DryRunResult()
    }
    func reportStepEvent(_ request: ReportStepEventRequest, context: RPCHandlerContext) async throws -> ReportStepEventResponse {
        ReportStepEventResponse()
    }
    func watchRun(_ request: WatchRunRequest, context: RPCHandlerContext, writer: RPCResponseWriter<RunUpdate>) async throws {
        try await writer.write(RunUpdate(run: Run(migrationID: request.migrationID)))
        try await writer.write(RunUpdate())
    }
    func listRuns(_ request: ListRunsRequest, context: RPCHandlerContext) async throws -> ListRunsResponse {
        ListRunsResponse()
    }
    func recountMigration(_ request: RecountMigrationRequest, context: RPCHandlerContext) async throws -> RecountMigrationResponse {
        RecountMigrationResponse()
    }
    func updateCandidateInputs(_ request: UpdateCandidateInputsRequest, context: RPCHandlerContext) async throws -> Candidate {
        Candidate(id: request.candidateID, inputs: request.inputs)
    }
    func watchMigration(
        _ request: WatchMigrationRequest,
        context: RPCHandlerContext,
        writer: RPCResponseWriter<MigrationUpdate>
    ) async throws {
        try await writer.write(MigrationUpdate())
    }
    func createCampaign(_ request: CreateCampaignRequest, context: RPCHandlerContext) async throws -> CreateCampaignResponse {
        CreateCampaignResponse(campaign: Campaign(id: request.campaignID), memberCount: UInt32(clamping: request.candidateIDs.count))
    }
    func getCampaign(_ request: GetCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        throw RPCError(code: .notFound, message: "no campaign \(request.campaignID)")
    }
    func listCampaigns(_ request: ListCampaignsRequest, context: RPCHandlerContext) async throws -> ListCampaignsResponse {
        ListCampaignsResponse(nextPageToken: request.pageToken)
    }
    func listCampaignMembers(_ request: ListCampaignMembersRequest, context: RPCHandlerContext) async throws -> ListCampaignMembersResponse {
        ListCampaignMembersResponse()
    }
    func getCampaignHistory(_ request: GetCampaignHistoryRequest, context: RPCHandlerContext) async throws -> GetCampaignHistoryResponse {
        GetCampaignHistoryResponse()
    }
    func pauseCampaign(_ request: PauseCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        Campaign(id: request.campaignID, state: .paused, stateReason: request.reason)
    }
    func resumeCampaign(_ request: ResumeCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        Campaign(id: request.campaignID)
    }
    func updateCampaign(_ request: UpdateCampaignRequest, context: RPCHandlerContext) async throws -> Campaign {
        Campaign(id: request.campaignID, maxInFlight: request.maxInFlight)
    }
    func cancelCampaign(_ request: CancelCampaignRequest, context: RPCHandlerContext) async throws -> CancelCampaignResponse {
        throw Unmapped()
    }
    func watchCampaign(_ request: WatchCampaignRequest, context: RPCHandlerContext, writer: RPCResponseWriter<CampaignUpdate>) async throws {
        try await writer.write(CampaignUpdate(campaign: Campaign(id: request.campaignID)))
        try await writer.write(CampaignUpdate())
    }
}
