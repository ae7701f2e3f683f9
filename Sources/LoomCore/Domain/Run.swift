/// The state of a run as a whole.
public enum RunStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Steps are being dispatched or awaited.
    case running
    /// The current step failed; waiting for a retry or a cancel.
    case waitingRetry = "waiting_retry"
    /// Every step succeeded.
    case completed
    /// An operator cancelled the run.
    case cancelled
    /// An operator gave up on the run after its step failed (a cancel with `failed`); see
    /// ``Run/failureReason``.
    case failed

    /// Whether the run is finished (completed, cancelled or failed) and accepts no more events.
    public var isFinished: Bool {
        switch self {
        case .running, .waitingRetry: false
        case .completed, .cancelled, .failed: true
        }
    }
}

/// The state of one step of a run.
public enum StepStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Dispatched (or being dispatched) to the migrator; no event yet.
    case inProgress = "in_progress"
    /// The migrator reported that a manual review is needed.
    case awaitingReview = "awaiting_review"
    /// The migrator opened a pull request; waiting for it to merge.
    case open
    /// The step succeeded.
    case completed
    /// The step's pull request merged (a success).
    case merged
    /// The step failed; the run waits for a retry or a cancel.
    case failed
    /// The run was cancelled while this step was current.
    case cancelled

    /// Whether the step succeeded (`completed` or `merged`).
    public var isSuccess: Bool { self == .completed || self == .merged }

    /// Whether the step is still waiting for an outcome (`in_progress`, `open`, `awaiting_review`).
    public var isPending: Bool {
        switch self {
        case .inProgress, .awaitingReview, .open: true
        case .completed, .merged, .failed, .cancelled: false
        }
    }
}

/// Where the dispatch of the current attempt of a step stands (internal to the orchestrator,
/// persisted so that any replica can resume it).
public enum DispatchState: String, Hashable, Sendable, Codable {
    /// The step must be (re)dispatched when the run's timer is due.
    case pending
    /// A replica recorded that it is POSTing `/dispatch-step`; the timer is the dispatch lease.
    case inFlight = "in_flight"
    /// The migrator acknowledged the dispatch (or already sent an event for this attempt).
    case delivered
}

/// The outcome of one step within a run (one entry per reached step, in execution order).
public struct StepResult: Hashable, Sendable, Codable {
    /// The step this result is for.
    public var stepName: String
    /// Current status of the step.
    public var status: StepStatus
    /// Metadata merged across this attempt's events (a later event's keys win).
    public var metadata: [String: String]
    /// Attempt number, starting at 1; a retry increments it.
    public var attempt: UInt32
    /// When the current attempt was created (first dispatch scheduled).
    public var startedAt: Timestamp
    /// When this result last changed.
    public var updatedAt: Timestamp
    /// When the step reached a terminal status (completed, merged, failed, cancelled).
    public var finishedAt: Timestamp?
    /// Why the step failed (migrator failure event, dispatch gave up, timeout...).
    public var failureReason: String?
    /// How many dispatch POSTs this attempt has started (at-least-once delivery).
    public var dispatchCount: UInt32
    /// The raw phase the migrator last reported, verbatim (empty if none).
    public var phase: String
    /// Where the dispatch of this attempt stands.
    public var dispatch: DispatchState
    /// The last dispatch failure of this attempt, if any (kept for diagnostics).
    public var lastDispatchError: String?
    /// When the step times out while it waits for its outcome (its timeout counted from the
    /// acknowledgement, or from an event that raced ahead of it), if it has a timeout.
    public var deadlineAt: Timestamp?
    /// When Loom next asks the migrator where the step stands (`POST /step-status`): set when the
    /// migrator acknowledges the dispatch, cleared by any event (`nil`: no check scheduled).
    public var statusCheckAt: Timestamp?
    /// When the step stalled: the migrator sent no event for the step silence and has no
    /// `/step-status`. Cleared by any event.
    public var stalledSince: Timestamp?

    /// Creates a fresh `in_progress` result for `attempt` of `stepName`, pending dispatch.
    public init(stepName: String, attempt: UInt32, at now: Timestamp) {
        self.stepName = stepName
        self.status = .inProgress
        self.metadata = [:]
        self.attempt = attempt
        self.startedAt = now
        self.updatedAt = now
        self.finishedAt = nil
        self.failureReason = nil
        self.dispatchCount = 0
        self.phase = ""
        self.dispatch = .pending
        self.lastDispatchError = nil
        self.deadlineAt = nil
        self.statusCheckAt = nil
        self.stalledSince = nil
    }
}

