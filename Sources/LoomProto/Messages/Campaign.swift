// The campaign messages of `service Loom`.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// A campaign's members per status; they always add up to the member count.
///
/// The Swift form of `loom.v1.CampaignCounts`.
public struct CampaignCounts: Sendable, Hashable {
    /// Members not started yet.
    public var pending: UInt64
    /// Members whose run has not finished.
    public var running: UInt64
    /// Members whose run completed.
    public var completed: UInt64
    /// Members whose run failed.
    public var failed: UInt64
    /// Members not started (already active, or skipped by an operator).
    public var skipped: UInt64
    /// Members cancelled (their run, or the campaign before they started).
    public var cancelled: UInt64

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        pending: UInt64 = 0,
        running: UInt64 = 0,
        completed: UInt64 = 0,
        failed: UInt64 = 0,
        skipped: UInt64 = 0,
        cancelled: UInt64 = 0
    ) {
        self.pending = pending
        self.running = running
        self.completed = completed
        self.failed = failed
        self.skipped = skipped
        self.cancelled = cancelled
    }
}

/// A campaign: pacing, budget, selection and counts.
///
/// The Swift form of `loom.v1.Campaign`.
public struct Campaign: Sendable, Hashable {
    /// Unique across migrations (an identifier).
    public var id: String
    /// The migration whose runs it starts.
    public var migrationID: String
    /// What it is for.
    public var description: String
    /// The identity that created it; every run it starts records it as started_by.
    public var createdBy: String
    /// When it was created (Unix ms).
    public var createdAtUnixMs: Int64
    /// When its record last changed (Unix ms).
    public var updatedAtUnixMs: Int64
    /// Where it is in its life.
    public var state: CampaignState
    /// Why it is in that state ("paused by …", the spent budget, "cancelled by …"); may be empty.
    public var stateReason: String
    /// Runs of this campaign not yet finished, at most (1-10,000).
    public var maxInFlight: UInt32
    /// Runs it starts in any 60-second window, at most (1-100,000).
    public var maxStartsPerMinute: UInt32
    /// Pause when this many members failed; 0 = no such limit.
    public var maxFailures: UInt32
    /// Pause when failed members are at least this percentage (0 < p <= 100) of finished ones; 0 = no such limit.
    public var maxFailurePercent: Double
    /// Finished members needed before `maxFailurePercent` is judged (at least 1).
    public var minimumFinished: UInt32
    /// Inputs every member's run gets (a member's own inputs win).
    public var inputs: [String: String]
    /// true: the operator listed the candidates (the filter fields are empty); false: the filter selected them at creation.
    public var explicitCandidates: Bool
    /// The filter the members were selected with: candidate status (UNSPECIFIED = any).
    public var filterStatus: CandidateStatus
    /// The filter's exact kind; empty = any.
    public var filterKind: String
    /// The filter's id prefix; empty = any.
    public var filterIDPrefix: String
    /// The filter's metadata entries, all of which matched.
    public var filterMetadata: [String: String]
    /// Members per status.
    public var counts: CampaignCounts?
    /// Optimistic-concurrency version; increases with every change of the record.
    public var version: UInt64

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        id: String = "",
        migrationID: String = "",
        description: String = "",
        createdBy: String = "",
        createdAtUnixMs: Int64 = 0,
        updatedAtUnixMs: Int64 = 0,
        state: CampaignState = .unspecified,
        stateReason: String = "",
        maxInFlight: UInt32 = 0,
        maxStartsPerMinute: UInt32 = 0,
        maxFailures: UInt32 = 0,
        maxFailurePercent: Double = 0,
        minimumFinished: UInt32 = 0,
        inputs: [String: String] = [:],
        explicitCandidates: Bool = false,
        filterStatus: CandidateStatus = .unspecified,
        filterKind: String = "",
        filterIDPrefix: String = "",
        filterMetadata: [String: String] = [:],
        counts: CampaignCounts? = nil,
        version: UInt64 = 0
    ) {
        self.id = id
        self.migrationID = migrationID
        self.description = description
        self.createdBy = createdBy
        self.createdAtUnixMs = createdAtUnixMs
        self.updatedAtUnixMs = updatedAtUnixMs
        self.state = state
        self.stateReason = stateReason
        self.maxInFlight = maxInFlight
        self.maxStartsPerMinute = maxStartsPerMinute
        self.maxFailures = maxFailures
        self.maxFailurePercent = maxFailurePercent
        self.minimumFinished = minimumFinished
        self.inputs = inputs
        self.explicitCandidates = explicitCandidates
        self.filterStatus = filterStatus
        self.filterKind = filterKind
        self.filterIDPrefix = filterIDPrefix
        self.filterMetadata = filterMetadata
        self.counts = counts
        self.version = version
    }
}

/// One candidate of a campaign.
///
/// The Swift form of `loom.v1.CampaignMember`.
public struct CampaignMember: Sendable, Hashable {
    /// The candidate.
    public var candidateID: String
    /// Inputs for this candidate only, over the campaign's shared inputs.
    public var inputs: [String: String]
    /// Where it stands.
    public var status: CampaignMemberStatus
    /// When the campaign started its run; 0 before.
    public var startedAtUnixMs: Int64
    /// The generation of the run the campaign started; 0 before.
    public var runGeneration: UInt32
    /// Why it was skipped, when it was.
    public var note: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        candidateID: String = "",
        inputs: [String: String] = [:],
        status: CampaignMemberStatus = .unspecified,
        startedAtUnixMs: Int64 = 0,
        runGeneration: UInt32 = 0,
        note: String = ""
    ) {
        self.candidateID = candidateID
        self.inputs = inputs
        self.status = status
        self.startedAtUnixMs = startedAtUnixMs
        self.runGeneration = runGeneration
        self.note = note
    }
}

/// One entry of a campaign's history.
///
/// The Swift form of `loom.v1.CampaignEvent`.
public struct CampaignEvent: Sendable, Hashable {
    /// When it happened (Unix ms).
    public var atUnixMs: Int64
    /// What happened.
    public var kind: CampaignEventKind
    /// Who did it (an identity); empty for Loom itself.
    public var by: String
    /// Details: the budget's reason, the new pacing, a reason given.
    public var detail: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        atUnixMs: Int64 = 0,
        kind: CampaignEventKind = .unspecified,
        by: String = "",
        detail: String = ""
    ) {
        self.atUnixMs = atUnixMs
        self.kind = kind
        self.by = by
        self.detail = detail
    }
}

/// Inputs for one member of a campaign being created.
///
/// The Swift form of `loom.v1.CampaignMemberInputs`.
public struct CampaignMemberInputs: Sendable, Hashable {
    /// Must be a member of the selection.
    public var candidateID: String
    /// The member's inputs, over the shared ones.
    public var inputs: [String: String]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        candidateID: String = "",
        inputs: [String: String] = [:]
    ) {
        self.candidateID = candidateID
        self.inputs = inputs
    }
}
