import LoomCore
import LoomHTTP
import NIOHTTP1
import NIOPosix
import Testing

/// The port-level error the orchestrator logs and stores as a step's failure reason.
@Suite("Migrator call errors read once", .timeLimit(.minutes(1)))
struct MigratorCallErrorTests {
    static let request = LoomCore.DispatchStepRequest(
        migrationId: "app-chart-migration", stepName: "swap-chart-dev",
        candidate: LoomCore.Candidate(id: "billing-api", kind: "application"), config: [:],
        callbackId: "run-1", eventName: "step-completed:swap-chart-dev:billing-api",
        migratorApp: "app-chart-migrator", migratorUrl: "http://m", type: "swap-chart",
        attempt: 1, generation: 1, idempotencyKey: "run-1/1/swap-chart-dev/1", callbackToken: "", callbackUrl: ""
    )

    @Test("a dispatch answered with 503 reads 'migrator answered HTTP 503: <body excerpt>', without repetition")
    func statusReadsOnce() async throws {
        let migrator = try await TestMigrator.start { _ in .respond(.serviceUnavailable, "overloaded, try later") }
        let client = MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton, configuration: .defaults)
        let error = try await #require(throws: MigratorCallError.self) {
            try await (client as any MigratorClient).dispatchStep(Self.request, baseURL: migrator.url, timeout: .seconds(10))
        }
        #expect(error.kind == .httpStatus(503))
        #expect(error.description == "migrator answered HTTP 503: overloaded, try later")
        await client.shutdown()
        await migrator.stop()
    }

    @Test("a status with an empty body reads as the status alone")
    func statusWithoutBody() async throws {
        let migrator = try await TestMigrator.start { _ in .respond(.badGateway, "") }
        let client = MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton, configuration: .defaults)
        let error = try await #require(throws: MigratorCallError.self) {
            try await (client as any MigratorClient).dispatchStep(Self.request, baseURL: migrator.url, timeout: .seconds(10))
        }
        #expect(error.description == "migrator answered HTTP 502")
        await client.shutdown()
        await migrator.stop()
    }
}
