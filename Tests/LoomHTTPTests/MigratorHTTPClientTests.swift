import LoomHTTP
import LoomMigratorKit
import NIOHTTP1
import NIOPosix
import Testing

@Suite("Migrator HTTP client", .timeLimit(.minutes(1)))
struct MigratorHTTPClientTests {
    static let dispatch = ReferenceJSON.DispatchStepRequest(
        migrationId: "app-chart-migration",
        stepName: "swap-chart-dev",
        candidate: .init(id: "billing-api", kind: "application", metadata: ["repoName": "billing-api"], status: .running),
        config: ["env": "dev"],
        callbackId: "app-chart-migration__billing-api",
        eventName: "step-completed:swap-chart-dev:billing-api",
        migratorApp: "app-chart-migrator",
        migratorUrl: "http://m",
        type: "swap-chart",
        idempotencyKey: "app-chart-migration__billing-api/swap-chart-dev/1",
        attempt: 1,
        callbackToken: "tok"
    )

    static let dryRun = ReferenceJSON.DryRunRequest(
        migrationId: "app-chart-migration",
        candidate: .init(id: "billing-api", kind: "application"),
        steps: [.init(name: "swap-chart-dev", migratorApp: "app-chart-migrator", type: "swap-chart", config: ["env": "dev"])]
    )

