import Logging
import LoomMigratorKit
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// A migrator that records what it is asked.
final class RecordingMigrator: Migrator {
    private let dispatched = NIOLockedValueBox<[ReferenceJSON.DispatchStepRequest]>([])
    let failDryRun: Bool

    init(failDryRun: Bool = false) {
        self.failDryRun = failDryRun
    }

    var dispatches: [ReferenceJSON.DispatchStepRequest] { dispatched.withLockedValue { $0 } }

    func dispatch(_ request: ReferenceJSON.DispatchStepRequest) async {
        dispatched.withLockedValue { $0.append(request) }
    }

    struct Broken: Error, CustomStringConvertible {
        var description: String { "no such repository" }
    }

    func dryRun(_ request: ReferenceJSON.DryRunRequest) async throws -> ReferenceJSON.DryRunResult {
        if failDryRun { throw Broken() }
        return .init(steps: request.steps.map { .init(stepName: $0.name, skipped: true) })
    }
}

/// `MigratorServer` and the HTTP server under it, over real sockets.
@Suite("MigratorServer: routes, status codes, limits, idempotency")
struct MigratorServerTests {
    static let http = JSONHTTPClient()
    static let logger = Logger(label: "test")

    static func dispatch(key: String?) -> ReferenceJSON.DispatchStepRequest {
        ReferenceJSON.DispatchStepRequest(
            migrationId: "m", stepName: "upgrade", candidate: .init(id: "acme/billing", kind: "repo"), config: nil,
            callbackId: "m__acme/billing",
            eventName: "step-completed:upgrade:acme/billing", migratorApp: "app", migratorUrl: "http://127.0.0.1:1", type: "t",
            idempotencyKey: key, attempt: 1, callbackToken: "v1.t")
    }

    static func withServer(
        _ migrator: some Migrator, maximumBodySize: Int = JSONHTTPServer.defaultMaximumBodySize,
        _ body: (String, MigratorServer) async throws -> Void
    ) async throws {
        let server = try await MigratorServer.start(
            migrator, configuration: .init(host: "127.0.0.1", port: 0, maximumBodySize: maximumBodySize), logger: logger)
        do {
            try await body("http://127.0.0.1:\(server.port)", server)
        } catch {
            try await server.close()
            throw error
        }
        try await server.close()
    }

    static func text(_ response: JSONHTTPClient.Response) -> String {
        String(decoding: response.body, as: UTF8.self)
    }

    @Test("a dispatch is answered 202 and handed over once; a re-send with the same key is 202 'duplicate'")
    func idempotentDispatch() async throws {
        let migrator = RecordingMigrator()
        try await Self.withServer(migrator) { url, _ in
            let first = try await Self.http.post(
                "\(url)/dispatch-step", headers: [("idempotency-key", "k/1/upgrade/1")], json: Self.dispatch(key: "k/1/upgrade/1"),
                timeout: .seconds(10))
            #expect(first.status == 202 && Self.text(first) == #"{"status":"accepted"}"#)
            let again = try await Self.http.post(
                "\(url)/dispatch-step", headers: [("idempotency-key", "k/1/upgrade/1")], json: Self.dispatch(key: "k/1/upgrade/1"),
                timeout: .seconds(10))
            #expect(again.status == 202 && Self.text(again) == #"{"status":"duplicate"}"#)
            // A new attempt has a new key: new work.
            let next = try await Self.http.post("\(url)/dispatch-step", json: Self.dispatch(key: "k/1/upgrade/2"), timeout: .seconds(10))
            #expect(Self.text(next) == #"{"status":"accepted"}"#)
            // Without a key in the body, the header's is used.
            for _ in 1...2 {
                _ = try await Self.http.post(
                    "\(url)/dispatch-step", headers: [("idempotency-key", "from-header")], json: Self.dispatch(key: nil),
                    timeout: .seconds(10))
            }
        }
        #expect(migrator.dispatches.map(\.idempotencyKey) == ["k/1/upgrade/1", "k/1/upgrade/2", nil])
    }

