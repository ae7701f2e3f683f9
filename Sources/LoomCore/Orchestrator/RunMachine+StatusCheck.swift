/// Reconciliation of lost callbacks (the run's side): a step the migrator acknowledged and then
/// left silent for ``Orchestrator/Configuration/stepSilence`` is asked about
/// (`POST {migratorUrl}/step-status`), and the answer is recorded here.
///
/// While a step waits for its outcome the run's one timer is the earlier of the step's deadline
/// (``StepResult/deadlineAt``) and its next status check (``StepResult/statusCheckAt``). Any
/// callback stops the checks; a migrator without the endpoint leaves the step stalled
/// (``StepResult/stalledSince``) until a callback arrives or an operator acts.
extension RunMachine {
    /// Identifies one status check: the step attempt asked about and the check time it was due
    /// at. Its answer changes the run only while the run still waits for that check (a callback,
    /// a timeout, a cancel or another replica's answer that came first wins).
    struct StatusCheckTicket: Hashable, Sendable {
        var generation: UInt32
        var stepIndex: Int
        var attempt: UInt32
        var dueAt: Timestamp

        /// The check `run` has scheduled for its current step, if any.
        init?(run: Run) {
            guard let result = run.currentResult, let due = result.statusCheckAt else { return nil }
            generation = run.generation
            stepIndex = run.currentStep
            attempt = result.attempt
            dueAt = due
        }
    }

    /// The timer of a step waiting for its outcome: the earlier of its deadline and its next
    /// status check, or `nil` when it has neither.
    static func waitingTimer(_ result: StepResult) -> Timestamp? {
        [result.deadlineAt, result.statusCheckAt].compactMap { $0 }.min()
    }

    /// The current step's deadline. Records written before the deadline was kept apart from the
    /// timer have none: their timer is the deadline when no status check is scheduled.
    static func deadline(of run: Run) -> Timestamp? {
        guard let result = run.currentResult else { return nil }
        if let deadline = result.deadlineAt { return deadline }
        return result.statusCheckAt == nil ? run.timerDueAt : nil
    }

    /// Whether the migrator should be asked about the current step now: it acknowledged the
    /// dispatch, sent no event since, and the silence has lasted until the scheduled check.
    static func isStatusCheckDue(_ run: Run, now: Timestamp) -> Bool {
        guard run.status == .running, let result = run.currentResult, result.status == .inProgress,
            result.dispatch == .delivered, let due = result.statusCheckAt
        else { return false }
        return due <= now
    }

    /// Whether `run` still waits for the answer of the check `ticket`.
    static func isAwaitingStatusCheck(_ run: Run, _ ticket: StatusCheckTicket) -> Bool {
        guard run.status == .running, run.generation == ticket.generation, run.currentStep == ticket.stepIndex,
            let result = run.currentResult
        else { return false }
        return result.attempt == ticket.attempt && result.status == .inProgress && result.dispatch == .delivered
            && result.statusCheckAt == ticket.dueAt
    }

    /// The migrator answered 202 (still working), or asking failed: ask again after another
    /// silence. The run's state and update time do not change; the history says what happened.
    static func statusCheckRescheduled(_ run: Run, now: Timestamp, silence: Duration, detail: String) -> RunTransition {
        var run = run
        let index = run.results.count - 1
        run.results[index].statusCheckAt = now + silence
        run.timerDueAt = waitingTimer(run.results[index])
        return RunTransition(
            run: run, candidateStatus: nil,
            history: [entry(run, run.results[index], .statusChecked, now, "\(detail); next check in \(describe(silence))")])
    }

    /// The migrator has no status endpoint (404, 405 or 501): the step is stalled until a
    /// callback arrives or an operator acts. Only the step's deadline, if any, stays armed.
    static func stalled(_ run: Run, httpStatus: Int, now: Timestamp) -> RunTransition {
        var run = run
        let index = run.results.count - 1
        run.results[index].statusCheckAt = nil
        run.results[index].stalledSince = now
        run.results[index].updatedAt = now
        run.updatedAt = now
        run.timerDueAt = waitingTimer(run.results[index])
        let detail = "the migrator has no /step-status (HTTP \(httpStatus)): stalled until a callback arrives or an operator acts"
        return RunTransition(run: run, candidateStatus: nil, history: [entry(run, run.results[index], .stepStalled, now, detail)])
    }

    /// The migrator's answer, applied as the callback it stands for (`transition`, decided from
    /// `run`): its history says that Loom asked and that the outcome came from the answer.
    static func answeredByStatusCheck(_ transition: RunTransition, asked run: Run, now: Timestamp) -> RunTransition {
        var transition = transition
        for index in transition.history.indices {
            transition.history[index].detail += " (reported by /step-status)"
        }
        if let result = run.currentResult {
            transition.history.insert(
                entry(run, result, .statusChecked, now, "the migrator answered with the step's outcome (HTTP 200)"), at: 0)
        }
        return transition
    }

    /// The answer, taken as the callback it stands for, was refused while the run still waits
    /// for it: recorded like a refused callback, and asked again after another silence.
    static func statusAnswerRefused(
        _ run: Run, reason: EventRejection, message: String, now: Timestamp, silence: Duration
    ) -> RunTransition {
        var transition = statusCheckRescheduled(
            run, now: now, silence: silence, detail: "the migrator's answer was refused (\(reason.rawValue))")
        let current = transition.run.currentResult
        transition.history.insert(
            HistoryEntry(
                at: now, kind: .eventRejected, stepName: current?.stepName ?? "", attempt: current?.attempt ?? 0,
                runStatus: run.status, detail: "\(reason.rawValue): \(message) (reported by /step-status)",
                generation: run.generation),
            at: 0)
        return transition
    }

    /// Status checks are off (no ``Orchestrator/Configuration/stepSilence``) but the record
    /// still schedules one, written while they were on: drop it, keeping the deadline.
    static func statusCheckDropped(_ run: Run) -> RunTransition {
        var run = run
        let index = run.results.count - 1
        run.results[index].statusCheckAt = nil
        run.timerDueAt = waitingTimer(run.results[index])
        return RunTransition(run: run, candidateStatus: nil, history: [])
    }

    /// `15 min`, `2 h`, `30 s`, `1500 ms`: a duration for history details and logs.
    static func describe(_ duration: Duration) -> String {
        let ms = duration.wholeMilliseconds
        if ms >= 3_600_000, ms % 3_600_000 == 0 { return "\(ms / 3_600_000) h" }
        if ms >= 60_000, ms % 60_000 == 0 { return "\(ms / 60_000) min" }
        if ms % 1000 == 0 { return "\(ms / 1000) s" }
        return "\(ms) ms"
    }
}
