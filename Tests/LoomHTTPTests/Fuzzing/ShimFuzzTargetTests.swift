import LoomHTTP
import LoomMigratorKit
import LoomTestSupport
import Testing

/// The committed inputs of the `shim-http` and `shim-json` fuzz targets (docs/fuzzing.md), replayed through their
/// harnesses, and their seeds, generated from the reference bodies the other tests send.
@Suite("Fuzz targets shim-http and shim-json: committed inputs")
struct ShimFuzzTargetTests {
    @Test("every seed and regression input of shim-http runs through its harness", arguments: FuzzInputs.names(target: "shim-http"))
    func replayHTTPInput(name: String) throws {
        try FuzzInputs.replay(name, through: ShimHTTPFuzzer.run)
    }

    @Test("every seed and regression input of shim-json runs through its harness", arguments: FuzzInputs.names(target: "shim-json"))
    func replayJSONInput(name: String) throws {
        try FuzzInputs.replay(name, through: ShimJSONFuzzer.run)
    }

    @Test("the committed seeds are the ones generated from the reference bodies")
    func seedsAreCommitted() throws {
        let problems = try FuzzInputs.seedProblems([("shim-http", Self.httpSeeds), ("shim-json", Self.jsonSeeds)])
        #expect(problems == nil, "\(problems ?? "")")
    }

    // MARK: shim-http seeds (the first byte picks the read size)

