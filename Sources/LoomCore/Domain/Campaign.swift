/// Where a campaign is in its life.
public enum CampaignState: String, Hashable, Sendable, Codable, CaseIterable {
    /// Starting members as its pacing allows.
    case running
    /// Starting nothing until an operator resumes it (by hand, or by its failure budget).
    case paused
    /// Stopped for good by an operator: starts nothing more; its runs go on unless cancelled too.
    case cancelled
    /// Every member has finished (completed, failed for good, skipped or cancelled).
    case completed

    /// Whether the campaign can still start members after an operator acts (not cancelled or completed).
    public var isOpen: Bool { self == .running || self == .paused }
}

/// Where one member (a candidate) of a campaign stands.
public enum CampaignMemberStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Not started yet.
    case pending
    /// Its run, started by this campaign, has not finished (a run waiting for a review or a pull
    /// request counts as running: it holds a place under the cap).
    case running
    /// Its run completed.
    case completed
    /// Its run failed (waiting for a retry, or failed for good).
    case failed
    /// Not started: it already had an active run (started by hand or by another campaign), or an
    /// operator skipped it.
    case skipped
    /// Its run was cancelled, or the campaign was cancelled before it started.
    case cancelled

    /// The status of a member whose run (started by the campaign) has `status`: a run waiting for
    /// a retry counts as failed (it holds no place: the migrator is not working on it).
    public init(runStatus status: RunStatus) {
        switch status {
        case .running: self = .running
        case .waitingRetry, .failed: self = .failed
        case .completed: self = .completed
        case .cancelled: self = .cancelled
        }
    }

    /// Whether a member in this status holds a place under the campaign's cap.
    public var holdsPlace: Bool { self == .running }
    /// Whether the member is done as far as the campaign is concerned (it will start nothing more
    /// for it unless an operator retries it).
    public var isSettled: Bool { self != .pending && self != .running }
}

/// How fast a campaign starts runs. Both limits hold at every instant, not on average: a start
/// that would exceed either is not made.
public struct CampaignPacing: Hashable, Sendable, Codable {
    /// The largest ``maxInFlight`` a server accepts.
    public static let inFlightLimit = 10_000
    /// The largest ``maxStartsPerMinute`` a server accepts.
    public static let startsPerMinuteLimit = 100_000

    /// Runs of this campaign not yet finished, at most (1…``inFlightLimit``).
    public var maxInFlight: Int
    /// Runs this campaign starts in any 60-second window, at most (1…``startsPerMinuteLimit``).
    public var maxStartsPerMinute: Int

    /// Creates pacing limits (validate with ``validate()``).
    public init(maxInFlight: Int, maxStartsPerMinute: Int) {
        self.maxInFlight = maxInFlight
        self.maxStartsPerMinute = maxStartsPerMinute
    }

    /// Checks both limits against their ranges.
    /// - Throws: ``LoomError/Code/invalidArgument`` naming the field and its range.
    public func validate() throws(LoomError) {
        guard (1...Self.inFlightLimit).contains(maxInFlight) else {
            throw .invalidArgument("max_in_flight must be 1…\(Self.inFlightLimit), got \(maxInFlight)")
        }
        guard (1...Self.startsPerMinuteLimit).contains(maxStartsPerMinute) else {
            throw .invalidArgument("max_starts_per_minute must be 1…\(Self.startsPerMinuteLimit), got \(maxStartsPerMinute)")
        }
    }
}

/// When a campaign pauses itself: once its failed members reach a number, or a share of its
/// finished members. Failed members are those whose run failed (waiting for a retry or failed for
/// good); finished members are the completed and the failed ones.
public struct FailureBudget: Hashable, Sendable, Codable {
    /// The share is judged only once at least this many members finished, so that the first
    /// failure of a large campaign does not count as 100 %.
    public static let defaultMinimumFinished = 20

    /// Pause when this many members failed (`nil`: no absolute limit).
    public var maxFailures: Int?
    /// Pause when failed members are at least this percentage (0 < p ≤ 100) of finished ones
    /// (`nil`: no share limit).
    public var maxFailurePercent: Double?
    /// Finished members needed before ``maxFailurePercent`` is judged (≥ 1).
    public var minimumFinished: Int