    func client(_ configure: (inout MigratorHTTPClientConfiguration) -> Void = { _ in }) -> MigratorHTTPClient {
        MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton, configuration: .defaults(configure: configure))
    }

    @Test("dispatch POSTs the reference body to {migratorUrl}/dispatch-step and accepts the reference 200")
    func dispatchSends() async throws {
        let migrator = try await TestMigrator.start { _ in .respond(.ok, #"{"status":"SUCCESS"}"#) }
        let client = self.client()
        try await client.dispatchStep(Self.dispatch, migratorUrl: migrator.url + "/")
        let request = try #require(migrator.requests.first)
        #expect(request.method == .POST)
        #expect(request.uri == "/dispatch-step")
        #expect(request.headers.first(name: "content-type") == "application/json")
        #expect(request.headers.first(name: "idempotency-key") == "app-chart-migration__billing-api/swap-chart-dev/1")
        #expect(request.body == String(decoding: JSONCoding.encode(Self.dispatch), as: UTF8.self))
        await client.shutdown()
        await migrator.stop()
    }

    @Test("dispatch succeeds on any 2xx", arguments: [HTTPResponseStatus.ok, .accepted, .noContent, .created])
    func dispatchAny2xx(status: HTTPResponseStatus) async throws {
        let migrator = try await TestMigrator.start { _ in .respond(status, "") }
        let client = self.client()
        try await client.dispatchStep(Self.dispatch, migratorUrl: migrator.url)
        await client.shutdown()
        await migrator.stop()
    }

    @Test("non-2xx dispatch fails with status and a body excerpt; redirects are not followed")
    func dispatchFailures() async throws {
        let migrator = try await TestMigrator.start { request in
            request.body.contains("redirect")
                ? .respond(.found, "", headers: ["location": "http://elsewhere/"])
                : .respond(.internalServerError, #"{"error":"handler exploded\u0000 badly"}"#)
        }
        let client = self.client()
        let error = try await #require(throws: MigratorClientError.self) {
            try await client.dispatchStep(Self.dispatch, migratorUrl: migrator.url)
        }
        #expect(error.code == .unexpectedStatus)
        #expect(error.statusCode == 500)
        #expect(error.bodyExcerpt?.contains("handler exploded") == true)

        var redirect = Self.dispatch
        redirect.stepName = "redirect"
        let redirectError = try await #require(throws: MigratorClientError.self) {
            try await client.dispatchStep(redirect, migratorUrl: migrator.url)
        }
        #expect(redirectError.statusCode == 302)
        #expect(migrator.requests.count == 2)
        await client.shutdown()
        await migrator.stop()
    }

    @Test("keep-alive: sequential calls to one host reuse one pooled connection")
    func pooling() async throws {
        let migrator = try await TestMigrator.start { _ in .respond(.ok, "{}") }
        let client = self.client()
        for _ in 0..<5 {
            try await client.dispatchStep(Self.dispatch, migratorUrl: migrator.url)
        }
        #expect(migrator.requests.count == 5)
        #expect(migrator.connectionCount == 1)
        #expect(client.idleConnections(to: migrator.url) == 1)
        await client.shutdown()
        await migrator.stop()
    }

    @Test("dry run returns the DryRunResult on exactly 200")
    func dryRunOK() async throws {
        let result = #"{"steps":[{"stepName":"swap-chart-dev","skipped":false,"files":[{"path":"a.yaml","repo":"gitops","before":"x","after":"y","status":"modified"}]}]}"#
        let migrator = try await TestMigrator.start { _ in .respond(.ok, result) }
        let client = self.client()
        let answer = try await client.dryRun(Self.dryRun, migratorUrl: migrator.url)
        #expect(answer.steps.first?.files?.first?.status == .modified)
        let request = try #require(migrator.requests.first)
        #expect(request.uri == "/dry-run")
        #expect(request.body == String(decoding: JSONCoding.encode(Self.dryRun), as: UTF8.self))
        await client.shutdown()
        await migrator.stop()
    }

    @Test("dry run fails on any other status or an invalid result", arguments: [
        (HTTPResponseStatus.accepted, #"{"steps":[]}"#, MigratorClientError.Code.unexpectedStatus),
        (.internalServerError, #"{"error":"x"}"#, .unexpectedStatus),
        (.ok, #"{"nope":1}"#, .invalidResponse),
        (.ok, "not json", .invalidResponse),
    ])
    func dryRunFailures(status: HTTPResponseStatus, body: String, code: MigratorClientError.Code) async throws {
        let migrator = try await TestMigrator.start { _ in .respond(status, body) }
        let client = self.client()
        let error = try await #require(throws: MigratorClientError.self) {
            _ = try await client.dryRun(Self.dryRun, migratorUrl: migrator.url)
        }
        #expect(error.code == code)
        await client.shutdown()
        await migrator.stop()
    }

    @Test("a migrator that never answers hits the request timeout, on the connection it already had")
    func timeout() async throws {
        // The first request is answered (its keep-alive connection is pooled), the second never: the
        // deadline then bounds only the exchange, not a connect that a loaded machine may make slow.
        let migrator = try await TestMigrator.start { request in
            request.uri == "/dry-run" ? .respond(.ok, #"{"steps":[]}"#) : .hang
        }
        let client = self.client { $0.dispatchTimeout = .milliseconds(200) }
        _ = try await client.dryRun(Self.dryRun, migratorUrl: migrator.url)
        let error = try await #require(throws: MigratorClientError.self) {
            try await client.dispatchStep(Self.dispatch, migratorUrl: migrator.url)
        }
        #expect(error.code == .requestTimeout)
        #expect(migrator.connectionCount == 1)
        #expect(migrator.requests.map(\.uri) == ["/dry-run", "/dispatch-step"])
        await client.shutdown()
        await migrator.stop()
    }

    @Test("a deadline that passed before the request was written is a request timeout, not a closed connection")
    func deadlinePassedBeforeWrite() async throws {
        let migrator = try await TestMigrator.start { _ in .respond(.ok, #"{"steps":[]}"#) }
        let client = self.client()
        let status = ReferenceJSON.StepStatusRequest(
            migrationId: "m", candidateId: "c", callbackId: "m__c", stepName: "s", attempt: 1, idempotencyKey: "m__c/1/s/1")
        // The timer and the write race on the event loop; either order must give requestTimeout.
        for _ in 0..<20 {
            _ = try await client.dryRun(Self.dryRun, migratorUrl: migrator.url)  // pools a connection
            let error = try await #require(throws: MigratorClientError.self) {
                _ = try await client.stepStatus(status, migratorUrl: migrator.url, timeout: .zero)
            }
            #expect(error.code == .requestTimeout, "\(error)")
        }
        // Each timed-out request used the pooled connection (then closed it); none opened another.
        #expect(migrator.connectionCount == 20)
        await client.shutdown()
        await migrator.stop()
    }

    @Test("an unreachable migrator fails to connect; a bad URL is rejected before any I/O")
    func connectFailures() async throws {
        let migrator = try await TestMigrator.start { _ in .respond(.ok, "") }
        let url = migrator.url
        await migrator.stop()
        let client = self.client()
        let error = try await #require(throws: MigratorClientError.self) {
            try await client.dispatchStep(Self.dispatch, migratorUrl: url)
        }
        #expect(error.code == .connectFailed)
        for bad in ["", "ftp://x", "http://", "http://u@h", "http://h:99999", "http://h?q", "app-chart-migrator:3001"] {
            let invalid = try await #require(throws: MigratorClientError.self) {
                try await client.dispatchStep(Self.dispatch, migratorUrl: bad)
            }
            #expect(invalid.code == .invalidURL)
        }
        await client.shutdown()
    }
}
