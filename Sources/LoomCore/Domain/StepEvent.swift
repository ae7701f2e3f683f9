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

/// How the caller of ``Service/reportStepEvent(runID:credential:event:)`` proved it may report
/// events for the run.
public enum EventCredential: Hashable, Sendable {
    /// The callback token issued with the dispatch; verified with the ``CallbackTokenSigner``
    /// and bound to the run, step, attempt and generation it was issued for.
    case callbackToken(String)
    /// The transport already authorised the caller (mTLS identity, or callback auth `none`).
    /// The event is applied to the run's current attempt.
    case trustedCaller
}
