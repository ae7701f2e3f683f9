import Foundation
import LoomAPIService
import LoomConsole
import LoomCore
import LoomTLS
import LoomTestSupport
import NIOHTTP1
import Testing

/// The reference operator API under `/api`: the reference console's routes, request and response shapes, with the
/// console's authentication and the RPCs' authorization.
@Suite("Console operator API: the reference's JSON routes")
struct OperatorAPITests {
    static let base = "/api/migrations/app-chart-migration"
    static let run = base + "/candidates/billing-api"

    static func call(
        _ fixture: ConsoleFixture, _ method: HTTPMethod, _ uri: String, json: String? = nil, identity: PeerIdentity? = nil,
        headers: HTTPHeaders = [:]
    ) async -> ConsoleResponse {
        var headers = headers
        if json != nil, !headers.contains(name: "content-type") { headers.add(name: "content-type", value: "application/json") }
        return await fixture.router.respond(
            to: ConsoleRequest(method: method, uri: uri, headers: headers, peerIdentity: identity, body: Array((json ?? "").utf8)))
    }

    static func object(_ response: ConsoleResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.bodyBytes)) as? [String: Any])
    }

    @Test("GET /api/migrations and /api/migrations/{id}: the reference Migration with its candidates, plus Loom's counts")
    func migrations() async throws {
        let fixture = try await ConsoleFixture()
        let list = await Self.call(fixture, .GET, "/api/migrations")
        #expect(list.status == .ok)
        #expect(list.headers.first(name: "content-type") == "application/json")
        let migrations = try #require(try Self.object(list)["migrations"] as? [[String: Any]])
        #expect(migrations.count == 1)
        let migration = try #require(migrations.first)
        for key in ["id", "name", "description", "candidates", "steps", "createdAt", "migratorUrl", "requiredInputs"] {
            #expect(migration[key] != nil, "missing \(key)")
        }
        #expect(migration["migratorUrl"] as? String == "http://app-chart-migrator:3001")
        let steps = try #require(migration["steps"] as? [[String: Any]])
        #expect(steps.map { $0["name"] as? String } == ["disable-sync-prune", "swap-chart", "review-swap-chart"])
        #expect(steps.first?["migratorApp"] as? String == "app-chart-migrator")

        let one = try Self.object(await Self.call(fixture, .GET, Self.base))
        let candidates = try #require(one["candidates"] as? [[String: Any]])
        #expect(candidates.first?["id"] as? String == "billing-api")
        #expect(candidates.first?["status"] as? String == "not_started")
        // A hostile value from a migrator is data in JSON: escaped by the encoder, returned unchanged.
        #expect((candidates.first?["metadata"] as? [String: String])?["name"] == ConsoleFixture.hostile)
        #expect(one["candidatesTruncated"] as? Bool == false)
        let counts = try #require(one["counts"] as? [String: Any])
        #expect((counts["candidates"] as? [String: Int])?["not_started"] == 1)
        #expect(await Self.call(fixture, .GET, "/api/migrations/nope").status == .notFound)
    }

    @Test("a migration embeds 1,000 candidates at most: 1,000 all, 1,001 truncated and flagged; pages carry the next token in a header")
    func candidatePages() async throws {
        let thousand = (0..<1000).map { Fixtures.candidate(String(format: "app-%04d", $0)) }
        let fixture = try await ConsoleFixture(candidates: thousand)
        let full = try Self.object(await Self.call(fixture, .GET, Self.base))
        #expect((full["candidates"] as? [Any])?.count == 1000)
        #expect(full["candidatesTruncated"] as? Bool == false)
        _ = try await fixture.harness.service.submitCandidates(migrationId: ConsoleFixture.migrationId, candidates: [Fixtures.candidate("zzz")])
        let cut = try Self.object(await Self.call(fixture, .GET, Self.base))
        #expect((cut["candidates"] as? [Any])?.count == 1000)
        #expect(cut["candidatesTruncated"] as? Bool == true)

        let first = await Self.call(fixture, .GET, Self.base + "/candidates?pageSize=600")
        let firstPage = try #require(try JSONSerialization.jsonObject(with: Data(first.bodyBytes)) as? [[String: Any]])
        #expect(firstPage.count == 600)
        let token = try #require(first.headers.first(name: "loom-next-page-token"))
        let second = await Self.call(fixture, .GET, Self.base + "/candidates?pageSize=600&pageToken=\(token)")
        let secondPage = try #require(try JSONSerialization.jsonObject(with: Data(second.bodyBytes)) as? [[String: Any]])
        #expect(secondPage.count == 401)
        #expect(second.headers.first(name: "loom-next-page-token") == nil)
        #expect(Set((firstPage + secondPage).compactMap { $0["id"] as? String }).count == 1001)
        for bad in ["0", "1001", "x"] {
            let refused = await Self.call(fixture, .GET, Self.base + "/candidates?pageSize=\(bad)")
            #expect(refused.status == .badRequest)
            #expect(refused.bodyText.contains("pageSize"))
        }
        let filtered = await Self.call(fixture, .GET, Self.base + "/candidates?idPrefix=app-09")
        #expect((try JSONSerialization.jsonObject(with: Data(filtered.bodyBytes)) as? [Any])?.count == 100)
        #expect(await Self.call(fixture, .GET, Self.base + "/candidates?status=bogus").status == .badRequest)
    }

    @Test("start, steps, event, retry-step and cancel: the reference's statuses and shapes")
    func lifecycle() async throws {
        let fixture = try await ConsoleFixture()
        let harness = fixture.harness
        let missing = await Self.call(fixture, .POST, Self.run + "/start")
        #expect(missing.status == .badRequest)
        #expect(missing.bodyText.contains("repoName"))
        #expect(await Self.call(fixture, .GET, Self.run + "/steps").status == .notFound)

        let started = await Self.call(fixture, .POST, Self.run + "/start", json: #"{"inputs":{"repoName":"billing"}}"#)
        #expect(started.status == .accepted)
        #expect(try Self.object(started)["runId"] as? String == ConsoleFixture.runID)
        await harness.settle()
        #expect(await Self.call(fixture, .POST, Self.run + "/start", json: #"{"inputs":{"repoName":"billing"}}"#).status == .conflict)
        #expect(await Self.call(fixture, .POST, Self.base + "/candidates/nobody/start", json: "{}").status == .notFound)

        var steps = try Self.object(await Self.call(fixture, .GET, Self.run + "/steps"))
        #expect(steps["status"] as? String == "running")
        var states = try #require(steps["steps"] as? [[String: Any]])
        #expect(states.map { $0["status"] as? String } == ["in_progress"])
        #expect((states.first?["candidate"] as? [String: Any])?["id"] as? String == "billing-api")

        try await harness.event(ConsoleFixture.runID, step: "disable-sync-prune", metadata: ["prUrl": "https://example/pr/1"])
        await harness.settle()
        try await harness.event(ConsoleFixture.runID, step: "swap-chart", success: false, failureReason: "chart not found")
        await harness.settle()
        steps = try Self.object(await Self.call(fixture, .GET, Self.run + "/steps"))
        #expect(steps["status"] as? String == "running")
        #expect(steps["runStatus"] as? String == "waiting_retry")
        states = try #require(steps["steps"] as? [[String: Any]])
        #expect(states.map { $0["status"] as? String } == ["succeeded", "failed"])
        #expect((states.first?["metadata"] as? [String: String])?["prUrl"] == "https://example/pr/1")
        #expect(states.last?["failureReason"] as? String == "chart not found")

        let noStep = await Self.call(fixture, .POST, Self.run + "/retry-step", json: "{}")
        #expect(noStep.status == .badRequest)
        #expect(noStep.bodyText.contains("stepName"))
        #expect(await Self.call(fixture, .POST, Self.run + "/retry-step", json: #"{"stepName":"swap-chart"}"#).status == .accepted)
        await harness.settle()
        #expect(try await harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api").status == .running)

        let cancelled = await Self.call(fixture, .POST, Self.run + "/cancel")
        #expect(cancelled.status == .noContent)
        #expect(try await harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api").status == .cancelled)
        #expect(await Self.call(fixture, .GET, Self.run + "/steps").status == .notFound)
        #expect(await Self.call(fixture, .POST, Self.run + "/cancel").status == .conflict)
    }

    @Test("PATCH inputs and POST dry-run: validated, the dry run's diffs in the reference's shape, a migrator failure is 502")
    func inputsAndDryRun() async throws {
        let fixture = try await ConsoleFixture()
        #expect(await Self.call(fixture, .PATCH, Self.run + "/inputs", json: #"{"inputs":{"repoName":"billing"}}"#).status == .noContent)
        let candidate = try await fixture.harness.service.listCandidates(migrationId: ConsoleFixture.migrationId).candidates.first
        #expect(candidate?.inputs["repoName"] == "billing")
        #expect(await Self.call(fixture, .PATCH, Self.run + "/inputs", json: #"{"inputs":{"nope":"x"}}"#).status == .badRequest)
        #expect(await Self.call(fixture, .PATCH, Self.run + "/inputs", json: #"{"inputs":5}"#).status == .badRequest)

        fixture.harness.migrator.answerDryRuns(with: .success(DryRunResult(steps: [
            StepDryRunResult(stepName: "swap-chart", files: [FileDiff(path: "app.yaml", repo: "gitops", before: "a: 1\n", after: "a: 2\n", status: .modified)]),
            StepDryRunResult(stepName: "review-swap-chart", skipped: true),
        ])))
        let body = #"{"candidate":{"id":"billing-api","kind":"application","metadata":{"team":"payments"}}}"#
        let preview = await Self.call(fixture, .POST, Self.base + "/dry-run", json: body)
        #expect(preview.status == .ok)
        let steps = try #require(try Self.object(preview)["steps"] as? [[String: Any]])
        let files = try #require(steps.first?["files"] as? [[String: Any]])
        #expect(files.first?["before"] as? String == "a: 1\n")
        #expect(files.first?["status"] as? String == "modified")
        #expect(steps.last?["skipped"] as? Bool == true)
        #expect(steps.last?["files"] == nil)
        #expect(fixture.harness.migrator.dryRuns.last?.candidate.metadata["team"] == "payments")

        fixture.harness.migrator.answerDryRuns(with: .failure(MigratorCallError(.unreachable, detail: "connection refused")))
        #expect(await Self.call(fixture, .POST, Self.base + "/dry-run", json: body).status == .badGateway)
        #expect(await Self.call(fixture, .POST, Self.base + "/dry-run", json: #"{"candidate":{}}"#).status == .badRequest)
    }

    @Test("authorization as RPC: a viewer reads but its start is 403; no certificate is 401; nothing starts")
    func authorization() async throws {
        let fixture = try await ConsoleFixture(configure: { $0.auth = .mtls }, policy: ConsoleActionsTests.policy)
        let viewer = ConsoleActionsTests.viewerID
        #expect(await Self.call(fixture, .GET, "/api/migrations", identity: viewer).status == .ok)
        let forged = await Self.call(fixture, .POST, Self.run + "/start", json: #"{"inputs":{"repoName":"x"}}"#, identity: viewer)
        #expect(forged.status == .forbidden)
        #expect(await Self.call(fixture, .POST, Self.run + "/start", json: #"{"inputs":{"repoName":"x"}}"#).status == .unauthorized)
        #expect(await Self.call(fixture, .GET, "/api/migrations").status == .unauthorized)
        await #expect(throws: LoomError.self) {
            try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api")
        }
        let allowed = await Self.call(
            fixture, .POST, Self.run + "/start", json: #"{"inputs":{"repoName":"x"}}"#, identity: ConsoleActionsTests.operatorID)
        #expect(allowed.status == .accepted)
    }

    @Test("cross-site requests and non-JSON bodies change nothing; unknown routes 404, wrong methods 405 with Allow")
    func webSafety() async throws {
        let fixture = try await ConsoleFixture()
        let json = #"{"inputs":{"repoName":"x"}}"#
        let crossSite = await Self.call(fixture, .POST, Self.run + "/start", json: json, headers: ["sec-fetch-site": "cross-site"])
        #expect(crossSite.status == .forbidden)
        let otherOrigin = await Self.call(
            fixture, .POST, Self.run + "/start", json: json, headers: ["origin": "https://evil.example", "host": "console.example"])
        #expect(otherOrigin.status == .forbidden)
        let form = await Self.call(fixture, .POST, Self.run + "/start", json: json, headers: ["content-type": "text/plain"])
        #expect(form.status == .unsupportedMediaType)
        await #expect(throws: LoomError.self) {
            try await fixture.harness.service.run(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api")
        }
        let sameOrigin = await Self.call(
            fixture, .POST, Self.run + "/start", json: json, headers: ["origin": "https://console.example", "host": "console.example"])
        #expect(sameOrigin.status == .accepted)

        #expect(await Self.call(fixture, .GET, "/api/nothing").status == .notFound)
        let wrong = await Self.call(fixture, .GET, Self.run + "/start")
        #expect(wrong.status == .methodNotAllowed)
        #expect(wrong.headers.first(name: "allow") == "POST")
        #expect(await Self.call(fixture, .DELETE, Self.base).headers.first(name: "allow") == "GET, HEAD")
        #expect(await Self.call(fixture, .HEAD, "/api/migrations").status == .ok)
    }
}

@Suite("Console operator API: its OpenAPI document")
struct OperatorAPIDocumentTests {
    @Test("every path and method of Protos/loom-console-api.openapi.yaml is a route the console answers, and no route is missing from it")
    func documentMatchesRoutes() async throws {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protos/loom-console-api.openapi.yaml")
        let lines = try String(contentsOf: document, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var operations: [(HTTPMethod, String)] = []
        var path: String?
        for line in lines {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line == "components:" {
                path = nil
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                operations.append((HTTPMethod(rawValue: method), path))
            }
        }
        let documented = Set(operations.map { "\($0.0.rawValue) \($0.1)" })
        #expect(documented == [
            "GET /migrations", "GET /migrations/{id}", "GET /migrations/{id}/candidates", "POST /migrations/{id}/dry-run",
            "POST /migrations/{id}/candidates/{candidateId}/start", "POST /migrations/{id}/candidates/{candidateId}/cancel",
            "POST /migrations/{id}/candidates/{candidateId}/retry-step", "PATCH /migrations/{id}/candidates/{candidateId}/inputs",
            "GET /migrations/{id}/candidates/{candidateId}/steps",
        ])
        let fixture = try await ConsoleFixture()
        for (method, template) in operations {
            let uri = "/api" + template.replacingOccurrences(of: "{id}", with: "app-chart-migration")
                .replacingOccurrences(of: "{candidateId}", with: "billing-api")
            let response = await OperatorAPITests.call(fixture, method, uri, json: method == .GET ? nil : "{}")
            #expect(response.status != .methodNotAllowed, "\(method) \(template)")
            #expect(!response.bodyText.contains("no such API route"), "\(method) \(template)")
        }
    }
}
