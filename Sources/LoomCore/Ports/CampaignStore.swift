/// What happened to a campaign, kept in its history.
public struct CampaignEvent: Hashable, Sendable, Codable {
    /// The kinds of campaign events.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// The campaign was created (and started).
        case created
        /// An operator paused it.
        case paused
        /// Its failure budget was spent: it paused itself.
        case budgetSpent = "budget_spent"
        /// An operator resumed it.
        case resumed
        /// An operator changed its pacing or budget.
        case changed
        /// An operator cancelled it.
        case cancelled
        /// Every member settled.
        case completed
        /// An operator sent failed members back to be retried.
        case retried
        /// An operator skipped pending members.
        case skipped
    }

    /// When it happened.
    public var at: Timestamp
    /// What happened.
    public var kind: Kind
    /// Who did it (an identity), empty for Loom itself.
    public var by: String
    /// Details: the budget's reason, the new pacing, how many members.
    public var detail: String

    /// Creates an event.
    public init(at: Timestamp, kind: Kind, by: String = "", detail: String = "") {
        self.at = at
        self.kind = kind
        self.by = by
        self.detail = detail
    }
}

/// One version-checked change of a campaign record: its creation (with its members) or a change of
/// its state, pacing or budget. Counts are never written this way: they move with the members.
public struct CampaignWrite: Sendable {
    /// The new record. Its `version` is ignored (the store assigns it); so are its `counts`,
    /// except on creation, where they must count every member as pending.
    public var campaign: Campaign
    /// The version the writer read; `0` creates the campaign, which must not exist yet.
    public var expectedVersion: UInt64
    /// On creation only: the members, in the order they will be started (ids unique).
    public var members: [CampaignMember]
    /// Appended to the campaign's history.
    public var event: CampaignEvent
    /// When the campaign's timer fires next (`nil`: no timer until a member's run wakes it).
    public var timerDueAt: Timestamp?

    /// Creates a write.
    public init(campaign: Campaign, expectedVersion: UInt64, members: [CampaignMember] = [], event: CampaignEvent, timerDueAt: Timestamp?) {
        self.campaign = campaign
        self.expectedVersion = expectedVersion
        self.members = members
        self.event = event
        self.timerDueAt = timerDueAt
    }
}

/// The result of ``CampaignStore/apply(_:)``.
public enum CampaignWriteOutcome: Hashable, Sendable {
    /// Written; the stored campaign with its new version and current counts.
    case applied(Campaign)
    /// The stored version differs from the expected one (`nil` when none exists): nothing was
    /// written; reload and re-decide.
    case conflict(current: Campaign?)
}

/// The start of one campaign member's run.
public struct CampaignStart: Sendable {
    /// The campaign.
    public var campaignId: String
    /// The member.
    public var candidateId: String
    /// The run's start, as ``RunStore/apply(_:)`` takes it; its run carries ``campaignId`` and its
    /// candidate status change requires the candidate to be free.
    public var run: RunWrite
    /// The start time (the rate window counts it).
    public var now: Timestamp

    /// Creates a start.
    public init(campaignId: String, candidateId: String, run: RunWrite, now: Timestamp) {
        self.campaignId = campaignId
        self.candidateId = candidateId
        self.run = run
        self.now = now
    }
}

/// The result of ``CampaignStore/start(_:)``.
public enum CampaignStartOutcome: Hashable, Sendable {
    /// The run started and the member is running.
    case started(Run)
    /// The candidate was not free (a run active, or completed): the member is skipped with this
    /// note; no run was written.
    case skipped(note: String)
    /// Nothing was written: the campaign is not running, its cap or its rate is reached, or the
    /// member is not pending (another replica started it).
    case refused
    /// Nothing was written: the run record changed since it was read (`nil`: it does not exist).
    case runConflict(current: Run?)
}

/// Storage of campaigns, their members and histories, kept in step with the runs they start.
///
/// ### Invariants every adapter keeps
/// - A member's status changes only in one atomic operation with what caused it: its start
///   (``start(_:)``), a write of its run (``RunStore/apply(_:)``: a run carrying the campaign's id
///   moves its member to the status its own status implies), or an operator's bulk action. The
///   campaign's counts move in that same operation, so they always add up to the member count.
/// - ``start(_:)`` writes nothing unless, at that instant, the campaign is running, its running
///   members are fewer than ``CampaignPacing/maxInFlight``, its starts of the last
///   ``CampaignStartWindow/length`` are fewer than ``CampaignPacing/maxStartsPerMinute`` and the
///   member is pending: the cap and the rate hold at every instant, whatever replicas race.
/// - A run write that moves a member out of `running` pulls the campaign's timer to the write's
///   time, so the place it frees is used at the next tick.
/// - A campaign lives in the timer partition of its migration, with the same hash tag as its runs.
public protocol CampaignStore: Sendable {
    /// Creates a campaign with its members, or changes its record, atomically (see ``CampaignWrite``).
    /// - Throws: ``LoomError/Code/invalidArgument`` when a creation's id is taken by another
    ///   migration's campaign (ids are unique across migrations).
    func apply(_ write: CampaignWrite) async throws -> CampaignWriteOutcome

    /// The campaign with its current counts.
    /// - Throws: ``LoomError/Code/notFound``.
    func campaign(id: String) async throws -> Campaign

    /// Up to `limit` campaigns (of one migration, or all when `nil`) with ids after `after`, by id.
    func campaigns(migrationId: String?, after: String?, limit: Int) async throws -> [Campaign]

    /// Up to `limit` members (in `status`, or any when `nil`) in start order, from position
    /// `from` of that order; and the position to continue from (`nil` at the end).
    func campaignMembers(id: String, status: CampaignMemberStatus?, from: Int, limit: Int) async throws -> (members: [CampaignMember], next: Int?)

    /// The first `limit` members still pending, in start order.
    func pendingCampaignMembers(id: String, limit: Int) async throws -> [CampaignMember]

    /// Moves a pending member to skipped with `note` (nothing when it is not pending); returns
    /// whether it moved.
    func skipCampaignMember(id: String, candidateId: String, note: String) async throws -> Bool

    /// Moves every failed member back to pending, in its start position, so the campaign retries its
    /// run's failed step under its pacing; returns how many moved.
    func requeueFailedCampaignMembers(id: String) async throws -> Int

    /// Moves every pending member to cancelled (a cancelled campaign starts nothing more);
    /// returns how many moved.
    func cancelPendingCampaignMembers(id: String) async throws -> Int

    /// The starts of the campaign in the window ending at `now`.
    func campaignStartWindow(id: String, now: Timestamp) async throws -> CampaignStartWindow

    /// Starts one member's run, atomically with the checks above, or skips the member when its
    /// candidate is not free (see ``CampaignStartOutcome``).
    func start(_ start: CampaignStart) async throws -> CampaignStartOutcome

    /// Claims up to `limit` campaigns of `partition` whose timer is due at or before `now`,
    /// pushing each timer to `now + lease`; returns their ids and the pushed due time.
    func claimDueCampaigns(partition: Int, now: Timestamp, lease: Duration, limit: Int) async throws -> [(id: String, leasedUntil: Timestamp)]

    /// Sets the campaign's timer to `due` (removes it when `nil`) — unless it no longer is
    /// `leasedUntil`, the value a claim left: then a run write woke it meanwhile, and it stays.
    func settleCampaignTimer(id: String, leasedUntil: Timestamp, due: Timestamp?) async throws

    /// The campaign's newest `limit` events, oldest first.
    func campaignHistory(id: String, limit: Int) async throws -> [CampaignEvent]
}
