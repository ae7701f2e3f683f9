import LoomAPI
import LoomCore
import LoomProto
import LoomTestSupport
import Testing

@testable import LoomAPIService
@testable import LoomRPC

/// WatchCampaign end to end: LoomClient → RPC server → LoomRPCService → Service, on the harness's manual clock.
@Suite("WatchCampaign over the wire", .timeLimit(.minutes(1)))
struct CampaignWatchRPCTests {
    @Test("the stream carries the campaign, each change, and ends with OK after the cancelled campaign")
    func stream() async throws {
        let harness = LoomHarness(store: try await StoreFactory.inMemory())
        try await harness.announce(Fixtures.migration(), candidates: [Fixtures.candidate("org/a"), Fixtures.candidate("org/b")])
        _ = try await harness.service.createCampaign(
            CampaignRequest(
                id: "c1", migrationId: "app-chart-migration", selection: .candidates(["org/a", "org/b"]), inputs: ["repoName": "r"],
                pacing: CampaignPacing(maxInFlight: 1, maxStartsPerMinute: 10)),
            createdBy: "op")
        let rpc = LoomRPCService(service: harness.service, access: CallerAccess(policy: nil), watchInterval: .milliseconds(500))
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: 0, router: RPCRouter(loomService: rpc), configuration: .defaults(transportSecurity: .insecure),
            logger: LoomHarness.quietLogger)
        let loom = LoomClient(
            host: "127.0.0.1", port: server.localAddress?.port ?? 0, configuration: .defaults(transportSecurity: .insecure),
            logger: LoomHarness.quietLogger)
        let stream = try await loom.watchCampaign(WatchCampaignRequest(campaignID: "c1"))
        let collected = Task {
            var seen: [LoomProto.Campaign] = []
            for try await update in stream { seen.append(try #require(update.campaign)) }
            return seen
        }
        // The watch polls every 2 × 0.5 s of the manual clock; each step waits until it sleeps (an explicit signal).
        await harness.clock.waitUntilSleeping()
        _ = try await harness.service.pauseCampaign(id: "c1", by: "op")
        harness.clock.advance(by: .seconds(1))
        await harness.clock.waitUntilSleeping()
        _ = try await harness.service.cancelCampaign(id: "c1", by: "op", cancelRuns: false)
        harness.clock.advance(by: .seconds(1))
        let seen = try await collected.value
        #expect(seen.map(\.state) == [.running, .paused, .cancelled])
        #expect(seen.last?.counts == CampaignCounts(cancelled: 2))
        #expect(seen.allSatisfy { $0.id == "c1" && $0.migrationID == "app-chart-migration" && $0.createdBy == "op" })

        let missing = try await #require(throws: RPCError.self) {
            for try await _ in try await loom.watchCampaign(WatchCampaignRequest(campaignID: "nope")) {}
        }
        #expect(missing.code == .notFound)
        await loom.close()
        await server.close()
    }
}