    @Test("malformed JSON: 400 naming the problem, and the migrator is not called")
    func malformed() async throws {
        let migrator = RecordingMigrator()
        try await Self.withServer(migrator) { url, _ in
            let notJSON = try await Self.http.post("\(url)/dispatch-step", body: Array("{not json".utf8), timeout: .seconds(10))
            #expect(notJSON.status == 400)
            #expect(Self.text(notJSON).hasPrefix(#"{"error":"malformed DispatchStepRequest: "#))
            let missing = try await Self.http.post("\(url)/dry-run", body: Array(#"{"migrationId":"m"}"#.utf8), timeout: .seconds(10))
            #expect(missing.status == 400 && Self.text(missing).contains("candidate"))
            let status = try await Self.http.post("\(url)/step-status", body: Array("[]".utf8), timeout: .seconds(10))
            #expect(status.status == 400 && Self.text(status).contains("StepStatusRequest"))
        }
        #expect(migrator.dispatches.isEmpty)
    }

    @Test("unknown path: 404; wrong method: 405 with Allow; both with a JSON error")
    func notFoundAndMethodNotAllowed() async throws {
        try await Self.withServer(RecordingMigrator()) { url, _ in
            let unknown = try await Self.http.post("\(url)/dispatch", body: [], timeout: .seconds(10))
            #expect(unknown.status == 404 && Self.text(unknown) == #"{"error":"no route for /dispatch"}"#)
            let wrongMethod = try await Self.http.post("\(url)/healthz", body: [], timeout: .seconds(10))
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers.first(name: "allow") == "GET")
            #expect(Self.text(wrongMethod) == #"{"error":"method POST not allowed on /healthz"}"#)
        }
    }

    @Test("request body: at the limit accepted, one byte over 413 with a JSON error naming the limit")
    func bodyLimit() async throws {
        let body = JSONCoding.encode(Self.dispatch(key: "k"))
        try await Self.withServer(RecordingMigrator(), maximumBodySize: body.count) { url, _ in
            let atLimit = try await Self.http.post("\(url)/dispatch-step", body: body, timeout: .seconds(10))
            #expect(atLimit.status == 202)
            let over = try await Self.http.post("\(url)/dispatch-step", body: body + [UInt8(ascii: " ")], timeout: .seconds(10))
            #expect(over.status == 413)
            #expect(Self.text(over) == #"{"error":"request body over the limit of \#(body.count) bytes"}"#)
        }
    }

    @Test("a chunked body (no Content-Length) growing over the limit: 413 and the connection closed")
    func chunkedBodyLimit() async throws {
        try await Self.withServer(RecordingMigrator(), maximumBodySize: 16) { _, server in
            let atLimit = try await RawHTTP.exchange(
                port: server.port,
                "POST /dispatch-step HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "8\r\n{\"a\":12,\r\n8\r\n\"b\":123}\r\n0\r\n\r\n")
            #expect(atLimit.hasPrefix("HTTP/1.1 400 Bad Request"))  // 16 bytes read whole: not a DispatchStepRequest
            let over = try await RawHTTP.exchange(
                port: server.port,
                "POST /dispatch-step HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "8\r\n{\"a\":12,\r\n9\r\n\"b\":1234}\r\n0\r\n\r\n")
            #expect(over.hasPrefix("HTTP/1.1 413 Payload Too Large"))
            #expect(over.contains("connection: close"))
            #expect(over.hasSuffix(#"{"error":"request body over the limit of 16 bytes"}"#))
        }
    }

    @Test("dry run: 200 with the result; 500 with the migrator's error when it throws")
    func dryRun() async throws {
        let request = ReferenceJSON.DryRunRequest(
            migrationId: "m", candidate: .init(id: "c", kind: "k"), steps: [.init(name: "s1", migratorApp: "a")])
        try await Self.withServer(RecordingMigrator()) { url, _ in
            let ok = try await Self.http.post("\(url)/dry-run", json: request, timeout: .seconds(10))
            #expect(ok.status == 200)
            #expect(try JSONCoding.decode(ReferenceJSON.DryRunResult.self, from: ok.body) == .init(steps: [.init(stepName: "s1", skipped: true)]))
        }
        try await Self.withServer(RecordingMigrator(failDryRun: true)) { url, _ in
            let failed = try await Self.http.post("\(url)/dry-run", json: request, timeout: .seconds(10))
            #expect(failed.status == 500 && Self.text(failed) == #"{"error":"dry run failed: no such repository"}"#)
        }
    }

    @Test("step status: a migrator without it answers 404, so Loom marks the step stalled")
    func stepStatusNotServed() async throws {
        try await Self.withServer(RecordingMigrator()) { url, _ in
            let request = ReferenceJSON.StepStatusRequest(
                migrationId: "m", candidateId: "c", callbackId: "m__c", stepName: "s", attempt: 1, idempotencyKey: "k")
            let answer = try await Self.http.post("\(url)/step-status", json: request, timeout: .seconds(10))
            #expect(answer.status == 404 && Self.text(answer) == #"{"error":"step status not served by this migrator"}"#)
        }
    }

    @Test("keep-alive: several requests on one connection, answered in order; Connection: close is honoured")
    func keepAlive() async throws {
        try await Self.withServer(RecordingMigrator()) { _, server in
            let answers = try await RawHTTP.exchange(
                port: server.port,
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            // Bodies end without a line break: the next status line follows the previous body directly.
            let statuses = answers.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.components(separatedBy: "\r\n")[0] }
            #expect(statuses == ["200 OK", "404 Not Found", "200 OK"])
            #expect(answers.contains("connection: keep-alive") && answers.hasSuffix(#"{"status":"ok"}"#))
        }
    }

    @Test("a malformed HTTP request, or a malformed chunk mid-body: 400 with a JSON body, then the connection is closed")
    func malformedHTTP() async throws {
        try await Self.withServer(RecordingMigrator()) { _, server in
            let answer = try await RawHTTP.exchange(port: server.port, "NOT HTTP AT ALL\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request"))
            #expect(answer.hasSuffix(#"{"error":"malformed HTTP request"}"#))
            let badChunk = try await RawHTTP.exchange(
                port: server.port,
                "POST /dry-run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n")
            #expect(badChunk.hasPrefix("HTTP/1.1 400 Bad Request"))
        }
    }

    @Test("a connection that stalls mid-request is closed after the idle timeout, without an answer")
    func idleTimeout() async throws {
        let server = try await MigratorServer.start(
            RecordingMigrator(), configuration: .init(host: "127.0.0.1", port: 0, idleTimeout: .milliseconds(200)), logger: Self.logger)
        // RawHTTP returns when the server closes the connection: the close is the signal.
        let answer = try await RawHTTP.exchange(
            port: server.port, "POST /dry-run HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
        #expect(answer.isEmpty)
        try await server.close()
    }

    @Test("the ledger remembers at most its capacity, forgetting the oldest key first")
    func ledgerCapacity() async {
        let ledger = DispatchLedger(capacity: 2)
        #expect(await ledger.register("a"))
        #expect(await ledger.register("b"))
        #expect(await !ledger.register("a"))  // at capacity: both still known
        #expect(await ledger.register("c"))  // one over: "a" is forgotten
        #expect(await ledger.status(ofKey: "a") == .unknown)
        #expect(await ledger.status(ofKey: "b") == .working)
        let event = ReferenceJSON.StepCompletedEvent(stepName: "s", candidateId: "c", success: true)
        await ledger.record(event, forKey: "c")
        await ledger.record(event, forKey: "a")  // forgotten: not recorded
        #expect(await ledger.status(ofKey: "c") == .reported(event))
        #expect(await ledger.status(ofKey: "a") == .unknown)
        for index in 0..<10 { _ = await ledger.register("k\(index)") }
        #expect(await ledger.status(ofKey: "k8") == .working)
        #expect(await ledger.status(ofKey: "k7") == .unknown)
    }
}
