/// What one firing of a campaign's timer does, decided from a snapshot of the campaign.
public enum CampaignDecision: Hashable, Sendable {
    /// Start up to `count` members now (the store re-checks the cap and the rate atomically with
    /// each start, so a stale snapshot can start fewer, never more).
    case start(count: Int)
    /// Stop starting: the failure budget is spent (the reason is recorded and shown).
    case pause(reason: String)
    /// Every member is settled: the campaign is over.
    case complete
    /// Nothing to start now. Look again at `until` (the rate window frees a start then), or, when
    /// `nil`, when one of the campaign's runs finishes (its place under the cap frees).
    case wait(until: Timestamp?)
}

/// The starts a campaign made in the last minute, as its rate limit sees them.
public struct CampaignStartWindow: Hashable, Sendable {
    /// The length of the window ``CampaignPacing/maxStartsPerMinute`` counts over.
    public static let length: Duration = .seconds(60)

    /// Starts made in the window ending now.
    public var count: Int
    /// The oldest of them (`nil` when there are none): the window frees a start when it is
    /// ``length`` old.
    public var oldest: Timestamp?

    /// Creates a window.
    public init(count: Int, oldest: Timestamp?) {
        self.count = count
        self.oldest = oldest
    }

    /// No start in the window.
    public static let empty = CampaignStartWindow(count: 0, oldest: nil)
}

/// The pacing and budget rules of a campaign as one pure function, so that they are tested
/// without a store or a clock, and every store applies the same ones.
public enum CampaignPlanner {
    /// Decides what the campaign does now.
    ///
    /// In order: a cancelled or completed campaign does nothing; a campaign with no member pending
    /// or running completes (a paused one too: nothing is left to resume); a running campaign whose
    /// failure budget is spent pauses before it starts anything; a paused one waits for an operator.
    /// Otherwise it starts as many pending members as both the cap (``CampaignPacing/maxInFlight``
    /// less the members running) and the rate (``CampaignPacing/maxStartsPerMinute`` less the
    /// starts of the last minute) allow.
    public static func decide(
        state: CampaignState,
        counts: CampaignCounts,
        pacing: CampaignPacing,
        budget: FailureBudget,
        window: CampaignStartWindow
    ) -> CampaignDecision {
        guard state.isOpen else { return .wait(until: nil) }
        if counts.pending == 0 && counts.running == 0 { return .complete }
        guard state == .running else { return .wait(until: nil) }
        if let reason = budget.exhaustion(counts) { return .pause(reason: reason) }
        guard counts.pending > 0 else { return .wait(until: nil) }
        let byCap = max(0, pacing.maxInFlight - Int(clamping: counts.running))
        guard byCap > 0 else { return .wait(until: nil) }
        let byRate = max(0, pacing.maxStartsPerMinute - window.count)
        guard byRate > 0 else {
            // The window is full, so it holds a start: the oldest one frees its place first.
            return .wait(until: window.oldest.map { $0 + CampaignStartWindow.length })
        }
        return .start(count: min(Int(clamping: counts.pending), byCap, byRate))
    }
}
