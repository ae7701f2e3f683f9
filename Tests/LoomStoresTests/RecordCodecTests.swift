import Foundation
import LoomCore
import Testing

@testable import LoomStores

/// Pins the hand-written record codec to the synthesized `Codable` JSON form in both
/// directions, so records written by either stay readable, and checks malformed input.
@Suite("Record codec")
struct RecordCodecTests {
    private struct Envelope<Value: Codable>: Codable {
        var v: Int
        var data: Value
    }

    /// Text that needs escaping: quotes, backslashes, slashes, control characters, non-ASCII
    /// and astral-plane characters.
    static let awkward = "q\"uo\\te/\n\r\t\u{1}\u{1F} é 漢字 🚀 end"

    static let candidate = Candidate(
        id: "app-1", kind: "application", metadata: ["team": "payments", "note": awkward],
        files: [FileGroup(name: "charts", repo: "git@example:app", files: [FileRef(path: "a/b.yaml", url: "https://x/a?b=1&c")])],
        status: .running)

    static let run: Run = {
        var first = StepResult(stepName: "bump", attempt: 2, at: Timestamp(unixMilliseconds: 1_700_000_000_123))
        first.status = .merged
        first.metadata = ["pr": "https://example/pr/1", "empty": ""]
        first.finishedAt = Timestamp(unixMilliseconds: 1_700_000_000_999)
        first.failureReason = awkward
        first.dispatchCount = 3
        first.phase = "merged"
        first.dispatch = .delivered
        first.lastDispatchError = "HTTP 503"
        let second = StepResult(stepName: "verify", attempt: 1, at: Timestamp(unixMilliseconds: -5))
        return Run(
            id: try! RunID(migrationId: "upgrade-chart", candidateId: "app-1"), status: .waitingRetry, currentStep: 1,
            results: [first, second],
            steps: [
                StepDefinition(name: "bump", migratorApp: "helm", description: awkward, type: "pr", config: ["loom.timeout_seconds": "30"]),
                StepDefinition(name: "verify"),
            ],
            candidate: candidate, migratorUrl: "https://migrator:8443/", inputs: ["version": "1.2.3"],
            createdAt: Timestamp(unixMilliseconds: 1), updatedAt: Timestamp(unixMilliseconds: Int64.max),
            finishedAt: nil, failureReason: nil, version: UInt64(Int64.max), generation: UInt32.max, startedBy: "spiffe://ops",
            timerDueAt: Timestamp(unixMilliseconds: Int64.min))
    }()

    static let history = [
        HistoryEntry(id: "", at: Timestamp(unixMilliseconds: 42), kind: .eventApplied, stepName: "bump", attempt: 1,
                     stepStatus: .awaitingReview, runStatus: .running, detail: awkward, generation: 7),
        HistoryEntry(at: Timestamp(unixMilliseconds: 43), kind: .runCancelled, runStatus: .cancelled, generation: 1),
    ]

    static let definition = RedisStoreCodec.Definition(
        name: "Upgrade", description: awkward, migratorUrl: "http://m", requiredInputs: [InputDefinition(name: "v", label: "Version")],
        steps: [StepDefinition(name: "bump", config: ["k": "v"])])

    /// Ours → Foundation and Foundation → ours both give back the same value.
    func roundTrips<Value: StoredRecord & Codable & Equatable>(_ value: Value) throws {
        let ours = RedisStoreCodec.encode(value)
        let viaFoundation = try JSONDecoder().decode(Envelope<Value>.self, from: Data(ours.utf8))
        #expect(viaFoundation.v == RedisStoreCodec.schemaVersion)
        #expect(viaFoundation.data == value)
        let foundation = String(decoding: try JSONEncoder().encode(Envelope(v: RedisStoreCodec.schemaVersion, data: value)), as: UTF8.self)
        #expect(try RedisStoreCodec.decode(Value.self, from: foundation, what: "value") == value)
        #expect(try RedisStoreCodec.decode(Value.self, from: ours, what: "value") == value)
    }

    @Test func runMatchesCodable() throws {
        try roundTrips(Self.run)
        var finished = Self.run
        finished.status = .completed
        finished.finishedAt = Timestamp(unixMilliseconds: 9)
        finished.failureReason = ""
        finished.timerDueAt = nil
        finished.results = []
        finished.inputs = [:]
        try roundTrips(finished)
    }

    @Test func otherRecordsMatchCodable() throws {
        try roundTrips(Self.candidate)
        try roundTrips(Candidate(id: "c", kind: ""))
        for entry in Self.history { try roundTrips(entry) }
        try roundTrips(Self.definition)
    }

    @Test func readsWhitespaceAndEscapesFoundationMayWrite() throws {
        let text = """
             { "data" : { "path" : "a\\/b\\u00e9\\ud83d\\ude80" , "url" : "" , "extra" : [1, true, null, {"x": -3}] } , "v" : 1 }
            """
        let ref = try RedisStoreCodec.decode(FileRef.self, from: text, what: "file")
        #expect(ref == FileRef(path: "a/bé🚀", url: ""))
    }

    @Test(arguments: [
        "", "{", "[]", "{\"v\":1}", "{\"v\":2,\"data\":{\"path\":\"a\",\"url\":\"b\"}}",
        "{\"v\":1,\"data\":{\"path\":\"a\"}}", "{\"v\":1,\"data\":{\"path\":1,\"url\":\"b\"}}",
        "{\"v\":1,\"data\":{\"path\":\"a\",\"url\":\"b\"}} x", "{\"v\":1.5,\"data\":{}}", "{\"v\":99999999999999999999}",
        "{\"v\":1,\"data\":{\"path\":\"\\ud800\",\"url\":\"b\"}}", "{\"v\":1,\"data\":{\"path\":\"\u{1}\",\"url\":\"b\"}}",
        "{\"v\":1,\"data\":{\"path\":\"a\\q\",\"url\":\"b\"}}", "{\"v\":1,\"data\":{\"path\":\"a\",\"url\":\"b\"",
        String(repeating: "[", count: 10_000),
    ])
    func malformedRecordsAreTypedErrors(_ text: String) {
        #expect {
            _ = try RedisStoreCodec.decode(FileRef.self, from: text, what: "file")
        } throws: { error in
            (error as? LoomError)?.code == .internal
        }
    }

    @Test func unknownEnumValueIsAnError() {
        var text = RedisStoreCodec.encode(Self.run)
        text = text.replacingOccurrences(of: "\"waiting_retry\"", with: "\"sleeping\"")
        #expect(throws: LoomError.self) { try RedisStoreCodec.decode(Run.self, from: text, what: "run") }
    }
}
