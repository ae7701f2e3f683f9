import LoomCore
import LoomProto
import Testing

@testable import LoomAPIService

@Suite("Listing requests from the wire")
struct ListingRequestMappingTests {
    @Test("a ListRuns request maps to the domain filter; 0 and UNSPECIFIED mean unbounded and any")
    func mapping() throws {
        let filter = try LoomCore.RunFilter(
            LoomProto.ListRunsRequest(
                migrationID: "m", status: .waitingRetry, stepName: "review", stepStatus: .awaitingReview, updatedAfterUnixMs: 5))
        #expect(filter.selection == RunSelection(migrationId: "m", status: .waitingRetry, updatedAfter: Timestamp(unixMilliseconds: 5)))
        #expect(filter.stepName == "review" && filter.stepStatus == .awaitingReview)
        #expect(!filter.stalled)
        #expect(try LoomCore.RunFilter(LoomProto.ListRunsRequest(stalled: true)).stalled)
        #expect(try LoomCore.RunFilter(LoomProto.ListRunsRequest()) == RunFilter())
    }

    @Test("a run's stall reaches the wire as stalled_since_unix_ms; a run that is not stalled has 0")
    func stalledRun() throws {
        let now = Timestamp(unixMilliseconds: 1_767_225_600_000)
        let steps = [LoomCore.StepDefinition(name: "s", migratorApp: "a", description: "", type: "t", config: [:])]
        var result = LoomCore.StepResult(stepName: "s", attempt: 1, at: now)
        result.dispatch = .delivered
        result.stalledSince = now
        var run = LoomCore.Run(
            id: try RunID(migrationId: "m", candidateId: "c"), status: .running, results: [result], steps: steps,
            candidate: LoomCore.Candidate(id: "c", kind: "k"), migratorUrl: "http://m", createdAt: now, updatedAt: now)
        #expect(LoomProto.Run(run).stalledSinceUnixMs == 1_767_225_600_000)
        run.status = LoomCore.RunStatus.cancelled
        #expect(LoomProto.Run(run).stalledSinceUnixMs == 0)
    }

    @Test("an enum value the contract does not define is invalid_argument naming the field")
    func unknownValues() {
        for (request, field) in [
            (LoomProto.ListRunsRequest(status: .unrecognized(42)), "status"),
            (LoomProto.ListRunsRequest(stepStatus: .unrecognized(9)), "step_status"),
        ] {
            let error = #expect(throws: LoomError.self) { _ = try LoomCore.RunFilter(request) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.hasPrefix(field) == true)
        }
        let error = #expect(throws: LoomError.self) { _ = try LoomCore.CandidateStatus(filter: .unrecognized(7)) }
        #expect(error?.message.hasPrefix("status") == true)
    }
}