/// One execution of a migration's steps against one candidate: a versioned record.
///
/// Every change is one atomic, version-checked store operation (``RunStore/apply(_:)``).
/// The record carries the snapshot (steps, candidate, migrator URL) taken at start, so later
/// announces never change a run in flight.
public struct Run: Hashable, Sendable, Codable {
    /// `{migrationId}__{candidateId}`; also the migrator's callback id.
    public var id: RunID
    /// The run's status.
    public var status: RunStatus
    /// Index into ``steps`` of the current step; equals `steps.count` once completed.
    public var currentStep: Int
    /// Results in execution order; steps not reached yet have none.
    public var results: [StepResult]
    /// Snapshot of the migration's steps taken at start.
    public var steps: [StepDefinition]
    /// Snapshot of the candidate with the operator's inputs merged into metadata.
    public var candidate: Candidate
    /// Migrator base URL snapshot taken at start.
    public var migratorUrl: String
    /// Operator inputs given at start.
    public var inputs: [String: String]
    /// When this generation started.
    public var createdAt: Timestamp
    /// When the record last changed.
    public var updatedAt: Timestamp
    /// When the run reached completed, cancelled or failed.
    public var finishedAt: Timestamp?
    /// Why the run failed or was cancelled, if known.
    public var failureReason: String?
    /// Optimistic-concurrency version; the store sets it to previous + 1 on every write.
    public var version: UInt64
    /// Counts starts under this run id (a restart after cancel increments it).
    public var generation: UInt32
    /// Who started the run (peer identity), if known.
    public var startedBy: String
    /// The campaign that started this generation of the run, or empty when it was started on its
    /// own. The store keeps the campaign's member in step with the run (``CampaignStore``).
    public var campaignId: String
    /// When the orchestrator must next look at this run (dispatch, retry back-off, dispatch
    /// lease, step timeout), or `nil` when it only waits for an event or an operator.
    /// The store keeps its timer index in step with this field on every write.
    public var timerDueAt: Timestamp?

    /// The migration id (from ``id``).
    public var migrationId: String { id.migrationId }
    /// The candidate id (from ``id``).
    public var candidateId: String { id.candidateId }

    /// The definition of the current step, or `nil` once every step has run.
    public var currentStepDefinition: StepDefinition? {
        currentStep < steps.count ? steps[currentStep] : nil
    }

    /// The result of the current step, if it has one.
    public var currentResult: StepResult? {
        guard let step = currentStepDefinition else { return nil }
        return results.last(where: { $0.stepName == step.name })
    }

    /// When the run stalled: it is running and its current step waits for an outcome that
    /// nothing will bring — no event for the step silence, and the migrator has no
    /// `/step-status` — until a callback arrives or an operator acts. `nil` otherwise. The run's
    /// status stays ``RunStatus/running``.
    public var stalledSince: Timestamp? {
        guard status == .running, let result = currentResult, result.status.isPending else { return nil }
        return result.stalledSince
    }

    /// Creates a run record.
    public init(
        id: RunID,
        status: RunStatus,
        currentStep: Int = 0,
        results: [StepResult] = [],
        steps: [StepDefinition],
        candidate: Candidate,
        migratorUrl: String,
        inputs: [String: String] = [:],
        createdAt: Timestamp,
        updatedAt: Timestamp,
        finishedAt: Timestamp? = nil,
        failureReason: String? = nil,
        version: UInt64 = 0,
        generation: UInt32 = 1,
        startedBy: String = "",
        campaignId: String = "",
        timerDueAt: Timestamp? = nil
    ) {
        self.id = id
        self.status = status
        self.currentStep = currentStep
        self.results = results
        self.steps = steps
        self.candidate = candidate
        self.migratorUrl = migratorUrl
        self.inputs = inputs
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.failureReason = failureReason
        self.version = version
        self.generation = generation
        self.startedBy = startedBy
        self.campaignId = campaignId
        self.timerDueAt = timerDueAt
    }
}
