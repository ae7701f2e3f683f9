// Requests and responses of the campaign methods of `service Loom`.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// The request of `Loom.CreateCampaign`.
///
/// The Swift form of `loom.v1.CreateCampaignRequest`.
public struct CreateCampaignRequest: Sendable, Hashable {
    /// Empty: the server makes one ("c-" and 12 hex digits).
    public var campaignID: String
    /// The migration whose runs the campaign starts.
    public var migrationID: String
    /// What it is for.
    public var description: String
    /// The candidates, started in this order (at most 100,000, each once); empty: the filter selects.
    public var candidateIDs: [String]
    /// Filter: candidate status (UNSPECIFIED = any); ignored when `candidateIDs` is set.
    public var status: CandidateStatus
    /// Filter: exact kind; empty = any.
    public var kind: String
    /// Filter: candidate ids starting with this text; empty = any.
    public var idPrefix: String
    /// Filter: every entry must equal the candidate's metadata value for that key.
    public var metadata: [String: String]
    /// Inputs every member's run gets, over the candidate's own.
    public var inputs: [String: String]
    /// Per-member inputs over the shared ones (each candidate at most once, each a member).
    public var memberInputs: [CampaignMemberInputs]
    /// Runs not yet finished, at most (1-10,000).
    public var maxInFlight: UInt32
    /// Starts in any 60-second window, at most (1-100,000).
    public var maxStartsPerMinute: UInt32
    /// Pause when this many members failed; 0 = no such limit.
    public var maxFailures: UInt32
    /// Pause at this failed percentage of finished members; 0 = no such limit.
    public var maxFailurePercent: Double
    /// Finished members needed before the percentage is judged; 0 = the server default (20).
    public var minimumFinished: UInt32
    /// Validate and resolve the selection, and write nothing.
    public var preview: Bool

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = "",
        migrationID: String = "",
        description: String = "",
        candidateIDs: [String] = [],
        status: CandidateStatus = .unspecified,
        kind: String = "",
        idPrefix: String = "",
        metadata: [String: String] = [:],
        inputs: [String: String] = [:],
        memberInputs: [CampaignMemberInputs] = [],
        maxInFlight: UInt32 = 0,
        maxStartsPerMinute: UInt32 = 0,
        maxFailures: UInt32 = 0,
        maxFailurePercent: Double = 0,
        minimumFinished: UInt32 = 0,
        preview: Bool = false
    ) {
        self.campaignID = campaignID
        self.migrationID = migrationID
        self.description = description
        self.candidateIDs = candidateIDs
        self.status = status
        self.kind = kind
        self.idPrefix = idPrefix
        self.metadata = metadata
        self.inputs = inputs
        self.memberInputs = memberInputs
        self.maxInFlight = maxInFlight
        self.maxStartsPerMinute = maxStartsPerMinute
        self.maxFailures = maxFailures
        self.maxFailurePercent = maxFailurePercent
        self.minimumFinished = minimumFinished
        self.preview = preview
    }
}

/// The response of `Loom.CreateCampaign`.
///
/// The Swift form of `loom.v1.CreateCampaignResponse`.
public struct CreateCampaignResponse: Sendable, Hashable {
    /// The campaign as stored (as it would be, for a preview).
    public var campaign: Campaign?
    /// Preview only: the first 100 members in start order.
    public var members: [CampaignMember]
    /// How many members the campaign has.
    public var memberCount: UInt32

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaign: Campaign? = nil,
        members: [CampaignMember] = [],
        memberCount: UInt32 = 0
    ) {
        self.campaign = campaign
        self.members = members
        self.memberCount = memberCount
    }
}

/// The request of `Loom.GetCampaign`.
///
/// The Swift form of `loom.v1.GetCampaignRequest`.
public struct GetCampaignRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = ""
    ) {
        self.campaignID = campaignID
    }
}

/// The request of `Loom.ListCampaigns`.
///
/// The Swift form of `loom.v1.ListCampaignsRequest`.
public struct ListCampaignsRequest: Sendable, Hashable {
    /// One migration's campaigns, or every campaign when empty.
    public var migrationID: String
    /// Maximum campaigns to return; 0 = server default (100), at most 1000.
    public var pageSize: UInt32
    /// Opaque token from a previous response (same migration); empty for the first page.
    public var pageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        pageSize: UInt32 = 0,
        pageToken: String = ""
    ) {
        self.migrationID = migrationID
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// The response of `Loom.ListCampaigns`.
///
/// The Swift form of `loom.v1.ListCampaignsResponse`.
public struct ListCampaignsResponse: Sendable, Hashable {
    /// Ordered by id.
    public var campaigns: [Campaign]
    /// Empty when there are no more pages.
    public var nextPageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaigns: [Campaign] = [],
        nextPageToken: String = ""
    ) {
        self.campaigns = campaigns
        self.nextPageToken = nextPageToken
    }
}

