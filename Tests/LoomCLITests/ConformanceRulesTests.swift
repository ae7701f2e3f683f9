import Foundation
import Logging
import LoomMigratorKit
import Testing

@testable import LoomCLI

/// The contract's rules the checker applies, one message at a time, and the fake shim's limits.
@Suite("migrator check rules")
struct ConformanceRulesTests {
    private func failure<T>(_ result: Result<T, ConformanceProblem>) -> String? {
        if case .failure(let problem) = result { return problem.reason }
        return nil
    }

    @Test("events: step, candidate and phase are checked; metadata.phase counts when phase is absent")
    func events() {
        let ok = ConformanceRules.event(Array(#"{"stepName":"s","candidateId":"c","success":true,"metadata":{"phase":"merged"}}"#.utf8), step: "s", candidate: "c")
        #expect((try? ok.get())?.phase == "merged")
        #expect(failure(ConformanceRules.event(Array(#"{"stepName":"s","candidateId":"c","success":true,"phase":"done"}"#.utf8), step: "s", candidate: "c"))
            == "unknown phase \"done\" with success: Loom would fail the step")
        #expect(failure(ConformanceRules.event(Array(#"{"stepName":"t","candidateId":"c","success":true}"#.utf8), step: "s", candidate: "c"))
            == "stepName \"t\" is not the dispatched step \"s\"")
        #expect(failure(ConformanceRules.event(Array(#"{"stepName":"s","success":true}"#.utf8), step: "s", candidate: "c"))
            == "not a StepCompletedEvent: missing required field \"candidateId\"")
        let failed = ConformanceRules.event(Array(#"{"stepName":"s","candidateId":"c","success":false,"failureReason":"no file"}"#.utf8), step: "s", candidate: "c")
        #expect((try? failed.get())?.summary == "failure: no file")
    }

    @Test("dry runs: one entry per requested step, consistent files")
    func dryRuns() {
        func check(_ json: String) -> String? { failure(ConformanceRules.dryRun(Array(json.utf8), steps: ["a", "b"])) }
        #expect(check(#"{"steps":[{"stepName":"a","skipped":false,"files":[{"path":"p","repo":"r","after":"x","status":"new"}]},{"stepName":"b","skipped":true}]}"#) == nil)
        #expect(check(#"{"steps":[{"stepName":"a","skipped":false}]}"#) == "steps [\"a\"] are not one entry per requested step [\"a\", \"b\"]")
        #expect(check(#"{"steps":[{"stepName":"a","skipped":false},{"stepName":"a","skipped":false}]}"#)?.hasPrefix("steps [\"a\", \"a\"]") == true)
        #expect(check(#"{"steps":[{"stepName":"a","skipped":false,"files":[{"path":"p","repo":"r","before":"old","after":"x","status":"new"}]},{"stepName":"b","skipped":true}]}"#)
            == "steps[0].files[0] is \"new\" but has a before")
        #expect(check(#"{"steps":[{"stepName":"a","skipped":false,"files":[{"path":"p","repo":"r","before":"old","after":"x","status":"deleted"}]},{"stepName":"b","skipped":true}]}"#)
            == "steps[0].files[0] is \"deleted\" but has an after")
        #expect(check(#"{"steps":[{"stepName":"a","skipped":false,"error":"boom","files":[{"path":"p","repo":"r","after":"x","status":"new"}]},{"stepName":"b","skipped":true}]}"#)
            == "steps[0] carries both error and files")
        #expect(check(#"{"steps":[{"stepName":"a","skipped":false,"files":[{"path":"p","repo":"r","after":"x","status":"renamed"}]},{"stepName":"b","skipped":true}]}"#)?
            .hasPrefix("not a DryRunResult: invalid value for field \"steps[0].files[0].status\"") == true)
    }

    @Test("announcements: ids, step names, migratorUrl and candidate ids")
    func announcements() {
        func check(id: String = "m", steps: String = #"[{"name":"s","migratorApp":"a"}]"#, url: String = "http://m:1", candidates: String = "[]") -> String? {
            let json = #"{"id":"\#(id)","name":"N","migratorUrl":"\#(url)","steps":\#(steps),"candidates":\#(candidates)}"#
            return failure(ConformanceRules.announcement(Array(json.utf8)))
        }
        #expect(check() == nil)
        #expect(check(id: "a__b") == "id \"a__b\" is not 1-128 characters of [A-Za-z0-9._-] without \"__\"")
        #expect(check(id: String(repeating: "m", count: 128)) == nil)
        #expect(check(id: String(repeating: "m", count: 129))?.hasPrefix("id \"mmm") == true)
        #expect(check(steps: #"[{"name":"s","migratorApp":"a"},{"name":"s","migratorApp":"a"}]"#) == "steps[1].name \"s\" is repeated")
        #expect(check(steps: #"[{"name":"s","migratorApp":""}]"#) == "steps[0].migratorApp is empty")
        #expect(check(url: "/relative") == "migratorUrl \"/relative\" is not an absolute http(s) URL")
        #expect(check(candidates: #"[{"id":"a b","kind":"repo"}]"#) == "candidates[0].id \"a b\" is not 1-128 characters of [A-Za-z0-9._-/:@+=~]")
        #expect(check(candidates: #"[{"id":"acme/x","kind":"repo"},{"id":"acme/x","kind":"repo"}]"#) == "candidates[1].id \"acme/x\" is repeated")
        #expect(failure(ConformanceRules.announcement(Array(#"{"id":"m"}"#.utf8)))?.hasPrefix("not a MigrationAnnouncement: missing required field") == true)
    }

    @Test("the wrong-method call is a bodiless GET through the kit's client, its answer bounded")
    func wrongMethodCall() async throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var router = JSONHTTPRouter()
        router.add(.GET, "/big") { _ in JSONHTTPResponse(status: .methodNotAllowed, body: Array(repeating: UInt8(ascii: "x"), count: 64 << 10 + 1)) }
        router.add(.GET, "/small") { request in
            JSONHTTPResponse(status: .methodNotAllowed, body: Array(#"{"error":"use POST","body":\#(request.body.count)}"#.utf8))
        }
        let server = try await JSONHTTPServer.start(.init(host: "127.0.0.1", port: 0), logger: logger, router: router)
        let client = JSONHTTPClient(maximumResponseSize: 64 << 10, logger: logger)
        await #expect(throws: JSONHTTPClientError.self) {
            _ = try await client.send(.GET, "http://127.0.0.1:\(server.port)/big", body: nil, timeout: .seconds(10))
        }
        let small = try await client.send(.GET, "http://127.0.0.1:\(server.port)/small", body: nil, timeout: .seconds(10))
        #expect(small.status == 405)
        #expect(small.body == Array(#"{"error":"use POST","body":0}"#.utf8))
        try await server.close()
    }

    @Test("the shim takes an event body of exactly 1 MiB and refuses one byte more with 413")
    func shimBodyLimit() async throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let shim = try await FakeLoomShim.start(host: "127.0.0.1", port: 0, publicURL: nil, announceToken: nil, logger: logger)
        await shim.recorder.expect(callbackID: "m__c", token: "t")
        let client = JSONHTTPClient(logger: logger)
        func body(size: Int) -> [UInt8] {
            let prefix = #"{"stepName":"s","candidateId":"c","success":true,"metadata":{"pad":""#, suffix = #""}}"#
            return Array((prefix + String(repeating: "x", count: size - prefix.utf8.count - suffix.utf8.count) + suffix).utf8)
        }
        let atLimit = try await client.post(
            shim.callbackURL(for: "m__c"), headers: [("authorization", "Bearer t")], body: body(size: FakeLoomShim.maximumBodySize), timeout: .seconds(10))
        #expect(atLimit.status == 202)
        let over = try await client.post(
            shim.callbackURL(for: "m__c"), headers: [("authorization", "Bearer t")], body: body(size: FakeLoomShim.maximumBodySize + 1), timeout: .seconds(10))
        #expect(over.status == 413)
        #expect(await shim.recorder.current.events.count == 1)
        await shim.close()
    }
}
