/// Which candidates a campaign covers, as the operator asked: explicit ids, or a filter over the
/// migration's candidates. Either way it is resolved once, when the campaign is created, into a
/// frozen member list; candidates submitted later never join.
public struct CampaignSelection: Hashable, Sendable, Codable {
    /// The most candidates one campaign may cover.
    public static let maxMembers = 100_000

    /// Explicit candidate ids (empty when ``filter`` selects).
    public var candidateIds: [String]
    /// A filter over the migration's candidates (`nil` when ``candidateIds`` select).
    public var filter: CampaignFilter?

    /// Selects exactly these candidates.
    public static func candidates(_ ids: [String]) -> CampaignSelection {
        CampaignSelection(candidateIds: ids, filter: nil)
    }

    /// Selects every candidate the filter matches when the campaign is created.
    public static func matching(_ filter: CampaignFilter) -> CampaignSelection {
        CampaignSelection(candidateIds: [], filter: filter)
    }

    private init(candidateIds: [String], filter: CampaignFilter?) {
        self.candidateIds = candidateIds
        self.filter = filter
    }
}

/// The stored form of a ``CandidateFilter`` a campaign was created with.
public struct CampaignFilter: Hashable, Sendable, Codable {
    /// Only candidates with this status (`nil` = any).
    public var status: CandidateStatus?
    /// Only candidates of exactly this kind (`nil` = any).
    public var kind: String?
    /// Only ids starting with this text (empty = any).
    public var idPrefix: String
    /// Every entry must equal the candidate's metadata value for that key.
    public var metadata: [String: String]

    /// Creates the stored form of `filter`.
    public init(_ filter: CandidateFilter) {
        self.status = filter.status
        self.kind = filter.kind
        self.idPrefix = filter.idPrefix
        self.metadata = filter.metadata
    }

    /// The filter itself.
    public var candidateFilter: CandidateFilter {
        CandidateFilter(status: status, kind: kind, idPrefix: idPrefix, metadata: metadata)
    }
}

/// One candidate of a campaign.
public struct CampaignMember: Hashable, Sendable, Codable {
    /// The candidate.
    public var candidateId: String
    /// Inputs for this candidate only, over the campaign's shared inputs.
    public var inputs: [String: String]
    /// Where it stands.
    public var status: CampaignMemberStatus
    /// When the campaign started its run (`nil` before).
    public var startedAt: Timestamp?
    /// The generation of the run the campaign started (0 before): only that generation's writes
    /// move the member.
    public var runGeneration: UInt32
    /// Why it was skipped (a run already active, an operator), when it was.
    public var note: String

    /// Creates a member, pending unless told otherwise.
    public init(
        candidateId: String, inputs: [String: String] = [:], status: CampaignMemberStatus = .pending, startedAt: Timestamp? = nil,
        runGeneration: UInt32 = 0, note: String = ""
    ) {
        self.candidateId = candidateId
        self.inputs = inputs
        self.status = status
        self.startedAt = startedAt
        self.runGeneration = runGeneration
        self.note = note
    }
}

/// A campaign: runs of one migration started for a frozen set of candidates, at most
/// ``CampaignPacing/maxInFlight`` at a time and ``CampaignPacing/maxStartsPerMinute`` a minute,
/// pausing itself when its ``FailureBudget`` is spent. A versioned record, changed only by atomic
/// store operations, and driven by a timer like a run, so any replica can continue it.
public struct Campaign: Hashable, Sendable, Codable {
    /// The campaign's id (an ``Identifier``), unique across migrations.
    public var id: String
    /// The migration whose runs it starts.
    public var migrationId: String
    /// What it is for, as the operator wrote it.
    public var description: String
    /// The identity that created it; every run it starts records it as `startedBy`.
    public var createdBy: String
    /// When it was created.
    public var createdAt: Timestamp
    /// When the record last changed.
    public var updatedAt: Timestamp
    /// Where it is in its life.
    public var state: CampaignState
    /// Why it is in that state when someone or something put it there ("paused by …", the spent
    /// budget, "cancelled by …"); empty otherwise.
    public var stateReason: String
    /// How fast it starts runs (changeable while it runs).
    public var pacing: CampaignPacing
    /// When it pauses itself.
    public var budget: FailureBudget
    /// Inputs every member's run gets (a member's own inputs win).
    public var inputs: [String: String]
    /// The filter its members were selected with (shown; the members are what it runs), or `nil`
    /// when the operator listed the candidates.
    public var filter: CampaignFilter?
    /// Its members per status; they add up to the member count.
    public var counts: CampaignCounts
    /// Optimistic-concurrency version; the store sets it to previous + 1 on every write.
    public var version: UInt64

    /// Creates a campaign record.
    public init(
        id: String, migrationId: String, description: String = "", createdBy: String, createdAt: Timestamp,
        updatedAt: Timestamp? = nil, state: CampaignState = .running, stateReason: String = "",
        pacing: CampaignPacing, budget: FailureBudget = FailureBudget(), inputs: [String: String] = [:],
        filter: CampaignFilter? = nil, counts: CampaignCounts, version: UInt64 = 0
    ) {
        self.id = id
        self.migrationId = migrationId
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.state = state
        self.stateReason = stateReason
        self.pacing = pacing
        self.budget = budget
        self.inputs = inputs
        self.filter = filter
        self.counts = counts
        self.version = version
    }

    /// What the campaign's timer does now, given the starts of the last minute.
    public func decide(window: CampaignStartWindow) -> CampaignDecision {
        CampaignPlanner.decide(state: state, counts: counts, pacing: pacing, budget: budget, window: window)
    }
}