/// The request of `Loom.ListCampaignMembers`.
///
/// The Swift form of `loom.v1.ListCampaignMembersRequest`.
public struct ListCampaignMembersRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String
    /// Only members in this status; UNSPECIFIED = any.
    public var status: CampaignMemberStatus
    /// Maximum members to return; 0 = server default (100), at most 1000.
    public var pageSize: UInt32
    /// Opaque token from a previous response (same campaign and status); empty for the first page.
    public var pageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = "",
        status: CampaignMemberStatus = .unspecified,
        pageSize: UInt32 = 0,
        pageToken: String = ""
    ) {
        self.campaignID = campaignID
        self.status = status
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// The response of `Loom.ListCampaignMembers`.
///
/// The Swift form of `loom.v1.ListCampaignMembersResponse`.
public struct ListCampaignMembersResponse: Sendable, Hashable {
    /// In start order.
    public var members: [CampaignMember]
    /// Empty when there are no more pages.
    public var nextPageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        members: [CampaignMember] = [],
        nextPageToken: String = ""
    ) {
        self.members = members
        self.nextPageToken = nextPageToken
    }
}

/// The request of `Loom.GetCampaignHistory`.
///
/// The Swift form of `loom.v1.GetCampaignHistoryRequest`.
public struct GetCampaignHistoryRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String
    /// The newest entries, at most; 0 = all retained (up to 1000).
    public var limit: UInt32

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = "",
        limit: UInt32 = 0
    ) {
        self.campaignID = campaignID
        self.limit = limit
    }
}

/// The response of `Loom.GetCampaignHistory`.
///
/// The Swift form of `loom.v1.GetCampaignHistoryResponse`.
public struct GetCampaignHistoryResponse: Sendable, Hashable {
    /// Oldest first.
    public var events: [CampaignEvent]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        events: [CampaignEvent] = []
    ) {
        self.events = events
    }
}

/// The request of `Loom.PauseCampaign`.
///
/// The Swift form of `loom.v1.PauseCampaignRequest`.
public struct PauseCampaignRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String
    /// Recorded in the campaign's state reason and history.
    public var reason: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = "",
        reason: String = ""
    ) {
        self.campaignID = campaignID
        self.reason = reason
    }
}

/// The request of `Loom.ResumeCampaign`.
///
/// The Swift form of `loom.v1.ResumeCampaignRequest`.
public struct ResumeCampaignRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = ""
    ) {
        self.campaignID = campaignID
    }
}

/// The request of `Loom.UpdateCampaign`.
///
/// The Swift form of `loom.v1.UpdateCampaignRequest`.
public struct UpdateCampaignRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String
    /// New cap; 0 = keep the current value.
    public var maxInFlight: UInt32
    /// New rate; 0 = keep the current value.
    public var maxStartsPerMinute: UInt32
    /// Replace the failure budget with the three fields below; false = keep it.
    public var updateBudget: Bool
    /// 0 = no such limit.
    public var maxFailures: UInt32
    /// 0 = no such limit.
    public var maxFailurePercent: Double
    /// 0 = the server default (20).
    public var minimumFinished: UInt32

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = "",
        maxInFlight: UInt32 = 0,
        maxStartsPerMinute: UInt32 = 0,
        updateBudget: Bool = false,
        maxFailures: UInt32 = 0,
        maxFailurePercent: Double = 0,
        minimumFinished: UInt32 = 0
    ) {
        self.campaignID = campaignID
        self.maxInFlight = maxInFlight
        self.maxStartsPerMinute = maxStartsPerMinute
        self.updateBudget = updateBudget
        self.maxFailures = maxFailures
        self.maxFailurePercent = maxFailurePercent
        self.minimumFinished = minimumFinished
    }
}

/// The request of `Loom.CancelCampaign`.
///
/// The Swift form of `loom.v1.CancelCampaignRequest`.
public struct CancelCampaignRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String
    /// Also cancel the campaign's runs still in flight (else they go on).
    public var cancelRuns: Bool

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = "",
        cancelRuns: Bool = false
    ) {
        self.campaignID = campaignID
        self.cancelRuns = cancelRuns
    }
}

/// The response of `Loom.CancelCampaign`.
///
/// The Swift form of `loom.v1.CancelCampaignResponse`.
public struct CancelCampaignResponse: Sendable, Hashable {
    /// The campaign after the cancel.
    public var campaign: Campaign?
    /// How many of its runs were cancelled.
    public var runsCancelled: UInt32

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaign: Campaign? = nil,
        runsCancelled: UInt32 = 0
    ) {
        self.campaign = campaign
        self.runsCancelled = runsCancelled
    }
}

/// The request of `Loom.WatchCampaign`.
///
/// The Swift form of `loom.v1.WatchCampaignRequest`.
public struct WatchCampaignRequest: Sendable, Hashable {
    /// The campaign's id.
    public var campaignID: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaignID: String = ""
    ) {
        self.campaignID = campaignID
    }
}

/// One message of a `Loom.WatchCampaign` stream: the campaign as it is now.
///
/// The Swift form of `loom.v1.CampaignUpdate`.
public struct CampaignUpdate: Sendable, Hashable {
    /// The campaign; the last message carries it completed or cancelled.
    public var campaign: Campaign?

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        campaign: Campaign? = nil
    ) {
        self.campaign = campaign
    }
}
