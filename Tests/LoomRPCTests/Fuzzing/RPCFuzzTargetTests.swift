import LoomProto
import LoomTestSupport
import NIOCore
import Testing

@testable import LoomRPC

/// The committed inputs of the `rpc-frame` and `rpc-server` fuzz targets (docs/fuzzing.md), replayed through their
/// harnesses, and their seeds, generated here from frames like the ones the other tests send.
@Suite("Fuzz targets rpc-frame and rpc-server: committed inputs")
struct RPCFuzzTargetTests {
    @Test("every seed and regression input of rpc-frame runs through its harness", arguments: FuzzInputs.names(target: "rpc-frame"))
    func replayFrameInput(name: String) throws {
        try FuzzInputs.replay(name, through: RPCFrameFuzzer.run)
    }

    @Test("every seed and regression input of rpc-server runs through its harness", arguments: FuzzInputs.names(target: "rpc-server"))
    func replayServerInput(name: String) throws {
        try FuzzInputs.replay(name, through: RPCServerFuzzer.run)
    }

    @Test("the committed seeds are the ones generated from the fixtures")
    func seedsAreCommitted() throws {
        let problems = try FuzzInputs.seedProblems([("rpc-frame", Self.frameSeeds), ("rpc-server", Self.serverSeeds)])
        #expect(problems == nil, "\(problems ?? "")")
    }

    // MARK: Seeds

    static func bytes(_ frames: RPCFrame...) -> [UInt8] {
        var buffer = ByteBuffer()
        for frame in frames { buffer.writeRPCFrame(frame) }
        return Array(buffer.readableBytesView)
    }

