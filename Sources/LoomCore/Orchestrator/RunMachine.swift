/// One decided transition of a run: the next record, the candidate status to write with it,
/// and the history it appends. Written by ``RunStore/apply(_:)`` against the version it was
/// decided from.
struct RunTransition: Sendable {
    var run: Run
    var candidateStatus: CandidateStatusChange?
    var history: [HistoryEntry]

    /// The store write over `current`, the record the transition was decided from (`nil`: the
    /// run has no record yet). When the written run is in flight, `holder` is recorded as the
    /// holder of its dispatch lease — unless `current` was already in flight for the same POST
    /// with the same timer (the transition records something else, e.g. a refused event): then
    /// the lease stays with the process that made that POST (or claimed its timer), so that its
    /// restart still takes the lease back at once and no other process takes it before it expires.
    func write(over current: Run?, holder: LeaseHolder?) -> RunWrite {
        let leased = Self.isLeasedDispatch(run)
        let keeps = leased && current.map {
            Self.isLeasedDispatch($0) && $0.timerDueAt == run.timerDueAt
                && RunMachine.DispatchTicket(run: $0) == RunMachine.DispatchTicket(run: run)
        } == true
        return RunWrite(
            run: run, expectedVersion: current?.version ?? 0, candidateStatus: candidateStatus, history: history,
            leaseHolder: leased && !keeps ? holder : nil, keepsLease: keeps)
    }

    /// Whether `run`'s timer is the lease of a dispatch in flight.
    private static func isLeasedDispatch(_ run: Run) -> Bool {
        run.status == .running && run.currentResult?.dispatch == .inFlight && run.timerDueAt != nil
    }
}

/// What applying an event decided.
enum EventDecision: Sendable {
    /// Write this transition.
    case apply(RunTransition)
    /// The event repeats what is already recorded; nothing to write.
    case duplicate
}

/// The run state machine as pure functions: given a run record and an input, decide the next
/// record or reject the input. No I/O; the ``Orchestrator`` stores the result.
enum RunMachine {
    // MARK: Start

    /// A new generation of the run for `candidate` (inputs already validated), executing
    /// `steps` (the candidate's planned steps).
    static func start(
        existing: Run?,
        runID: RunID,
        migration: Migration,
        steps: [StepDefinition],
        candidate: Candidate,
        inputs: [String: String],
        startedBy: String,
        now: Timestamp
    ) throws(LoomError) -> RunTransition {
        if let existing {
            switch existing.status {
            case .running, .waitingRetry:
                throw LoomError(
                    code: .alreadyRunning,
                    message: "candidate \(Identifier.quoted(candidate.id)) already has a running run"
                )
            case .completed:
                throw LoomError(
                    code: .alreadyCompleted,
                    message: "candidate \(Identifier.quoted(candidate.id)) already completed this migration"
                )
            case .cancelled, .failed:
                break
            }
        }
        var snapshot = candidate
        snapshot.metadata.merge(inputs) { _, new in new }
        snapshot.status = .running
        let generation = (existing?.generation ?? 0) + 1
        var run = Run(
            id: runID,
            status: .running,
            steps: steps,
            candidate: snapshot,
            migratorUrl: migration.migratorUrl,
            inputs: inputs,
            createdAt: now,
            updatedAt: now,
            version: existing?.version ?? 0,
            generation: generation,
            startedBy: startedBy
        )
        var history = [
            HistoryEntry(
                at: now, kind: .runStarted, runStatus: .running,
                detail: startedBy.isEmpty ? "started" : "started by \(startedBy)", generation: generation
            )
        ]
        let required: Set<CandidateStatus> = [.notStarted]
        guard let first = steps.first else {
            run.status = .completed
            run.candidate.status = .completed
            run.finishedAt = now
            history.append(HistoryEntry(at: now, kind: .runCompleted, runStatus: .completed, detail: "no steps", generation: generation))
            return RunTransition(
                run: run, candidateStatus: CandidateStatusChange(newStatus: .completed, requiredCurrent: required),
                history: history
            )
        }
        run.results = [StepResult(stepName: first.name, attempt: 1, at: now)]
        run.timerDueAt = now
        return RunTransition(
            run: run, candidateStatus: CandidateStatusChange(newStatus: .running, requiredCurrent: required),
            history: history
        )
    }

