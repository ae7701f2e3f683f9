// Runs, their step results and history.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// The outcome of one step within a run.
///
/// The Swift form of `loom.v1.StepResult`.
public struct StepResult: Sendable, Hashable {
    /// The step this result is for.
    public var stepName: String
    /// The candidate snapshot of the run (inputs merged into metadata).
    public var candidate: Candidate?
    /// Current status of the step.
    public var status: StepStatus
    /// Metadata merged across this attempt's events (a later event's keys win;
    /// earlier keys such as prUrl survive).
    public var metadata: [String: String]
    /// Attempt number, starting at 1; RetryStep increments it.
    public var attempt: UInt32
    /// When the current attempt was first dispatched.
    public var startedAtUnixMs: Int64
    /// When this result last changed.
    public var updatedAtUnixMs: Int64
    /// When the step reached a terminal status (completed, merged, failed, cancelled).
    public var finishedAtUnixMs: Int64
    /// Why the step failed (migrator failure event, dispatch gave up, timeout...).
    public var failureReason: String
    /// How many dispatch POSTs this attempt has made (at-least-once delivery).
    public var dispatchCount: UInt32
    /// The raw phase the migrator last reported, verbatim.
    public var phase: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        stepName: String = "",
        candidate: Candidate? = nil,
        status: StepStatus = .unspecified,
        metadata: [String: String] = [:],
        attempt: UInt32 = 0,
        startedAtUnixMs: Int64 = 0,
        updatedAtUnixMs: Int64 = 0,
        finishedAtUnixMs: Int64 = 0,
        failureReason: String = "",
        dispatchCount: UInt32 = 0,
        phase: String = ""
    ) {
        self.stepName = stepName
        self.candidate = candidate
        self.status = status
        self.metadata = metadata
        self.attempt = attempt
        self.startedAtUnixMs = startedAtUnixMs
        self.updatedAtUnixMs = updatedAtUnixMs
        self.finishedAtUnixMs = finishedAtUnixMs
        self.failureReason = failureReason
        self.dispatchCount = dispatchCount
        self.phase = phase
    }
}

/// One execution of a migration's steps against one candidate.
///
/// The Swift form of `loom.v1.Run`.
public struct Run: Sendable, Hashable {
    /// "{migration_id}__{candidate_id}"; also the migrator's callbackId.
    public var id: String
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String
    /// The state of the run as a whole.
    public var status: RunStatus
    /// Index into steps of the current step; equals len(steps) once completed.
    public var currentStep: UInt32
    /// Results in execution order; steps not reached yet have none.
    public var results: [StepResult]
    /// Snapshot of the migration's steps taken at start (later announces do not change it).
    public var steps: [StepDefinition]
    /// Snapshot of the candidate with the operator's inputs merged into metadata.
    public var candidate: Candidate?
    /// Migrator base URL snapshot taken at start.
    public var migratorURL: String
    /// Operator inputs given at start.
    public var inputs: [String: String]
    /// When the run was started (Unix epoch milliseconds, UTC).
    public var createdAtUnixMs: Int64
    /// When the run last changed (Unix epoch milliseconds, UTC).
    public var updatedAtUnixMs: Int64
    /// When the run reached completed, cancelled or failed.
    public var finishedAtUnixMs: Int64
    /// Why the run failed or was cancelled, if known.
    public var failureReason: String
    /// Optimistic-concurrency version; increases with every transition.
    public var version: UInt64
    /// Counts starts under this run id (a restart after cancel increments it).
    public var generation: UInt32
    /// Who started the run (peer identity), if known.
    public var startedBy: String
    /// When the run stalled: its current step was acknowledged by the migrator,
    /// then no event came for the server's step silence (--step-silence), and the
    /// migrator has no POST /step-status (it answered 404, 405 or 501), so nothing
    /// moves the run until a callback arrives or an operator acts. 0 = not
    /// stalled. A stalled run keeps its status (RUN_STATUS_RUNNING).
    public var stalledSinceUnixMs: Int64

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        id: String = "",
        migrationID: String = "",
        candidateID: String = "",
        status: RunStatus = .unspecified,
        currentStep: UInt32 = 0,
        results: [StepResult] = [],
        steps: [StepDefinition] = [],
        candidate: Candidate? = nil,
        migratorURL: String = "",
        inputs: [String: String] = [:],
        createdAtUnixMs: Int64 = 0,
        updatedAtUnixMs: Int64 = 0,
        finishedAtUnixMs: Int64 = 0,
        failureReason: String = "",
        version: UInt64 = 0,
        generation: UInt32 = 0,
        startedBy: String = "",
        stalledSinceUnixMs: Int64 = 0
    ) {
        self.id = id
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.status = status
        self.currentStep = currentStep
        self.results = results
        self.steps = steps
        self.candidate = candidate
        self.migratorURL = migratorURL
        self.inputs = inputs
        self.createdAtUnixMs = createdAtUnixMs
        self.updatedAtUnixMs = updatedAtUnixMs
        self.finishedAtUnixMs = finishedAtUnixMs
        self.failureReason = failureReason
        self.version = version
        self.generation = generation
        self.startedBy = startedBy
        self.stalledSinceUnixMs = stalledSinceUnixMs
    }
}

/// One transition of a run, appended to its capped history.
///
/// The Swift form of `loom.v1.HistoryEntry`.
public struct HistoryEntry: Sendable, Hashable {
    /// Store-assigned, increasing id (e.g. a Redis stream id).
    public var id: String
    /// When the transition happened (Unix epoch milliseconds, UTC).
    public var atUnixMs: Int64
    /// What kind of transition this entry records.
    public var kind: HistoryKind
    /// The step concerned, if the transition concerns a step.
    public var stepName: String
    /// The attempt of the step concerned (starting at 1), if any.
    public var attempt: UInt32
    /// Step status after the transition, when it concerns a step.
    public var stepStatus: StepStatus
    /// Run status after the transition.
    public var runStatus: RunStatus
    /// Human detail: failure reason, phase received, who acted...
    public var detail: String
    /// Run generation the entry belongs to.
    public var generation: UInt32
    /// The run version the transition produced; the entries of one transition
    /// share it. Entries are in version order.
    public var runVersion: UInt64

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        id: String = "",
        atUnixMs: Int64 = 0,
        kind: HistoryKind = .unspecified,
        stepName: String = "",
        attempt: UInt32 = 0,
        stepStatus: StepStatus = .unspecified,
        runStatus: RunStatus = .unspecified,
        detail: String = "",
        generation: UInt32 = 0,
        runVersion: UInt64 = 0
    ) {
        self.id = id
        self.atUnixMs = atUnixMs
        self.kind = kind
        self.stepName = stepName
        self.attempt = attempt
        self.stepStatus = stepStatus
        self.runStatus = runStatus
        self.detail = detail
        self.generation = generation
        self.runVersion = runVersion
    }
}