    /// A frame header followed by `payload`, for frames the encoder cannot produce.
    static func raw(length: UInt32? = nil, type: UInt8, callID: UInt32, _ payload: [UInt8] = []) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(length ?? UInt32(payload.count))
        buffer.writeInteger(type)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(callID)
        buffer.writeBytes(payload)
        return Array(buffer.readableBytesView)
    }

    static func start(_ id: UInt32, _ method: String, timeout: TimeAmount? = nil, metadata: RPCMetadata = [:]) -> RPCFrame {
        .callStart(.init(callID: id, method: method, timeout: timeout, metadata: metadata))
    }

    static let getRun = LoomMethod.getRun.path

    /// `rpc-frame`: the first byte picks the read size.
    static let frameSeeds: [(name: String, bytes: [UInt8])] = [
        ("call-start", [0] + bytes(start(1, getRun, timeout: .seconds(5), metadata: ["authorization": "Bearer t", "x-request-id": "r1"]))),
        ("call-start-bare", [3] + bytes(start(7, "/echo.Echo/Get"))),
        ("message", [255] + bytes(.message(callID: 1, ByteBuffer(string: "hello")))),
        ("message-empty", [0] + bytes(.message(callID: 2, ByteBuffer()))),
        ("status-ok", [9] + bytes(.status(callID: 1, RPCStatus(code: .ok, message: ""), [:]))),
        ("status-error", [1] + bytes(.status(callID: 1, RPCStatus(code: .notFound, message: "no run"), ["retry-after": "1"]))),
        ("cancel", [0] + bytes(.cancel(callID: 3))),
        ("ping-pong", [4] + bytes(.ping(0xDEAD_BEEF), .pong(0xDEAD_BEEF))),
        ("goaway", [2] + bytes(.goAway(.init(lastCallID: 7, reason: .noError, message: "server shutting down")))),
        ("call", [10] + bytes(start(1, getRun), .message(callID: 1, ByteBuffer(bytes: [0x0A, 0x01, 0x6D])), .cancel(callID: 1))),
        ("unknown-type", [0] + raw(type: 0x09, callID: 1)),
        ("too-large", [0] + raw(length: UInt32(RPCFrameFuzzer.maxMessageSize + 1), type: 0x02, callID: 1)),
        ("truncated", [0] + Array(bytes(.message(callID: 1, ByteBuffer(string: "cut short"))).dropLast(3))),
        ("call-id-zero", [0] + raw(type: 0x04, callID: 0)),
        ("ping-short", [0] + raw(type: 0x05, callID: 0, [1, 2, 3, 4])),
        ("call-start-trailing", [0] + raw(type: 0x01, callID: 1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 0xFF])),
        ("metadata-bad-key", [0] + raw(type: 0x01, callID: 1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 1, 0, 1, 0x41, 0, 0])),
    ]

    /// A plausible request for each method (empty for the ones without identifying fields).
    static func request(_ method: LoomMethod) -> [UInt8] {
        switch method {
        case .announce: AnnounceRequest(migration: Migration(id: "m", steps: [StepDefinition(name: "s")])).encoded()
        case .getMigration: GetMigrationRequest(migrationID: "m").encoded()
        case .submitCandidates: SubmitCandidatesRequest(migrationID: "m", candidates: [Candidate(id: "org/c")]).encoded()
        case .startRun: StartRunRequest(migrationID: "m", candidateID: "c", inputs: ["k": "v"]).encoded()
        case .cancelRun: CancelRunRequest(migrationID: "m", candidateID: "c").encoded()
        case .getRun: GetRunRequest(migrationID: "m", candidateID: "c").encoded()
        case .watchRun: WatchRunRequest(migrationID: "m", candidateID: "c").encoded()
        case .watchMigration: WatchMigrationRequest(migrationID: "m").encoded()
        case .updateCandidateInputs: UpdateCandidateInputsRequest(migrationID: "m", candidateID: "c", inputs: ["k": "v"]).encoded()
        case .createCampaign: CreateCampaignRequest(migrationID: "m", candidateIDs: ["c"], maxInFlight: 1, maxStartsPerMinute: 1).encoded()
        case .getCampaign: GetCampaignRequest(campaignID: "c1").encoded()
        case .pauseCampaign: PauseCampaignRequest(campaignID: "c1", reason: "r").encoded()
        case .watchCampaign: WatchCampaignRequest(campaignID: "c1").encoded()
        case .listMigrations, .listCandidates, .retryStep, .getRunHistory, .dryRun, .reportStepEvent, .listRuns,
             .recountMigration, .listCampaigns, .listCampaignMembers, .getCampaignHistory, .resumeCampaign, .updateCampaign,
             .cancelCampaign:
            []
        }
    }

    static func call(_ id: UInt32, _ method: LoomMethod, timeout: TimeAmount? = nil) -> [UInt8] {
        bytes(start(id, method.path, timeout: timeout), .message(callID: id, ByteBuffer(bytes: request(method))))
    }

    /// `rpc-server`: byte 0 picks the read size, byte 1 holds writes (bit 0) and drains afterwards (bit 1).
    static let serverSeeds: [(name: String, bytes: [UInt8])] =
        LoomMethod.allCases.enumerated().map { index, method in
            ("call-\(method.name)", [255, 0] + call(UInt32(index + 1), method, timeout: index.isMultiple(of: 3) ? .seconds(5) : nil))
        } + [
            ("calls-held-then-drained", [16, 3] + call(1, .getMigration) + call(3, .watchRun) + call(5, .announce)),
            ("too-many-calls", [255, 0] + (1...6).flatMap { call(UInt32($0), .announce) }),
            ("cancel", [255, 0] + bytes(start(1, LoomMethod.watchRun.path), .cancel(callID: 1))),
            ("deadline", [255, 0] + call(1, .announce, timeout: .microseconds(1))),
            ("unknown-method", [255, 0] + bytes(start(1, "/loom.v1.Loom/Nope"), .message(callID: 1, ByteBuffer()))),
            ("invalid-request", [255, 0] + bytes(start(1, getRun), .message(callID: 1, ByteBuffer(bytes: [0xFF, 0xFF])))),
            ("call-id-reuse", [255, 0] + bytes(start(1, getRun), start(1, getRun))),
            ("message-without-call", [255, 0] + bytes(.message(callID: 9, ByteBuffer()))),
            ("client-status", [255, 0] + bytes(.status(callID: 1, RPCStatus(code: .ok, message: ""), [:]))),
            ("ping-and-goaway", [1, 0] + bytes(.ping(1), .goAway(.init(lastCallID: 0, reason: .noError, message: "bye")))),
            ("idle", [255, 0] + bytes(.ping(2))),
            ("garbage", [255, 0] + Array("GET / HTTP/1.1\r\nHost: loom\r\n\r\n".utf8)),
        ]
}