    // MARK: Dispatch

    /// Whether the run's current step waits to be POSTed and its timer is due.
    static func isDispatchDue(_ run: Run, now: Timestamp) -> Bool {
        guard run.status == .running, let result = run.currentResult, result.status == .inProgress,
            result.dispatch == .pending, let due = run.timerDueAt
        else { return false }
        return due <= now
    }

    /// Beat 1: record that a POST is starting, with the dispatch lease as the run's timer.
    static func beginDispatch(_ run: Run, now: Timestamp, lease: Duration) -> RunTransition {
        var run = run
        let index = run.results.count - 1
        run.results[index].dispatch = .inFlight
        run.results[index].dispatchCount += 1
        run.results[index].updatedAt = now
        run.updatedAt = now
        run.timerDueAt = now + lease
        let result = run.results[index]
        return RunTransition(
            run: run, candidateStatus: nil,
            history: [entry(run, result, .stepDispatched, now, "dispatch POST #\(result.dispatchCount)")]
        )
    }

    /// Whether `run`'s current step was just recorded in flight for its first POST of the
    /// attempt and nothing else happened since (the state ``Orchestrator/foldingDispatch(_:now:)``
    /// leaves behind).
    static func isAwaitingFirstPost(_ run: Run) -> Bool {
        guard run.status == .running, let result = run.currentResult else { return false }
        return result.status == .inProgress && result.dispatch == .inFlight && result.dispatchCount == 1
            && result.updatedAt == run.updatedAt
    }

    /// Identifies one POST: the run generation, step index, attempt and dispatch count.
    struct DispatchTicket: Hashable, Sendable {
        var generation: UInt32
        var stepIndex: Int
        var attempt: UInt32
        var dispatchCount: UInt32

        init(run: Run) {
            generation = run.generation
            stepIndex = run.currentStep
            attempt = run.currentResult?.attempt ?? 0
            dispatchCount = run.currentResult?.dispatchCount ?? 0
        }
    }

    /// Whether `run` is still in flight for exactly the POST `ticket` (beat 3 applies only then:
    /// an event that raced ahead wins).
    static func isInFlight(_ run: Run, for ticket: DispatchTicket) -> Bool {
        guard run.status == .running, run.generation == ticket.generation, run.currentStep == ticket.stepIndex,
            let result = run.currentResult
        else { return false }
        return result.attempt == ticket.attempt && result.dispatchCount == ticket.dispatchCount
            && result.dispatch == .inFlight
    }

    /// Beat 3 after a 2xx: the step now waits for events. Its timer is the earlier of its
    /// deadline (`timeout` from now, if any) and its first status check (after `silence`, if
    /// status checks are on; see `RunMachine+StatusCheck.swift`).
    static func dispatchAcknowledged(_ run: Run, now: Timestamp, timeout: Duration?, silence: Duration?) -> RunTransition {
        var run = run
        let index = run.results.count - 1
        run.results[index].dispatch = .delivered
        run.results[index].lastDispatchError = nil
        run.results[index].updatedAt = now
        run.results[index].deadlineAt = timeout.map { now + $0 }
        run.results[index].statusCheckAt = silence.map { now + $0 }
        run.updatedAt = now
        run.timerDueAt = waitingTimer(run.results[index])
        let result = run.results[index]
        return RunTransition(
            run: run, candidateStatus: nil,
            history: [entry(run, result, .stepDispatched, now, "acknowledged by migrator")]
        )
    }

