import Metrics

/// The orchestrator's swift-metrics instruments (names are stable; dimension-free).
struct OrchestratorMetrics: Sendable {
    let runsStarted = Counter(label: "loom.runs.started")
    let runsCompleted = Counter(label: "loom.runs.completed")
    let runsCancelled = Counter(label: "loom.runs.cancelled")
    let stepsFailed = Counter(label: "loom.steps.failed")
    let stepsTimedOut = Counter(label: "loom.steps.timed_out")
    let dispatchAttempts = Counter(label: "loom.dispatch.attempts")
    let dispatchFailures = Counter(label: "loom.dispatch.failures")
    let eventsApplied = Counter(label: "loom.events.applied")
    let transitionConflicts = Counter(label: "loom.transitions.conflicts")
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
