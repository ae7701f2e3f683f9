import LoomProto
import Testing

/// The campaign messages: selection, pacing and budget fields survive the wire, and a creation request at the
/// service's member limit fits the default decode limits and message size.
@Suite("Campaign messages")
struct CampaignMessageTests {
    @Test("a campaign keeps its budget share exactly, 0 meaning none, and its filter or explicit list")
    func campaignFields() throws {
        for percent in [0, 0.1, 12.5, 33.333333333333336, 100] {
            let campaign = Campaign(id: "c", maxInFlight: 1, maxFailurePercent: percent, explicitCandidates: percent == 0)
            let decoded = try Campaign(decoding: campaign.encoded())
            #expect(decoded == campaign)
            #expect(decoded.maxFailurePercent == percent)
        }
        let filtered = Campaign(filterStatus: .notStarted, filterKind: "app", filterIDPrefix: "org/", filterMetadata: ["team": "payments"])
        #expect(try Campaign(decoding: filtered.encoded()) == filtered)
        #expect(try Campaign(decoding: []) == Campaign())
        #expect(try Campaign(decoding: Campaign(counts: CampaignCounts()).encoded()).counts == CampaignCounts())
    }

    @Test("member inputs keep their order and repeats as sent (the server refuses a repeat)")
    func memberInputs() throws {
        let request = CreateCampaignRequest(
            migrationID: "m", candidateIDs: ["b", "a"],
            memberInputs: [CampaignMemberInputs(candidateID: "b", inputs: ["k": "1"]), CampaignMemberInputs(candidateID: "b")],
            maxInFlight: 1, maxStartsPerMinute: 1)
        let decoded = try CreateCampaignRequest(decoding: request.encoded())
        #expect(decoded.candidateIDs == ["b", "a"])
        #expect(decoded.memberInputs.map(\.candidateID) == ["b", "b"])
        #expect(decoded == request)
    }

    @Test("unrecognized campaign enum numbers round-trip")
    func unrecognizedEnums() throws {
        let member = CampaignMember(status: .unrecognized(42))
        #expect(try CampaignMember(decoding: member.encoded()).status.rawValue == 42)
        let event = CampaignEvent(kind: .unrecognized(-1))
        #expect(try CampaignEvent(decoding: event.encoded()).kind.rawValue == -1)
        #expect(CampaignState.paused.protoValueName == "CAMPAIGN_STATE_PAUSED")
        #expect(CampaignEventKind.budgetSpent.protoValueName == "CAMPAIGN_EVENT_KIND_BUDGET_SPENT")
    }

    @Test("100,000 candidate ids of 32 characters fit 4 MiB and the default decode limits; one more id is refused")
    func largestCreation() throws {
        let ids = (0..<100_000).map { "org/repository-\(String($0).leftPadded(to: 17))" }
        #expect(ids.allSatisfy { $0.utf8.count == 32 })
        let request = CreateCampaignRequest(migrationID: "m", candidateIDs: ids, maxInFlight: 500, maxStartsPerMinute: 1000)
        let bytes = request.encoded()
        #expect(bytes.count < 4 << 20, "the default --max-message-size")
        #expect(try CreateCampaignRequest(decoding: bytes) == request)
        var over = request
        over.candidateIDs.append("org/one-more")
        #expect(throws: ProtoCodecError.tooManyElements(
            "loom.v1.CreateCampaignRequest", field: "loom.v1.CreateCampaignRequest.candidate_ids", limit: 100_000
        )) {
            try CreateCampaignRequest(decoding: over.encoded())
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
