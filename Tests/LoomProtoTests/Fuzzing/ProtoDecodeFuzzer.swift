import LoomProto

/// The harness of the `proto-decode` fuzz target: LoomProto's decoding of every message of the contract.
///
/// Input: the first byte picks the message type (``messageTypes``, modulo its count); the rest is the encoding.
/// Checked, besides "never traps" (and, under AddressSanitizer, no leak or bad access): a failure is a
/// ``ProtoCodecError`` naming the message; a message that decodes re-encodes to ``LoomMessage/encodedSize`` bytes
/// that decode to an equal message.
///
/// This file is also compiled into the fuzzer (`Fuzz/Sources/FuzzProtoDecode` links it): no test-only code here.
enum ProtoDecodeFuzzer {
    /// Every message type of `Protos/loom/v1/loom.proto` (a unit test checks the list against the samples, which
    /// have one value of every type). Append new types at the end: the index is the first byte of the seeds.
    static let messageTypes: [any LoomMessage.Type] = [
        InputDefinition.self, StepDefinition.self, FileRef.self, FileGroup.self, Candidate.self, Migration.self,
        MigrationCounts.self, StepCounts.self, StepResult.self, Run.self, HistoryEntry.self, FileDiff.self,
        StepDryRunResult.self, DryRunResult.self, StepEvent.self, AnnounceRequest.self, AnnounceResponse.self,
        RejectedCandidate.self, ListMigrationsRequest.self, ListMigrationsResponse.self, GetMigrationRequest.self,
        SubmitCandidatesRequest.self, SubmitCandidatesResponse.self, UpdateCandidateInputsRequest.self,
        ListCandidatesRequest.self, ListCandidatesResponse.self, ListRunsRequest.self, ListRunsResponse.self,
        RecountMigrationRequest.self, RecountMigrationResponse.self, StartRunRequest.self, CancelRunRequest.self,
        RetryStepRequest.self, GetRunRequest.self, GetRunHistoryRequest.self, GetRunHistoryResponse.self,
        DryRunRequest.self, ReportStepEventRequest.self, ReportStepEventResponse.self, WatchRunRequest.self,
        RunUpdate.self, WatchMigrationRequest.self, MigrationUpdate.self,
        // Campaigns (appended, so the selector byte of every earlier type stays the same).
        CampaignCounts.self, Campaign.self, CampaignMember.self, CampaignEvent.self, CampaignMemberInputs.self,
        CreateCampaignRequest.self, CreateCampaignResponse.self, GetCampaignRequest.self, ListCampaignsRequest.self,
        ListCampaignsResponse.self, ListCampaignMembersRequest.self, ListCampaignMembersResponse.self,
        GetCampaignHistoryRequest.self, GetCampaignHistoryResponse.self, PauseCampaignRequest.self, ResumeCampaignRequest.self,
        UpdateCampaignRequest.self, CancelCampaignRequest.self, CancelCampaignResponse.self, WatchCampaignRequest.self,
        CampaignUpdate.self,
    ]

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        messageTypes[Int(first) % messageTypes.count].fuzzDecode(UnsafeRawBufferPointer(rebasing: input.dropFirst()))
    }

    /// The input byte that selects `type`.
    static func selector(of type: any LoomMessage.Type) -> UInt8? {
        messageTypes.firstIndex { $0 == type }.map(UInt8.init)
    }
}

extension LoomMessage {
    /// The checks of ``ProtoDecodeFuzzer`` for this message type.
    fileprivate static func fuzzDecode(_ bytes: UnsafeRawBufferPointer) {
        let message: Self
        do {
            message = try Self(decoding: bytes)
        } catch {
            precondition(error.messageName == protoName, "\(protoName) failed with \(error)")
            return
        }
        let encoded = message.encoded()
        precondition(encoded.count == message.encodedSize, "\(protoName): encodedSize is not the encoding's size")
        let again = Result { () throws(ProtoCodecError) -> Self in try Self(decoding: encoded) }
        // Equal, or — for a message with a NaN double, which is not equal to itself — encoded to the same bytes.
        precondition(
            (try? again.get()).map { $0 == message || $0.encoded() == encoded } == true,
            "\(protoName) does not survive re-encoding: \(again)")
    }
}