    /// Beat 3 after a failed POST (or a dispatch lease that expired): back off and re-send, or
    /// fail the step after the last allowed POST. With `immediately`, the re-send is due now (a
    /// POST whose outcome was lost with the replica that made it, not a failure of the migrator).
    static func dispatchFailed(
        _ run: Run, reason: String, now: Timestamp, configuration: Orchestrator.Configuration, random: Double,
        immediately: Bool = false
    ) -> RunTransition {
        var run = run
        let index = run.results.count - 1
        let count = run.results[index].dispatchCount
        run.results[index].lastDispatchError = reason
        run.results[index].updatedAt = now
        run.updatedAt = now
        var history = [entry(run, run.results[index], .dispatchFailed, now, "POST #\(count) failed: \(reason)")]
        if count >= configuration.maxDispatchAttempts {
            let failure = "dispatch failed after \(count) attempt\(count == 1 ? "" : "s"): \(reason)"
            failStep(&run, index: index, reason: failure, now: now)
            history.append(entry(run, run.results[index], .stepFailed, now, failure))
        } else {
            run.results[index].dispatch = .pending
            let delay = immediately ? .zero : configuration.backoff(afterFailures: count, random: random)
            run.timerDueAt = now + delay
            history[0].detail += "; next POST in \(delay.wholeMilliseconds) ms"
        }
        return RunTransition(run: run, candidateStatus: nil, history: history)
    }

    /// Whether the step's deadline passed while waiting for its outcome.
    static func isTimeoutDue(_ run: Run, now: Timestamp) -> Bool {
        guard run.status == .running, let result = run.currentResult, result.status.isPending,
            result.dispatch == .delivered, let due = deadline(of: run)
        else { return false }
        return due <= now
    }

    /// Whether `run` has a POST recorded in flight at or before `time`: after its lease was taken
    /// over from an earlier incarnation of this replica at `time`, that POST's outcome was lost
    /// with the incarnation (a POST recorded later is another replica's, still live).
    static func isDispatchAbandoned(_ run: Run, before time: Timestamp) -> Bool {
        guard run.status == .running, let result = run.currentResult else { return false }
        return result.status == .inProgress && result.dispatch == .inFlight && result.updatedAt <= time
    }

    /// Whether a POST recorded as in flight outlived its lease (the replica died or hung).
    static func isDispatchLeaseExpired(_ run: Run, now: Timestamp) -> Bool {
        guard run.status == .running, let result = run.currentResult, result.status == .inProgress,
            result.dispatch == .inFlight, let due = run.timerDueAt
        else { return false }
        return due <= now
    }

    /// The step's deadline passed: fail it (the run waits for a retry or cancel).
    static func timedOut(_ run: Run, now: Timestamp, timeout: Duration?) -> RunTransition {
        var run = run
        let index = run.results.count - 1
        let seconds = timeout.map { "\(Double($0.wholeMilliseconds) / 1000) s" } ?? "its deadline"
        let reason = "step timed out: no outcome within \(seconds)"
        failStep(&run, index: index, reason: reason, now: now)
        return RunTransition(run: run, candidateStatus: nil, history: [entry(run, run.results[index], .stepTimedOut, now, reason)])
    }

    // MARK: Operator actions

    /// A retry of the current, failed step: a fresh attempt, dispatched at once.
    static func retry(_ run: Run, stepName: String, now: Timestamp) throws(LoomError) -> RunTransition {
        switch run.status {
        case .completed, .cancelled, .failed:
            throw LoomError(code: .notRunning, message: "run \(Identifier.quoted(run.id.description)) is \(run.status.rawValue)")
        case .running:
            throw LoomError(
                code: .stepNotRetryable,
                message: "step \(Identifier.quoted(stepName)) has not failed; only a failed current step can be retried"
            )
        case .waitingRetry:
            break
        }
        guard let current = run.currentResult, current.stepName == stepName, current.status == .failed else {
            let failed = run.currentResult?.stepName ?? ""
            throw LoomError(
                code: .stepNotRetryable,
                message: "step \(Identifier.quoted(stepName)) is not the failed step (\(Identifier.quoted(failed)))"
            )
        }
        var run = run
        let index = run.results.count - 1
        run.results[index] = StepResult(stepName: stepName, attempt: current.attempt + 1, at: now)
        run.status = .running
        run.updatedAt = now
        run.timerDueAt = now
        return RunTransition(
            run: run, candidateStatus: nil,
            history: [entry(run, run.results[index], .stepRetried, now, "attempt \(current.attempt + 1)")]
        )
    }

