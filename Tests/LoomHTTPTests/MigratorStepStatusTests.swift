import LoomCore
import LoomHTTP
import LoomStores
import LoomTestSupport
import NIOHTTP1
import NIOPosix
import Testing

/// `POST {migratorUrl}/step-status` through the `MigratorClient` port, as the orchestrator asks a silent
/// step's migrator: what is sent, and how each answer reads.
@Suite("Migrator HTTP client: step status", .timeLimit(.minutes(1)))
struct MigratorStepStatusTests {
    static let request = LoomCore.StepStatusRequest(
        migrationId: "app-chart-migration", candidateId: "acme/billing-api", callbackId: "app-chart-migration__acme/billing-api",
        stepName: "swap-chart-dev", attempt: 2, idempotencyKey: "app-chart-migration__acme/billing-api/1/swap-chart-dev/2")

    /// Asks a test migrator that answers every request with `reply`; returns the answer (or the error) and what
    /// the migrator received.
    static func ask(_ reply: TestMigrator.Reply) async throws -> (Result<StepStatusAnswer, MigratorCallError>, [TestMigrator.Request]) {
        let migrator = try await TestMigrator.start { _ in reply }
        let client = MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton)
        let result: Result<StepStatusAnswer, MigratorCallError>
        do {
            result = .success(try await client.stepStatus(Self.request, baseURL: migrator.url, timeout: .seconds(30)))
        } catch let error as MigratorCallError {
            result = .failure(error)
        }
        let requests = migrator.requests
        await client.shutdown()
        await migrator.stop()
        return (result, requests)
    }

    @Test("POSTs the status body with the dispatch's Idempotency-Key; 200 with a step event is the outcome")
    func outcome() async throws {
        let body = #"{"stepName":"swap-chart-dev","candidateId":"acme/billing-api","success":true,"phase":"merged","metadata":{"prUrl":"u"}}"#
        let (result, requests) = try await Self.ask(.respond(.ok, body))
        #expect(try result.get() == .outcome(StepEvent(
            stepName: "swap-chart-dev", candidateId: "acme/billing-api", success: true, phase: "merged", metadata: ["prUrl": "u"])))
        let sent = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(sent.method == .POST)
        #expect(sent.uri == "/step-status")
        #expect(sent.headers.first(name: "content-type") == "application/json")
        #expect(sent.headers.first(name: "idempotency-key") == "app-chart-migration__acme/billing-api/1/swap-chart-dev/2")
        #expect(sent.body == #"{"attempt":2,"callbackId":"app-chart-migration__acme/billing-api","candidateId":"acme/billing-api","idempotencyKey":"app-chart-migration__acme/billing-api/1/swap-chart-dev/2","migrationId":"app-chart-migration","stepName":"swap-chart-dev"}"#)
    }

    @Test("202 is still working")
    func working() async throws {
        #expect(try await Self.ask(.respond(.accepted, "")).0.get() == .working)
    }

    @Test("404, 405 and 501 say the migrator has no such endpoint", arguments: [HTTPResponseStatus.notFound, .methodNotAllowed, .notImplemented])
    func unsupported(status: HTTPResponseStatus) async throws {
        #expect(try await Self.ask(.respond(status, #"{"error":"no"}"#)).0.get() == .unsupported(httpStatus: Int(status.code)))
    }

    @Test("any other status is a failed ask with the status", arguments: [
        HTTPResponseStatus.noContent, .created, .internalServerError, .serviceUnavailable, .badRequest, .conflict, .movedPermanently,
    ])
    func otherStatus(status: HTTPResponseStatus) async throws {
        let (result, _) = try await Self.ask(.respond(status, "busy"))
        guard case .failure(let error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.kind == .httpStatus(Int(status.code)))
    }

    @Test("a 200 that is not a step event is a bad response", arguments: ["", "not json", #"{"stepName":"s"}"#, #"{"status":"done"}"#])
    func badBody(body: String) async throws {
        let (result, _) = try await Self.ask(.respond(.ok, body))
        guard case .failure(let error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.kind == .badResponse)
    }

    @Test("end to end with the real client: after the silence the orchestrator asks over HTTP and the answer completes the step")
    func endToEnd() async throws {
        let answer = #"{"stepName":"disable-sync-prune","candidateId":"billing-api","success":true,"phase":"merged"}"#
        let migrator = try await TestMigrator.start { request in
            request.uri == "/step-status" ? .respond(.ok, answer) : .respond(.ok, #"{"status":"SUCCESS"}"#)
        }
        let client = MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton)
        let clock = ManualWallClock()
        let orchestrator = Orchestrator(store: InMemoryStore(), migrator: client, clock: clock, signer: FakeCallbackTokenSigner())
        let service = Service(orchestrator: orchestrator)
        var migration = Fixtures.migration(url: migrator.url)
        migration.candidates = [Fixtures.candidate()]
        _ = try await service.announce(migration)
        _ = try await service.startRun(migrationId: migration.id, candidateId: "billing-api", inputs: ["repoName": "billing-api"])
        await orchestrator.waitUntilIdle()
        clock.advance(by: .seconds(900))
        await orchestrator.tick()
        await orchestrator.waitUntilIdle()

        let run = try await service.run(migrationId: migration.id, candidateId: "billing-api")
        #expect(run.currentStep == 1)
        #expect(run.results.first?.status == .merged)
        try #require(migrator.requests.map(\.uri) == ["/dispatch-step", "/step-status", "/dispatch-step"])
        #expect(migrator.requests[1].headers.first(name: "idempotency-key") == "\(run.id)/1/disable-sync-prune/1")
        await client.shutdown()
        await migrator.stop()
    }
}
