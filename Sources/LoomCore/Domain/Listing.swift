/// Which candidates a listing returns; every given filter must match.
public struct CandidateFilter: Hashable, Sendable {
    /// Only candidates with this status (`nil` = any).
    public var status: CandidateStatus?
    /// Only candidates of exactly this kind (`nil` = any).
    public var kind: String?
    /// Only ids starting with this text (empty = any).
    public var idPrefix: String
    /// Every entry must equal the candidate's metadata value for that key.
    public var metadata: [String: String]

    /// Creates a filter; the default matches every candidate.
    public init(status: CandidateStatus? = nil, kind: String? = nil, idPrefix: String = "", metadata: [String: String] = [:]) {
        self.status = status
        self.kind = kind
        self.idPrefix = idPrefix
        self.metadata = metadata
    }

    /// Whether the filter needs the candidate records (kind, metadata), not only the indexes
    /// (status, id prefix).
    public var needsRecords: Bool { kind != nil || !metadata.isEmpty }

    /// Whether `candidate` matches every filter.
    public func matches(_ candidate: Candidate) -> Bool {
        if let status, candidate.status != status { return false }
        if let kind, candidate.kind != kind { return false }
        if !idPrefix.isEmpty, !candidate.id.hasPrefix(idPrefix) { return false }
        for (key, value) in metadata where candidate.metadata[key] != value { return false }
        return true
    }
}

/// What one bounded pass over a migration's candidate index found.
public struct CandidateScan: Hashable, Sendable {
    /// Matching candidates, ordered by id (at most the limit asked for).
    public var candidates: [Candidate]
    /// Where the next pass starts (exclusive), or `nil` when the index holds nothing more.
    public var resumeAfter: String?

    /// Creates a scan result.
    public init(candidates: [Candidate], resumeAfter: String?) {
        self.candidates = candidates
        self.resumeAfter = resumeAfter
    }
}

/// The part of a run listing's filter that stores answer from their indexes: the migration,
/// the run status and the time of the last update. (Step filters are applied to the records.)
public struct RunSelection: Hashable, Sendable {
    /// One migration, or every migration when `nil`.
    public var migrationId: String?
    /// Only runs with this status (`nil` = any).
    public var status: RunStatus?
    /// Only runs last updated at or after this time.
    public var updatedAfter: Timestamp?
    /// Only runs last updated strictly before this time.
    public var updatedBefore: Timestamp?

    /// Creates a selection; the default selects every run.
    public init(migrationId: String? = nil, status: RunStatus? = nil, updatedAfter: Timestamp? = nil, updatedBefore: Timestamp? = nil) {
        self.migrationId = migrationId
        self.status = status
        self.updatedAfter = updatedAfter
        self.updatedBefore = updatedBefore
    }
}

/// One page of a store's run listing (see ``RunStore/runListingPage(_:listing:after:limit:ttl:)``).
public struct RunListingPage: Hashable, Sendable {
    /// A run as it is now, and the cursor of the listing just after it.
    public struct Entry: Hashable, Sendable {
        /// The run's current record.
        public var run: Run
        /// Where a page that starts after this run starts (opaque to callers).
        public var cursor: String

        /// Creates an entry.
        public init(run: Run, cursor: String) {
            self.run = run
            self.cursor = cursor
        }
    }

    /// The runs, most recently updated (as of the listing's start) first.
    public var entries: [Entry]
    /// The cursor after the last position this page examined, or `nil` when the listing
    /// holds nothing more. (It can differ from the last entry's cursor when a listed run no
    /// longer exists.)
    public var next: String?

    /// Creates a page.
    public init(entries: [Entry], next: String?) {
        self.entries = entries
        self.next = next
    }
}

/// A run listing just opened: its handle and its first page.
public struct RunListingOpening: Hashable, Sendable {
    /// The handle later pages are read with.
    public var listing: String
    /// The first page.
    public var first: RunListingPage

    /// Creates an opening.
    public init(listing: String, first: RunListingPage) {
        self.listing = listing
        self.first = first
    }
}

/// A run listing's complete filter: the indexed ``RunSelection`` plus the current step and
/// whether the run is stalled.
public struct RunFilter: Hashable, Sendable {
    /// What the store's indexes select.
    public var selection: RunSelection
    /// Only runs whose current step is this one (`nil` = any).
    public var stepName: String?
    /// Only runs whose current step has this status (`nil` = any).
    public var stepStatus: StepStatus?
    /// Only stalled runs (``Run/stalledSince``); `false` = any.
    public var stalled: Bool

    /// Creates a filter; the default matches every run.
    public init(selection: RunSelection = RunSelection(), stepName: String? = nil, stepStatus: StepStatus? = nil, stalled: Bool = false) {
        self.selection = selection
        self.stepName = stepName
        self.stepStatus = stepStatus
        self.stalled = stalled
    }

    /// Whether some filter is checked on the runs themselves (``matchesStep(_:)``), not only
    /// by the store's indexes.
    public var checksRecords: Bool { stepName != nil || stepStatus != nil || stalled }

    /// Whether `run` matches the step filters and the stalled filter (the selection is the
    /// store's job).
    public func matchesStep(_ run: Run) -> Bool {
        if let stepName, run.currentStepDefinition?.name != stepName { return false }
        if let stepStatus {
            guard run.currentStepDefinition != nil, (run.currentResult?.status ?? .inProgress) == stepStatus else { return false }
        }
        if stalled, run.stalledSince == nil { return false }
        return true
    }
}

/// A page of candidates.
public struct CandidatePage: Hashable, Sendable {
    /// Ordered by id.
    public var candidates: [Candidate]
    /// Token for the next page; empty when there are no more.
    public var nextPageToken: String

    /// Creates a page.
    public init(candidates: [Candidate], nextPageToken: String) {
        self.candidates = candidates
        self.nextPageToken = nextPageToken
    }
}

/// A page of runs.
public struct RunPage: Hashable, Sendable {
    /// Most recently updated first, as of the listing's first page.
    public var runs: [Run]
    /// Token for the next page; empty when there are no more.
    public var nextPageToken: String

    /// Creates a page.
    public init(runs: [Run], nextPageToken: String) {
        self.runs = runs
        self.nextPageToken = nextPageToken
    }
}

/// The stored counts of a migration next to a recount from its records.
public struct CountCheck: Hashable, Sendable {
    /// The counts the store maintained, read in the same atomic step as the recount.
    public var stored: MigrationCounts
    /// The counts computed from the records.
    public var recounted: MigrationCounts
    /// Whether the stored counts and indexes were rewritten from the records.
    public var repaired: Bool

    /// Creates a check.
    public init(stored: MigrationCounts, recounted: MigrationCounts, repaired: Bool) {
        self.stored = stored
        self.recounted = recounted
        self.repaired = repaired
    }

    /// One line per figure that differs; empty when the counts agree.
    public var drift: [String] { stored.differences(from: recounted, here: "stored", there: "recounted") }
}
