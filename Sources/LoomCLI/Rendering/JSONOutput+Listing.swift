import LoomProto

extension JSONOutput {
    /// A migration's counts: `{"candidates": {"not_started": N, …}, "runs": {…}, "steps": [...]}`.
    public struct Counts: Encodable, Hashable, Sendable {
        var candidates: [String: UInt64]
        var runs: [String: UInt64]
        var steps: [StepCounts]
    }

    /// Active runs of one step by that step's status.
    public struct StepCounts: Encodable, Hashable, Sendable {
        var step: String
        var inProgress: UInt64
        var open: UInt64
        var awaitingReview: UInt64
        var failed: UInt64
    }

    /// `migrations recount`: `{"drift": [...], "repaired": bool}`.
    public struct Recount: Encodable, Hashable, Sendable {
        var drift: [String]
        var repaired: Bool
    }

    static func counts(_ counts: MigrationCounts) -> Counts {
        Counts(
            candidates: [
                "not_started": counts.candidatesNotStarted, "running": counts.candidatesRunning,
                "completed": counts.candidatesCompleted,
            ],
            runs: [
                "running": counts.runsRunning, "waiting_retry": counts.runsWaitingRetry, "completed": counts.runsCompleted,
                "cancelled": counts.runsCancelled, "failed": counts.runsFailed,
            ],
            steps: counts.steps.map {
                StepCounts(step: $0.stepName, inProgress: $0.inProgress, open: $0.open, awaitingReview: $0.awaitingReview, failed: $0.failed)
            })
    }
}