    /// A cancel: the run ends `cancelled` (or, with `failed`, `failed`: an operator gives up on a
    /// run waiting for a retry) and the candidate returns to `not_started`.
    static func cancel(_ run: Run, reason: String, failed: Bool = false, now: Timestamp) throws(LoomError) -> RunTransition {
        guard !run.status.isFinished else {
            throw LoomError(code: .notRunning, message: "candidate \(Identifier.quoted(run.candidateId)) is not running")
        }
        if failed, run.status != .waitingRetry {
            throw LoomError(
                code: .failedPrecondition,
                message: "only a run waiting for a retry can be ended as failed; run \(Identifier.quoted(run.id.description)) is \(run.status.rawValue)")
        }
        var run = run
        if let index = run.results.indices.last, run.results[index].status.isPending || run.results[index].status == .failed,
            run.results[index].stepName == run.currentStepDefinition?.name
        {
            run.results[index].status = .cancelled
            run.results[index].finishedAt = run.results[index].finishedAt ?? now
            run.results[index].updatedAt = now
            run.results[index].statusCheckAt = nil
            run.results[index].stalledSince = nil
        }
        run.status = failed ? .failed : .cancelled
        run.candidate.status = .notStarted
        run.updatedAt = now
        run.finishedAt = now
        if failed {
            let stepReason = run.currentResult?.failureReason ?? ""
            run.failureReason = reason.isEmpty ? (stepReason.isEmpty ? "abandoned" : stepReason) : reason
        } else {
            run.failureReason = reason.isEmpty ? nil : reason
        }
        run.timerDueAt = nil
        let current = run.currentResult
        var history = HistoryEntry(
            at: now, kind: failed ? .runFailed : .runCancelled, stepName: current?.stepName ?? "", attempt: current?.attempt ?? 0,
            stepStatus: current?.status, runStatus: run.status,
            detail: failed ? "abandoned: \(run.failureReason ?? "")" : (reason.isEmpty ? "cancelled" : "cancelled: \(reason)"),
            generation: run.generation
        )
        if current == nil { history.stepStatus = nil }
        return RunTransition(
            run: run, candidateStatus: CandidateStatusChange(newStatus: .notStarted), history: [history]
        )
    }

    // MARK: Helpers

    static func failStep(_ run: inout Run, index: Int, reason: String, now: Timestamp) {
        run.results[index].status = .failed
        run.results[index].failureReason = reason
        run.results[index].finishedAt = now
        run.results[index].updatedAt = now
        run.results[index].statusCheckAt = nil
        run.results[index].stalledSince = nil
        run.status = .waitingRetry
        run.updatedAt = now
        run.timerDueAt = nil
    }

    /// The idempotency key of every POST about an attempt (dispatch re-sends, status checks):
    /// `{runId}/{generation}/{step}/{attempt}`.
    static func idempotencyKey(_ run: Run, stepName: String, attempt: UInt32) -> String {
        "\(run.id)/\(run.generation)/\(stepName)/\(attempt)"
    }

    static func entry(_ run: Run, _ result: StepResult, _ kind: HistoryKind, _ now: Timestamp, _ detail: String) -> HistoryEntry {
        HistoryEntry(
            at: now, kind: kind, stepName: result.stepName, attempt: result.attempt, stepStatus: result.status,
            runStatus: run.status, detail: detail, generation: run.generation
        )
    }
}
