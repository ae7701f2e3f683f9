import Logging
import LoomCore
import LoomProto
import LoomTestSupport
import Testing

@testable import LoomRPC
@testable import LoomAPIService
@testable import LoomServer

/// The RPC face of a repeated callback: ReportStepEvent answers OK either way, and its `status` tells an
/// event applied now from an exact repeat of one applied earlier.
@Suite("ReportStepEvent: event raised or already applied")
struct ReportStepEventStatusTests {
    @Test("the first report is \"event raised\"; its exact repeat after the run moved on is \"already applied\" and changes nothing; another outcome is FAILED_PRECONDITION")
    func statuses() async throws {
        let harness = LoomHarness(store: try await StoreFactory.inMemory())
        try await harness.announce(Fixtures.migration(), candidates: [Fixtures.candidate()])
        _ = try await harness.service.startRun(migrationId: "app-chart-migration", candidateId: "billing-api", inputs: ["repoName": "billing-api"])
        await harness.settle()
        let rpc = LoomRPCService(service: harness.service, access: CallerAccess(policy: nil))
        let context = RPCHandlerContext(
            method: "/loom.v1.Loom/ReportStepEvent", deadline: nil, metadata: [:],
            peer: RPCPeer(identity: nil, remoteAddress: "test"), callID: 1, connectionLogger: LoomHarness.quietLogger)
        let token = try #require(harness.migrator.dispatches.first?.callbackToken)
        let request = ReportStepEventRequest(
            runID: "app-chart-migration__billing-api", callbackToken: token,
            event: LoomProto.StepEvent(stepName: "disable-sync-prune", candidateID: "billing-api", success: true))

        let first = try await rpc.reportStepEvent(request, context: context)
        #expect(first.status == "event raised")
        await harness.settle()
        let advanced = try await harness.service.run(migrationId: "app-chart-migration", candidateId: "billing-api")
        #expect(advanced.currentStep == 1)

        let repeated = try await rpc.reportStepEvent(request, context: context)
        #expect(repeated.status == "already applied")
        #expect(repeated.run?.version == advanced.version)
        #expect(repeated.run?.currentStep == 1)

        var conflicting = request
        conflicting.event?.success = false
        let error = try await #require(throws: LoomError.self) { _ = try await rpc.reportStepEvent(conflicting, context: context) }
        #expect(error.code == .staleEvent)
    }
}
