// Requests and responses of the run methods of `service Loom`.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// The request of `Loom.ListRuns`.
///
/// The Swift form of `loom.v1.ListRunsRequest`.
public struct ListRunsRequest: Sendable, Hashable {
    /// One migration, or every migration when empty.
    public var migrationID: String
    /// Filters; all given ones must match. UNSPECIFIED = any status.
    public var status: RunStatus
    /// The run's current step; empty = any.
    public var stepName: String
    /// The status of the run's current step; UNSPECIFIED = any.
    public var stepStatus: StepStatus
    /// Runs last updated at or after this time; 0 = unbounded.
    public var updatedAfterUnixMs: Int64
    /// Runs last updated strictly before this time; 0 = unbounded.
    public var updatedBeforeUnixMs: Int64
    /// Maximum runs to return; 0 = server default (100), at most 1000.
    public var pageSize: UInt32
    /// Opaque token from a previous response (with the same filters); empty for
    /// the first page. A listing is a snapshot taken by its first page (shared
    /// by listings with the same filters started within 5 s): its pages neither
    /// skip nor repeat a run while runs change; a token expires 2 minutes after
    /// the page that returned it.
    public var pageToken: String
    /// Only stalled runs (Run.stalled_since_unix_ms set); false = any. Checked on
    /// the runs as they are, like step_name and step_status.
    public var stalled: Bool

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        status: RunStatus = .unspecified,
        stepName: String = "",
        stepStatus: StepStatus = .unspecified,
        updatedAfterUnixMs: Int64 = 0,
        updatedBeforeUnixMs: Int64 = 0,
        pageSize: UInt32 = 0,
        pageToken: String = "",
        stalled: Bool = false
    ) {
        self.migrationID = migrationID
        self.status = status
        self.stepName = stepName
        self.stepStatus = stepStatus
        self.updatedAfterUnixMs = updatedAfterUnixMs
        self.updatedBeforeUnixMs = updatedBeforeUnixMs
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.stalled = stalled
    }
}

/// The response of `Loom.ListRuns`.
///
/// The Swift form of `loom.v1.ListRunsResponse`.
public struct ListRunsResponse: Sendable, Hashable {
    /// Most recently updated first (as of the listing's first page); each run as
    /// it is now. A page may hold fewer than page_size runs when step filters skip
    /// many: go on while next_page_token is non-empty.
    public var runs: [Run]
    /// Empty when there are no more pages.
    public var nextPageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        runs: [Run] = [],
        nextPageToken: String = ""
    ) {
        self.runs = runs
        self.nextPageToken = nextPageToken
    }
}

/// The request of `Loom.StartRun`.
///
/// The Swift form of `loom.v1.StartRunRequest`.
public struct StartRunRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String
    /// Operator inputs; every required input of the migration must be present and non-empty.
    public var inputs: [String: String]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = "",
        inputs: [String: String] = [:]
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.inputs = inputs
    }
}

/// The request of `Loom.CancelRun`.
///
/// The Swift form of `loom.v1.CancelRunRequest`.
public struct CancelRunRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String
    /// Recorded in the run's history.
    public var reason: String
    /// End the run FAILED instead of CANCELLED: an operator gives up on a run
    /// whose step failed (allowed only while it is waiting_retry). Either way the
    /// candidate returns to not_started and can be started again.
    public var failed: Bool

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = "",
        reason: String = "",
        failed: Bool = false
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.reason = reason
        self.failed = failed
    }
}

/// The request of `Loom.RetryStep`.
///
/// The Swift form of `loom.v1.RetryStepRequest`.
public struct RetryStepRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String
    /// Must name the run's current, failed step.
    public var stepName: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = "",
        stepName: String = ""
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.stepName = stepName
    }
}

/// The request of `Loom.GetRun`.
///
/// The Swift form of `loom.v1.GetRunRequest`.
public struct GetRunRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = ""
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
    }
}

/// The request of `Loom.GetRunHistory`.
///
/// The Swift form of `loom.v1.GetRunHistoryRequest`.
public struct GetRunHistoryRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String
    /// Maximum entries, newest last; 0 = all retained entries.
    public var limit: UInt32

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = "",
        limit: UInt32 = 0
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.limit = limit
    }
}

/// The response of `Loom.GetRunHistory`.
///
/// The Swift form of `loom.v1.GetRunHistoryResponse`.
public struct GetRunHistoryResponse: Sendable, Hashable {
    /// Oldest first.
    public var entries: [HistoryEntry]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        entries: [HistoryEntry] = []
    ) {
        self.entries = entries
    }
}

/// The request of `Loom.DryRun`.
///
/// The Swift form of `loom.v1.DryRunRequest`.
public struct DryRunRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The stored candidate to preview (its metadata and files are used).
    public var candidateID: String
    /// Merged into the candidate's metadata, as at start.
    public var inputs: [String: String]
    /// Optional: preview a candidate that is not stored (as the reference console does);
    /// used when candidate_id is empty.
    public var candidate: Candidate?

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = "",
        inputs: [String: String] = [:],
        candidate: Candidate? = nil
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.inputs = inputs
        self.candidate = candidate
    }
}

/// The request of `Loom.ReportStepEvent`.
///
/// The Swift form of `loom.v1.ReportStepEventRequest`.
public struct ReportStepEventRequest: Sendable, Hashable {
    /// The callback id given on dispatch (the run id).
    public var runID: String
    /// The callback token given on dispatch; required unless the server runs with
    /// callback auth "none" or "mtls".
    public var callbackToken: String
    /// The event to apply to the run.
    public var event: StepEvent?

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        runID: String = "",
        callbackToken: String = "",
        event: StepEvent? = nil
    ) {
        self.runID = runID
        self.callbackToken = callbackToken
        self.event = event
    }
}

/// The response of `Loom.ReportStepEvent`.
///
/// The Swift form of `loom.v1.ReportStepEventResponse`.
public struct ReportStepEventResponse: Sendable, Hashable {
    /// "event raised" when the event was applied; "already applied" when it is an
    /// exact repeat of an event applied earlier (nothing changed), as the REST shim
    /// answers.
    public var status: String
    /// The run after the event was applied.
    public var run: Run?

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        status: String = "",
        run: Run? = nil
    ) {
        self.status = status
        self.run = run
    }
}
