/// What kind of transition a history entry records.
public enum HistoryKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// A run (generation) started.
    case runStarted = "run_started"
    /// A dispatch POST was started (or acknowledged) for a step attempt.
    case stepDispatched = "step_dispatched"
    /// A dispatch POST failed; a retry is scheduled (or the step failed).
    case dispatchFailed = "dispatch_failed"
    /// An intermediate event (`open`, `awaiting_review`) was applied.
    case eventApplied = "event_applied"
    /// The current step failed (failure event, unknown phase, dispatch gave up).
    case stepFailed = "step_failed"
    /// An operator retried the failed step.
    case stepRetried = "step_retried"
    /// The step's deadline passed; the step failed.
    case stepTimedOut = "step_timed_out"
    /// The step succeeded and the run advanced.
    case stepCompleted = "step_completed"
    /// Every step succeeded.
    case runCompleted = "run_completed"
    /// An operator cancelled the run.
    case runCancelled = "run_cancelled"
    /// An operator ended the run failed after its step failed.
    case runFailed = "run_failed"
    /// A callback was refused (bad or missing token, stale attempt, finished run, another
    /// candidate); recorded so the run shows why it still waits.
    case eventRejected = "event_rejected"
    /// Loom asked the migrator about a silent step (`POST /step-status`); the detail says what
    /// it answered and when Loom asks again.
    case statusChecked = "status_checked"
    /// The migrator has no `/step-status`: the silent step stalled until a callback arrives or
    /// an operator acts.
    case stepStalled = "step_stalled"
}

/// One transition of a run, appended to its capped history in the same atomic write as the
/// transition itself.
public struct HistoryEntry: Hashable, Sendable, Codable {
    /// Store-assigned, increasing id; empty in entries handed to ``RunStore/apply(_:)``.
    public var id: String
    /// When the transition happened.
    public var at: Timestamp
    /// What happened.
    public var kind: HistoryKind
    /// The step concerned, or empty.
    public var stepName: String
    /// The step attempt concerned, or 0.
    public var attempt: UInt32
    /// Step status after the transition, when it concerns a step.
    public var stepStatus: StepStatus?
    /// Run status after the transition.
    public var runStatus: RunStatus
    /// Human detail: failure reason, phase received, who acted...
    public var detail: String
    /// Run generation the entry belongs to.
    public var generation: UInt32
    /// The run version the transition produced (set by the store; the entries of one
    /// transition share it).
    public var runVersion: UInt64

    /// Creates a history entry.
    public init(
        id: String = "",
        at: Timestamp,
        kind: HistoryKind,
        stepName: String = "",
        attempt: UInt32 = 0,
        stepStatus: StepStatus? = nil,
        runStatus: RunStatus,
        detail: String = "",
        generation: UInt32,
        runVersion: UInt64 = 0
    ) {
        self.id = id
        self.at = at
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
