import Metrics

/// The orchestrator's swift-metrics instruments (names are stable; dimension-free except the
/// answers of status checks).
struct OrchestratorMetrics: Sendable {
    let factory: any MetricsFactory
    let runsStarted: Counter
    let runsCompleted: Counter
    let runsCancelled: Counter
    let stepsFailed: Counter
    let stepsTimedOut: Counter
    let dispatchAttempts: Counter
    let dispatchFailures: Counter
    let eventsApplied: Counter
    let transitionConflicts: Counter
    let timerLag: Metrics.Timer

    /// The instruments, in `factory` (the process-wide one by default).
    init(factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        runsStarted = Counter(label: "loom.runs.started.total", factory: factory)
        runsCompleted = Counter(label: "loom.runs.completed.total", factory: factory)
        runsCancelled = Counter(label: "loom.runs.cancelled.total", factory: factory)
        stepsFailed = Counter(label: "loom.steps.failed.total", factory: factory)
        stepsTimedOut = Counter(label: "loom.steps.timed_out.total", factory: factory)
        dispatchAttempts = Counter(label: "loom.dispatch.attempts.total", factory: factory)
        dispatchFailures = Counter(label: "loom.dispatch.failures.total", factory: factory)
        eventsApplied = Counter(label: "loom.events.applied.total", factory: factory)
        transitionConflicts = Counter(label: "loom.transitions.conflicts.total", factory: factory)
        timerLag = Metrics.Timer(label: "loom.timers.lag", factory: factory)
    }

    /// Counts one `POST /step-status` by what it came to (`loom_step_status_checks_total{answer}`).
    func statusChecked(answer: String) {
        Counter(label: "loom.step_status.checks.total", dimensions: [("answer", answer)], factory: factory).increment()
    }

    /// Counts a refused event (`loom_events_rejected_total{reason}`, shared with the service).
    func eventRejected(_ reason: EventRejection) {
        Counter(label: "loom.events.rejected.total", dimensions: [("reason", reason.rawValue)], factory: factory).increment()
    }

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
            case .stepDispatched, .stepRetried, .runFailed, .eventRejected, .statusChecked, .stepStalled: break
            }
        }
    }
}
