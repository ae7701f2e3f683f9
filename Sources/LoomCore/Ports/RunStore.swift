/// A change to a candidate's status written in the same atomic operation as a run transition.
public struct CandidateStatusChange: Hashable, Sendable {
    /// The status to write.
    public var newStatus: CandidateStatus
    /// When non-nil, the write (the whole ``RunWrite``) applies only if the candidate exists
    /// and its current status is in this set; otherwise the store answers
    /// ``RunWriteOutcome/candidateRejected(current:)``. When `nil`, the status is written if
    /// the candidate exists and silently skipped if it does not.
    public var requiredCurrent: Set<CandidateStatus>?

    /// Creates a candidate status change.
    public init(newStatus: CandidateStatus, requiredCurrent: Set<CandidateStatus>? = nil) {
        self.newStatus = newStatus
        self.requiredCurrent = requiredCurrent
    }
}

/// One run transition: the only way a run record is ever written.
///
/// The store applies it atomically: check ``expectedVersion`` (and the candidate
/// precondition), write ``run`` with `version = expectedVersion + 1`, set or clear the run's
/// timer from ``Run/timerDueAt``, write the candidate's status, append ``history`` (capped),
/// and return the stored run. Either all of it happens or nothing does.
public struct RunWrite: Sendable {
    /// The new state of the run. Its `version` is ignored; the store assigns it.
    public var run: Run
    /// The version the writer read; `0` means "the run record must not exist yet".
    public var expectedVersion: UInt64
    /// The candidate (`run.candidateId` of `run.migrationId`) status change, if any.
    public var candidateStatus: CandidateStatusChange?
    /// Entries to append to the run's history (their `id` is assigned by the store).
    public var history: [HistoryEntry]
    /// Who holds the run's timer as a lease after this write (a dispatch recorded in flight),
    /// or `nil` when the timer is an ordinary due time. See ``RunStore/takeOverLeases(partition:of:for:now:lease:)``.
    public var leaseHolder: LeaseHolder?
    /// Whether the write leaves the run's timer entry as it is — its due time and its lease
    /// holder — instead of setting it from ``Run/timerDueAt`` and ``leaseHolder``: for a write
    /// that keeps the same dispatch in flight with the same timer (a refused event recorded in
    /// the history), so the lease stays with the process that made the POST or claimed the
    /// timer, and a restart of that process still takes it back at once. Ignored when the run
    /// has no timer or the store holds no timer entry for it.
    public var keepsLease: Bool

    /// Creates a run write.
    public init(
        run: Run, expectedVersion: UInt64, candidateStatus: CandidateStatusChange? = nil, history: [HistoryEntry],
        leaseHolder: LeaseHolder? = nil, keepsLease: Bool = false
    ) {
        self.run = run
        self.expectedVersion = expectedVersion
        self.candidateStatus = candidateStatus
        self.history = history
        self.leaseHolder = leaseHolder
        self.keepsLease = keepsLease
    }
}

/// The result of ``RunStore/apply(_:)``.
public enum RunWriteOutcome: Hashable, Sendable {
    /// Written; the stored run (with its new version).
    case applied(Run)
    /// The stored version differs from the expected one (`nil` when no record exists).
    /// Nothing was written; reload and re-decide.
    case conflict(current: Run?)
    /// The candidate precondition failed (`nil` when the candidate does not exist).
    /// Nothing was written.
    case candidateRejected(current: CandidateStatus?)
    /// The write would put a campaign's member back to running (a retry of its failed step)
    /// while the campaign's running members are at its cap. Nothing was written.
    case campaignFull(campaignId: String)
}

/// A run whose timer is due, claimed under a lease by ``RunStore/claimDueTimers(partition:now:lease:limit:)``.
public struct DueTimer: Hashable, Sendable {
    /// The run.
    public var runID: RunID
    /// The score the timer had when claimed (its due time, or an expired lease).
    public var dueAt: Timestamp
    /// Whether the timer was a lease of an earlier incarnation of this replica, taken over
    /// before it expired (``RunStore/takeOverLeases(partition:of:for:now:lease:)``): work that
    /// incarnation recorded as in progress was abandoned when it stopped.
    public var takenOver: Bool

    /// Creates a due timer.
    public init(runID: RunID, dueAt: Timestamp, takenOver: Bool = false) {
        self.runID = runID
        self.dueAt = dueAt
        self.takenOver = takenOver
    }
}