    /// Creates a budget (validate with ``validate()``); no limit at all when both are `nil`.
    public init(maxFailures: Int? = nil, maxFailurePercent: Double? = nil, minimumFinished: Int = Self.defaultMinimumFinished) {
        self.maxFailures = maxFailures
        self.maxFailurePercent = maxFailurePercent
        self.minimumFinished = minimumFinished
    }

    /// Checks the limits' ranges.
    /// - Throws: ``LoomError/Code/invalidArgument`` naming the field.
    public func validate() throws(LoomError) {
        if let maxFailures, maxFailures < 1 {
            throw .invalidArgument("max_failures must be at least 1, got \(maxFailures)")
        }
        if let maxFailurePercent, !(maxFailurePercent > 0 && maxFailurePercent <= 100) {
            throw .invalidArgument("max_failure_percent must be in (0, 100], got \(maxFailurePercent)")
        }
        guard minimumFinished >= 1 else {
            throw .invalidArgument("minimum_finished must be at least 1, got \(minimumFinished)")
        }
    }

    /// Why the budget is spent with these counts, or `nil` while it is not.
    public func exhaustion(_ counts: CampaignCounts) -> String? {
        if let maxFailures, counts.failed >= UInt64(maxFailures) {
            return "failure budget spent: \(counts.failed) failed runs (limit \(maxFailures))"
        }
        let finished = counts.completed + counts.failed
        if let maxFailurePercent, finished >= UInt64(minimumFinished), finished > 0 {
            let percent = Double(counts.failed) * 100 / Double(finished)
            if percent >= maxFailurePercent {
                let shown = (percent * 10).rounded() / 10
                return "failure budget spent: \(counts.failed) of \(finished) finished runs failed (\(shown) %, limit \(maxFailurePercent) %)"
            }
        }
        return nil
    }
}

/// A campaign's members per status. They always add up to the member count: every member is in
/// exactly one status, and every change moves one member from one status to another.
public struct CampaignCounts: Hashable, Sendable, Codable {
    /// Members not started yet.
    public var pending: UInt64
    /// Members whose run has not finished.
    public var running: UInt64
    /// Members whose run completed.
    public var completed: UInt64
    /// Members whose run failed.
    public var failed: UInt64
    /// Members not started because they were already active, or skipped by an operator.
    public var skipped: UInt64
    /// Members cancelled (their run, or the campaign before they started).
    public var cancelled: UInt64

    /// Counts with every member pending.
    public init(members: UInt64) {
        self.init(pending: members)
    }

    /// Creates counts.
    public init(pending: UInt64 = 0, running: UInt64 = 0, completed: UInt64 = 0, failed: UInt64 = 0, skipped: UInt64 = 0, cancelled: UInt64 = 0) {
        self.pending = pending
        self.running = running
        self.completed = completed
        self.failed = failed
        self.skipped = skipped
        self.cancelled = cancelled
    }

    /// The member count.
    public var total: UInt64 { pending + running + completed + failed + skipped + cancelled }

    /// The count of members in `status`.
    public subscript(status: CampaignMemberStatus) -> UInt64 {
        get {
            switch status {
            case .pending: pending
            case .running: running
            case .completed: completed
            case .failed: failed
            case .skipped: skipped
            case .cancelled: cancelled
            }
        }
        set {
            switch status {
            case .pending: pending = newValue
            case .running: running = newValue
            case .completed: completed = newValue
            case .failed: failed = newValue
            case .skipped: skipped = newValue
            case .cancelled: cancelled = newValue
            }
        }
    }

    /// Moves one member from `old` to `new` (nothing when they are equal).
    /// - Precondition: a member is counted in `old`.
    public mutating func move(from old: CampaignMemberStatus, to new: CampaignMemberStatus) {
        guard old != new else { return }
        precondition(self[old] > 0, "no member is \(old.rawValue)")
        self[old] -= 1
        self[new] += 1
    }
}
