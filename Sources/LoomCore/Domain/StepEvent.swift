/// A migrator's (or operator's) report about a step of a run.
public struct StepEvent: Hashable, Sendable, Codable {
    /// The step the event is about.
    public var stepName: String
    /// Must equal the run's candidate id.
    public var candidateId: String
    /// `false` means the step failed.
    public var success: Bool
    /// With success: `""`, `completed` or `merged` advance; `open` and `awaiting_review`
    /// keep the step waiting; anything else fails the step with a clear reason.
    public var phase: String
    /// Merged into the step result's metadata. A `phase` key is honoured when the top-level
    /// ``phase`` is empty (the reference migrator's merge callback).
    public var metadata: [String: String]
    /// Why the step failed, when ``success`` is false.
    public var failureReason: String

    /// Creates a step event.
    public init(
        stepName: String,
        candidateId: String,
        success: Bool,
        phase: String = "",
        metadata: [String: String] = [:],
        failureReason: String = ""
    ) {
        self.stepName = stepName
        self.candidateId = candidateId
        self.success = success
        self.phase = phase
        self.metadata = metadata
        self.failureReason = failureReason
    }

    /// The phase that decides the outcome: the top-level ``phase``, else `metadata["phase"]`.
    public var effectivePhase: String {
        phase.isEmpty ? (metadata["phase"] ?? "") : phase
    }
}

/// What became of a step event Loom accepted (``Service/receiveStepEvent(runID:credential:event:scope:)``).
public struct StepEventReceipt: Hashable, Sendable {
    /// The run after the event.
    public var run: Run
    /// The event was an exact repeat of one already applied: nothing changed (answered
    /// "already applied" rather than "event raised").
    public var alreadyApplied: Bool

    /// Creates a receipt.
    public init(run: Run, alreadyApplied: Bool) {
        self.run = run
        self.alreadyApplied = alreadyApplied
    }
}

/// How the caller of ``Service/reportStepEvent(runID:credential:event:scope:)`` proved it may report
/// events for the run.
public enum EventCredential: Hashable, Sendable {
    /// The callback token issued with the dispatch; verified with the ``CallbackTokenSigner``
    /// and bound to the run, step, attempt and generation it was issued for.
    case callbackToken(String)
    /// The transport already authorised the caller (mTLS identity, or callback auth `none`).
    /// The event is applied to the run's current attempt.
    case trustedCaller
    /// A token was required but none was sent: the event is refused (and recorded).
    case missingToken
}

/// Why an event was refused; the `reason` label of `loom_events_rejected_total` and the
/// history entry's detail prefix.
public enum EventRejection: String, Hashable, Sendable, CaseIterable, Error {
    /// No callback token was sent where one is required.
    case missingToken = "missing_token"
    /// The callback token is malformed or not signed by Loom.
    case invalidToken = "invalid_token"
    /// The callback token was issued for another run.
    case otherRun = "other_run"
    /// The event names another candidate than the run's.
    case wrongCandidate = "wrong_candidate"
    /// The token is for an earlier generation or attempt, or another step.
    case staleAttempt = "stale_attempt"
    /// The run is completed, cancelled or failed.
    case finishedRun = "finished_run"
    /// The event is for a step that is not the current one.
    case notCurrentStep = "not_current_step"
    /// The current step failed and waits for a retry or a cancel.
    case stepFailed = "step_failed"
}

extension LoomError {
    /// A refused event: `staleEvent` (or `unauthenticated` for token problems) with the reason
    /// kept as the cause, for the rejection's metric and history.
    static func rejected(_ reason: EventRejection, _ message: String) -> LoomError {
        switch reason {
        case .missingToken, .invalidToken, .otherRun: LoomError(code: .unauthenticated, message: message, cause: reason)
        default: LoomError(code: .staleEvent, message: message, cause: reason)
        }
    }

    /// Why an event was refused, when this error refused one.
    public var eventRejection: EventRejection? { cause as? EventRejection }
}