/// Storage of runs, their timers and histories.
///
/// ### Invariants every adapter keeps
/// - A run record changes only through ``apply(_:)``, one atomic version-checked operation
///   that also moves the run's timer, the candidate's status and appends history (each entry
///   stamped with the run's new version, ``HistoryEntry/runVersion``).
/// - The timer index holds at most one entry per run; after any ``apply(_:)`` it holds the
///   run's ``Run/timerDueAt`` (or nothing when `nil`).
/// - ``claimDueTimers(partition:now:lease:limit:holder:)`` atomically takes entries due at or
///   before `now` and pushes them to `now + lease`, so concurrent claimers on other replicas do
///   not take them while one works; an abandoned claim simply expires — or, when its holder's
///   replica restarts, is taken back at once (``takeOverLeases(partition:of:for:now:lease:)``).
/// - A timer entry remembers the holder of its lease (a claim, or a write with a
///   ``RunWrite/leaseHolder``) until the next write, claim or restore of the run replaces it;
///   a write that keeps the lease (``RunWrite/keepsLease``) leaves the entry as it is.
/// - The same operation keeps the migration's counts (``MigrationCounts``) and the run
///   listing indexes (by last update, by status) in step with the run's status, current step
///   and that step's status.
/// - Runs live in the timer partition of their migration
///   (``StorePartitioning/partition(ofMigration:count:)``).
public protocol RunStore: ReplicaRegistry {
    /// The number of timer partitions (fixed for the lifetime of the data).
    var timerPartitionCount: Int { get }

    /// The run record.
    /// - Throws: ``LoomError/Code/notFound`` when no run with this id was ever started.
    func run(id: RunID) async throws -> Run

    /// Applies one transition atomically (see ``RunWrite``).
    func apply(_ write: RunWrite) async throws -> RunWriteOutcome

    /// The newest `limit` history entries of the run (all retained ones when `limit` is 0),
    /// oldest first. An unknown run has an empty history.
    func history(of runID: RunID, limit: Int) async throws -> [HistoryEntry]

    /// The run and the history entries written after version `afterVersion` (oldest first, at
    /// most the history cap), read together so that the entries are exactly those up to the
    /// returned run's version.
    /// - Throws: ``LoomError/Code/notFound`` when no run with this id was ever started.
    func runWithHistory(id: RunID, afterVersion: UInt64) async throws -> (run: Run, entries: [HistoryEntry])

    /// Up to `limit` runs of the migration last updated at or after `since`, oldest update first.
    func runsUpdated(migrationId: String, since: Timestamp, limit: Int) async throws -> [Run]

    /// Claims up to `limit` timers of `partition` due at or before `now`, earliest first,
    /// pushing each to `now + lease` and recording `holder` as its lease holder (none when
    /// `nil`) in the same atomic operation.
    func claimDueTimers(partition: Int, now: Timestamp, lease: Duration, limit: Int, holder: LeaseHolder?) async throws -> [DueTimer]

    /// Takes over the timer leases of `partition` held by earlier incarnations of `replica`
    /// (holder replica `replica`, incarnation other than `holder`'s): each is pushed to
    /// `now + lease` with `holder` as its holder, atomically, and returned with
    /// ``DueTimer/takenOver`` set. Leases of other replicas and of `holder` are not touched.
    func takeOverLeases(partition: Int, of replica: String, for holder: LeaseHolder, now: Timestamp, lease: Duration) async throws -> [DueTimer]

    /// Opens a listing of the runs that `selection` selects, most recently updated first, as
    /// they are at this moment, and reads its first `limit` runs: the pages of one listing
    /// (``runListingPage(_:listing:after:limit:ttl:)``) neither skip nor repeat a run however runs
    /// change meanwhile, for at least `ttl`. Listings opened with one `name` (same filter, same
    /// short time window) may share the work of a store that copies the selection.
    /// - Returns: The listing's handle (at most 80 characters), for every later page, and its first page.
    func openRunListing(_ selection: RunSelection, name: String, limit: Int, ttl: Duration) async throws -> RunListingOpening

    /// Up to `limit` runs of listing `listing` (opened with the same `selection`) after cursor
    /// `after` (`nil`: from the start), each as it is now; `nil` when the listing expired.
    func runListingPage(_ selection: RunSelection, listing: String, after: String?, limit: Int, ttl: Duration) async throws -> RunListingPage?

    /// Puts the run's timer back to its ``Run/timerDueAt`` (or removes it when `nil`) if the
    /// stored run still has `version`; otherwise does nothing (a newer transition already set
    /// it). Used after a claim found nothing to do.
    func restoreTimer(of runID: RunID, version: UInt64) async throws
}

extension RunStore {
    /// Claims due timers without recording a holder (see
    /// ``claimDueTimers(partition:now:lease:limit:holder:)``).
    public func claimDueTimers(partition: Int, now: Timestamp, lease: Duration, limit: Int) async throws -> [DueTimer] {
        try await claimDueTimers(partition: partition, now: now, lease: lease, limit: limit, holder: nil)
    }
}

/// The store ports, as one adapter provides them (needed for the atomic candidate status
/// change inside ``RunStore/apply(_:)`` and the campaign member's move with its run).
public typealias LoomStore = MigrationStore & RunStore & CampaignStore