    static func post(_ path: String, _ body: String, headers: [String] = ["content-type: application/json"]) -> String {
        let lines = ["POST \(path) HTTP/1.1", "host: loom"] + headers + ["content-length: \(body.utf8.count)"]
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    static func get(_ path: String, method: String = "GET", version: String = "HTTP/1.1") -> String {
        "\(method) \(path) \(version)\r\nhost: loom\r\n\r\n"
    }

    static let token = ["content-type: application/json", "authorization: Bearer callback-token"]

    static var httpSeeds: [(name: String, bytes: [UInt8])] {
        let requests: [(String, String)] = [
            ("healthz", get("/healthz")),
            ("readyz", get("/readyz")),
            ("metrics", get("/metrics")),
            ("not-found", get("/nope?x=1")),
            ("method-not-allowed", get("/healthz", method: "DELETE")),
            ("http-1.0", get("/healthz", version: "HTTP/1.0")),
            ("announce", post("/registry/announce", ReferenceBodies.announce)),
            ("candidates", post("/migrations/app-chart-migration/candidates", ReferenceBodies.candidates)),
            ("candidate-without-id", post("/migrations/m/candidates", #"{"candidates":[{"id":"","kind":"app"}]}"#)),
            ("pr-opened", post("/event/cb-1/pr-opened", ReferenceBodies.events[0].body, headers: token)),
            ("event-unknown-run", post("/event/missing-run", ReferenceBodies.events[2].body, headers: token)),
            ("event-no-token", post("/event/cb-1", ReferenceBodies.events[4].body)),
            ("wrong-content-type", post("/event/cb-1", ReferenceBodies.events[4].body, headers: ["content-type: text/plain"])),
            ("empty-body", post("/registry/announce", "")),
            ("bad-json", post("/registry/announce", #"{"id": 1"#)),
            ("too-large", "POST /registry/announce HTTP/1.1\r\ncontent-length: \(ShimHTTPFuzzer.maxBodySize + 1)\r\n\r\n{}"),
            ("chunked", "POST /event/cb-1 HTTP/1.1\r\nauthorization: Bearer t\r\ntransfer-encoding: chunked\r\n\r\n"
                + "10\r\n{\"stepName\":\"s\",\r\n1d\r\n\"candidateId\":\"c\",\"success\":1}\r\n0\r\n\r\n"),
            ("pipelined", get("/healthz") + post("/event/cb-2", ReferenceBodies.events[1].body, headers: token) + get("/readyz")),
            ("connection-close", "GET /healthz HTTP/1.1\r\nconnection: close\r\n\r\n" + get("/readyz")),
            ("malformed", "GARBAGE\r\n\r\n"),
            ("headers-too-large", "GET /healthz HTTP/1.1\r\nx-big: " + String(repeating: "h", count: ShimHTTPFuzzer.maxHeaderSize) + "\r\n\r\n"),
            ("unfinished", "POST /registry/announce HTTP/1.1\r\ncontent-length: 10\r\n\r\n{\"id\""),
        ]
        let events = ReferenceBodies.events.enumerated().map { index, event in
            ("event-\(index)", post("/event/cb-\(index)", event.body, headers: token))
        }
        return (requests + events).enumerated().map { index, request in
            (request.0, [UInt8([255, 0, 6, 31][index % 4])] + Array(request.1.utf8))
        }
    }

    // MARK: shim-json seeds (the first byte picks the body type)

    static func json(_ body: some FuzzedJSONBody) -> [UInt8] {
        [ShimJSONFuzzer.selector(of: type(of: body))!] + JSONCoding.encode(body)
    }

    static func json(_ type: any FuzzedJSONBody.Type, _ text: String) -> [UInt8] {
        [ShimJSONFuzzer.selector(of: type)!] + Array(text.utf8)
    }

    static var jsonSeeds: [(name: String, bytes: [UInt8])] {
        let candidate = ReferenceJSON.Candidate(
            id: "org/billing-api", kind: "application", metadata: ["team": "payments"],
            files: [ReferenceJSON.FileGroup(name: "prod", repo: "gitops", files: [ReferenceJSON.FileRef(path: "a.yaml", url: "u")])],
            status: .running, steps: ["swap-chart"]
        )
        let step = ReferenceJSON.StepDefinition(name: "swap-chart", migratorApp: "chart", description: "d", type: "swap-chart", config: ["env": "dev"])
        let seeds: [(String, [UInt8])] = [
            ("announce", json(ReferenceJSON.MigrationAnnouncement.self, ReferenceBodies.announce)),
            ("candidates", json(ReferenceJSON.SubmitCandidatesRequest.self, ReferenceBodies.candidates)),
            ("dry-run-result", json(ReferenceJSON.DryRunResult(steps: [
                ReferenceJSON.StepDryRunResult(stepName: "swap-chart", skipped: false, files: [
                    ReferenceJSON.FileDiff(path: "values.yaml", repo: "gitops", before: "a: 1\n", after: "a: 2\n", status: .modified),
                ]),
                ReferenceJSON.StepDryRunResult(stepName: "review", skipped: true, error: "handler failed"),
            ]))),
            ("dispatch", json(ReferenceJSON.DispatchStepRequest(
                migrationId: "m", stepName: "swap-chart", candidate: candidate, config: ["env": "dev"], callbackId: "cb-1",
                eventName: "step-completed", migratorApp: "chart", migratorUrl: "http://chart:3001", type: "swap-chart",
                idempotencyKey: "m__c/1/0/1", attempt: 1, callbackToken: "t", callbackUrl: "http://loom:8080/event/cb-1"
            ))),
            ("dry-run-request", json(ReferenceJSON.DryRunRequest(migrationId: "m", candidate: candidate, steps: [step]))),
            ("status", json(ReferenceJSON.StatusResponse(status: "PARTIAL", rejected: [ReferenceJSON.RejectedCandidate(id: "", reason: "id: must not be empty")]))),
            ("error", json(ReferenceJSON.ErrorResponse(error: "not found"))),
            ("malformed", json(ReferenceJSON.StepCompletedEvent.self, #"{"stepName":"s","#)),
            ("wrong-type", json(ReferenceJSON.StepCompletedEvent.self, #"{"stepName":"s","candidateId":"c","success":"yes"}"#)),
            ("bad-status", json(ReferenceJSON.SubmitCandidatesRequest.self, #"{"candidates":[{"id":"c","kind":"k","status":"done"}]}"#)),
            ("null-array", json(ReferenceJSON.SubmitCandidatesRequest.self, #"{"candidates":null}"#)),
        ]
        let events = ReferenceBodies.events.enumerated().map { index, event in
            ("event-\(index)", json(ReferenceJSON.StepCompletedEvent.self, event.body))
        }
        return seeds + events
    }
}
