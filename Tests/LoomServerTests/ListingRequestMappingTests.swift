import LoomCore
import LoomProto
import Testing

@testable import LoomServer

@Suite("Listing requests from the wire")
struct ListingRequestMappingTests {
    @Test("a ListRuns request maps to the domain filter; 0 and UNSPECIFIED mean unbounded and any")
    func mapping() throws {
        let filter = try LoomCore.RunFilter(
            LoomProto.ListRunsRequest(
                migrationID: "m", status: .waitingRetry, stepName: "review", stepStatus: .awaitingReview, updatedAfterUnixMs: 5))
        #expect(filter.selection == RunSelection(migrationId: "m", status: .waitingRetry, updatedAfter: Timestamp(unixMilliseconds: 5)))
        #expect(filter.stepName == "review" && filter.stepStatus == .awaitingReview)
        #expect(try LoomCore.RunFilter(LoomProto.ListRunsRequest()) == RunFilter())
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
