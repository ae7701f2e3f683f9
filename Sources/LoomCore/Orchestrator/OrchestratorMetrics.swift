import Metrics

/// The orchestrator's swift-metrics instruments (names are stable; dimension-free).
struct OrchestratorMetrics: Sendable {
    let runsStarted = Counter(label: "loom.runs.started.total")
    let runsCompleted = Counter(label: "loom.runs.completed.total")
    let runsCancelled = Counter(label: "loom.runs.cancelled.total")
    let stepsFailed = Counter(label: "loom.steps.failed.total")
    let stepsTimedOut = Counter(label: "loom.steps.timed_out.total")
    let dispatchAttempts = Counter(label: "loom.dispatch.attempts.total")
    let dispatchFailures = Counter(label: "loom.dispatch.failures.total")
    let eventsApplied = Counter(label: "loom.events.applied.total")
    let transitionConflicts = Counter(label: "loom.transitions.conflicts.total")
    let timerLag = Metrics.Timer(label: "loom.timers.lag")

    /// Counts what a stored transition's history says happened.
    func record(_ history: [HistoryEntry]) {
        for entry in history {
            switch entry.kind {
            case .runStarted: runsStarted.increment()
            case .runCompleted: runsCompleted.increment()
            case .runCancelled: runsCancelled.increment()
            case .stepFailed: stepsFailed.increment()
            case .stepTimedOut:
                stepsTimedOut.increment()
                stepsFailed.increment()
            case .dispatchFailed: dispatchFailures.increment()
            case .eventApplied, .stepCompleted: eventsApplied.increment()
            case .stepDispatched, .stepRetried, .runFailed, .eventRejected: break
            }
        }
    }
}
