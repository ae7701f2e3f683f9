/// Bounds on the work one decode may do. They are checked by a scan of the wire bytes before
/// protobuf-c unpacks anything, so a message over a bound costs a walk over its bytes and
/// allocates nothing (`Protos/README.md`, section 2.7).
///
/// The bound on each repeated field is fixed by the contract (``maxElements(ofField:)``); the
/// others can be set per decode. ``default`` is what the RPC server and client use.
public struct DecodeLimits: Sendable, Hashable {
    /// The deepest message nesting accepted; the top-level message is at depth 1 (default 32;
    /// Loom's deepest message, `MigrationUpdate` → `Run` → `StepResult` → `Candidate` →
    /// `FileGroup` → `FileRef`, is 6 deep).
    public var maxDepth: Int
    /// The most unknown fields (field numbers this version does not know) accepted in one
    /// message, at any depth (default 1000). protobuf-c keeps a copy of each.
    public var maxUnknownFields: Int
    /// How many bytes decoding may take per encoded byte (default 16), on top of
    /// ``decodedSizeAllowance``: see ``maxDecodedBytes(encodedSize:)``.
    public var decodedSizeFactor: Int
    /// Bytes decoding may take whatever the encoding's size (default 4 MiB): see
    /// ``maxDecodedBytes(encodedSize:)``.
    public var decodedSizeAllowance: Int

    /// Creates limits; each parameter defaults to the value of ``default``.
    public init(
        maxDepth: Int = 32,
        maxUnknownFields: Int = 1000,
        decodedSizeFactor: Int = 16,
        decodedSizeAllowance: Int = 4 * 1024 * 1024
    ) {
        precondition(maxDepth >= 1 && maxUnknownFields >= 0 && decodedSizeFactor >= 0 && decodedSizeAllowance >= 0,
                     "decode limits must not be negative (and the depth at least 1)")
        self.maxDepth = maxDepth
        self.maxUnknownFields = maxUnknownFields
        self.decodedSizeFactor = decodedSizeFactor
        self.decodedSizeAllowance = decodedSizeAllowance
    }

    /// Depth 32, 1000 unknown fields, 16 × the encoded size + 4 MiB decoded.
    public static let `default` = DecodeLimits()

    /// The most bytes decoding an encoding of `encodedSize` bytes may take:
    /// `decodedSizeFactor × encodedSize + decodedSizeAllowance`.
    ///
    /// "Taking" is protobuf-c's allocations, as the scan estimates them (structs, pointer arrays,
    /// strings, copies of unknown fields and its own scratch space, with malloc's rounding).
    /// A message of long strings takes about its own size; one of many tiny or empty
    /// sub-messages far more (an empty `Candidate` is 2 bytes on the wire and about 190 decoded;
    /// 10,000 candidates with an id and a kind, about 21 times their size).
    public func maxDecodedBytes(encodedSize: Int) -> Int {
        let (scaled, overflow) = decodedSizeFactor.multipliedReportingOverflow(by: encodedSize)
        guard !overflow else { return .max }
        let (total, overflow2) = scaled.addingReportingOverflow(decodedSizeAllowance)
        return overflow2 ? .max : total
    }

    /// The most elements the repeated (or map) field `field` may have in one message, e.g.
    /// `maxElements(ofField: "loom.v1.Migration.candidates")` is 10,000; nil for a name that is
    /// not a repeated field of `Protos/loom/v1/loom.proto`.
    ///
    /// Each bound is at least the limit the service applies to the field, so a request within
    /// the service's limits is never refused by the decoder, and the service's own message
    /// (INVALID_ARGUMENT) is what callers usually see.
    public static func maxElements(ofField field: String) -> Int? {
        repeatedFieldBounds[field]
    }

    /// Every repeated and map field of `loom.proto` with its bound (a test checks the list
    /// against the descriptors, so a field added to the proto must be added here).
    static let repeatedFieldBounds: [String: Int] = [
        // Definitions and candidates (service limits: section 8.1 of Protos/README.md).
        "loom.v1.StepDefinition.config": 256,
        "loom.v1.FileGroup.files": 10_000,
        "loom.v1.Candidate.metadata": 256,
        "loom.v1.Candidate.files": 1000,
        "loom.v1.Candidate.steps": 1000,
        "loom.v1.Candidate.inputs": 256,
        "loom.v1.Migration.required_inputs": 100,
        "loom.v1.Migration.candidates": 10_000,
        "loom.v1.Migration.steps": 1000,
        "loom.v1.MigrationCounts.steps": 1000,
        "loom.v1.StepEvent.metadata": 256,
        // Requests.
        "loom.v1.SubmitCandidatesRequest.candidates": 10_000,
        "loom.v1.UpdateCandidateInputsRequest.inputs": 256,
        "loom.v1.ListCandidatesRequest.metadata": 256,
        "loom.v1.StartRunRequest.inputs": 256,
        "loom.v1.DryRunRequest.inputs": 256,
        // Runs and responses (a page holds at most 1000 items; a run keeps at most 1000 history
        // entries; a response lists at most one entry per candidate of its request).
        "loom.v1.StepResult.metadata": 256,
        "loom.v1.Run.results": 1000,
        "loom.v1.Run.steps": 1000,
        "loom.v1.Run.inputs": 256,
        "loom.v1.StepDryRunResult.files": 100_000,
        "loom.v1.DryRunResult.steps": 1000,
        "loom.v1.AnnounceResponse.rejected_candidates": 10_000,
        "loom.v1.ListMigrationsResponse.migrations": 1000,
        "loom.v1.SubmitCandidatesResponse.skipped_ids": 10_000,
        "loom.v1.SubmitCandidatesResponse.rejected": 10_000,
        "loom.v1.ListCandidatesResponse.candidates": 1000,
        "loom.v1.ListRunsResponse.runs": 1000,
        "loom.v1.RecountMigrationResponse.drift": 10_000,
        "loom.v1.GetRunHistoryResponse.entries": 1000,
        "loom.v1.RunUpdate.entries": 1000,
        "loom.v1.MigrationUpdate.runs": 1000,
        // Campaigns (CampaignSelection.maxMembers = 100,000 members; a page or a preview holds
        // at most 1000 members, a history at most 1000 events).
        "loom.v1.Campaign.inputs": 256,
        "loom.v1.Campaign.filter_metadata": 256,
        "loom.v1.CampaignMember.inputs": 256,
        "loom.v1.CampaignMemberInputs.inputs": 256,
        "loom.v1.CreateCampaignRequest.candidate_ids": 100_000,
        "loom.v1.CreateCampaignRequest.metadata": 256,
        "loom.v1.CreateCampaignRequest.inputs": 256,
        "loom.v1.CreateCampaignRequest.member_inputs": 100_000,
        "loom.v1.CreateCampaignResponse.members": 1000,
        "loom.v1.ListCampaignsResponse.campaigns": 1000,
        "loom.v1.ListCampaignMembersResponse.members": 1000,
        "loom.v1.GetCampaignHistoryResponse.events": 1000,
    ]

    /// The bound of a repeated field missing from ``repeatedFieldBounds`` (never used while the
    /// list is complete, which a test checks).
    static let fallbackMaxElements = 10_000
}
