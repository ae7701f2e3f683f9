extension RunMachine {
    /// How a migrator's report maps onto a step status (§3.3 of the reference, with Loom's fixes:
    /// `metadata.phase` is honoured when the top-level phase is empty, and unknown phases fail
    /// the step with a clear reason instead of being stored as a status).
    enum Outcome: Equatable, Sendable {
        case intermediate(StepStatus)
        case success(StepStatus)
        case failure(String)
    }

    static func outcome(of event: StepEvent) -> Outcome {
        guard event.success else {
            let reason = event.failureReason.isEmpty ? "migrator reported failure" : event.failureReason
            return .failure(reason)
        }
        switch event.effectivePhase {
        case "", "completed": return .success(.completed)
        case "merged": return .success(.merged)
        case "open": return .intermediate(.open)
        case "awaiting_review": return .intermediate(.awaitingReview)
        case "failed":
            return .failure(event.failureReason.isEmpty ? "migrator reported phase \"failed\"" : event.failureReason)
        case let phase:
            return .failure("unknown phase \(Identifier.quoted(phase)) reported with success")
        }
    }

    /// Whether `event` repeats the event that gave its step the outcome the run records (the
    /// generation and candidate are already checked): the step's recorded attempt (the token's
    /// attempt, or for a trusted caller the step's latest), a finished step (completed, merged,
    /// failed), the same phase verbatim, and the same outcome — the same success status, or a
    /// failure with the same reason. Metadata is not compared: a finished step keeps what it
    /// recorded. (A repeat of the current intermediate phase is the `.duplicate` further on.)
    static func isExactRepeat(_ run: Run, event: StepEvent, claims: CallbackClaims?) -> Bool {
        guard let result = run.results.last(where: { $0.stepName == event.stepName }), result.finishedAt != nil,
            claims.map({ $0.attempt == result.attempt }) ?? true, event.effectivePhase == result.phase
        else { return false }
        switch outcome(of: event) {
        case .success(let status): return result.status == status
        case .failure(let reason): return result.status == .failed && result.failureReason == reason
        case .intermediate: return false
        }
    }

    /// Applies a step event to the run, or rejects it as stale (changing nothing).
    /// - Parameters:
    ///   - claims: The verified callback-token claims, or `nil` for a trusted caller (then the
    ///     event is for the current attempt of the current generation).
    static func applyEvent(
        _ run: Run, event: StepEvent, claims: CallbackClaims?, now: Timestamp, timeout: (StepDefinition) -> Duration?
    ) throws(LoomError) -> EventDecision {
        guard event.candidateId == run.candidateId else {
            throw .rejected(
                .wrongCandidate,
                "event is for candidate \(Identifier.quoted(event.candidateId)), run is for \(Identifier.quoted(run.candidateId))"
            )
        }
        if let claims, claims.generation != run.generation {
            throw .rejected(.staleAttempt, "event is for an earlier run (generation \(claims.generation), current \(run.generation))")
        }
        if let claims, claims.stepName != event.stepName {
            throw .rejected(.staleAttempt, "callback token was issued for step \(Identifier.quoted(claims.stepName))")
        }
        // Before the checks of the run's current state: a migrator that resends an event
        // whose answer it lost must learn that it was applied, however far the run moved since.
        if isExactRepeat(run, event: event, claims: claims) { return .duplicate }
        guard !run.status.isFinished else {
            throw .rejected(.finishedRun, "run \(Identifier.quoted(run.id.description)) is \(run.status.rawValue)")
        }
        guard let step = run.currentStepDefinition, var result = run.currentResult else {
            throw .rejected(.notCurrentStep, "run has no current step")
        }
        guard event.stepName == step.name else {
            if run.steps[..<run.currentStep].contains(where: { $0.name == event.stepName }) {
                throw .rejected(.notCurrentStep, "step \(Identifier.quoted(event.stepName)) already finished")
            }
            throw .rejected(.notCurrentStep, "step \(Identifier.quoted(event.stepName)) is not the current step (\(Identifier.quoted(step.name)))")
        }
        if let claims, claims.attempt != result.attempt {
            throw .rejected(.staleAttempt, "event is for attempt \(claims.attempt) of step \(Identifier.quoted(step.name)), current attempt is \(result.attempt)")
        }
        guard run.status == .running, result.status.isPending else {
            throw .rejected(.stepFailed, "step \(Identifier.quoted(step.name)) failed and waits for a retry or cancel")
        }

        var merged = result.metadata
        merged.merge(event.metadata) { _, new in new }
        let outcome = outcome(of: event)
        let phase = event.effectivePhase
        if case .intermediate(let status) = outcome, status == result.status, merged == result.metadata,
            result.dispatch == .delivered, phase == result.phase
        {
            return .duplicate
        }

        var run = run
        let index = run.results.count - 1
        let wasInFlight = result.dispatch != .delivered
        // An event that raced ahead of the dispatch reply starts the step's deadline; a later
        // event keeps it. Any event stops the status checks of the attempt and ends a stall.
        let deadline = wasInFlight ? timeout(step).map { now + $0 } : deadline(of: run)
        result.metadata = merged
        result.phase = phase
        result.updatedAt = now
        result.dispatch = .delivered
        result.deadlineAt = deadline
        result.statusCheckAt = nil
        result.stalledSince = nil
        run.updatedAt = now
        switch outcome {
        case .intermediate(let status):
            result.status = status
            run.results[index] = result
            run.timerDueAt = deadline
            return .apply(
                RunTransition(run: run, candidateStatus: nil, history: [entry(run, result, .eventApplied, now, "phase \(phase)")])
            )
        case .failure(let reason):
            run.results[index] = result
            failStep(&run, index: index, reason: reason, now: now)
            return .apply(
                RunTransition(run: run, candidateStatus: nil, history: [entry(run, run.results[index], .stepFailed, now, reason)])
            )
        case .success(let status):
            result.status = status
            result.finishedAt = now
            run.results[index] = result
            var history = [entry(run, result, .stepCompleted, now, phase.isEmpty ? status.rawValue : "phase \(phase)")]
            run.currentStep += 1
            if let next = run.currentStepDefinition {
                run.results.append(StepResult(stepName: next.name, attempt: 1, at: now))
                run.timerDueAt = now
                return .apply(RunTransition(run: run, candidateStatus: nil, history: history))
            }
            run.status = .completed
            run.candidate.status = .completed
            run.finishedAt = now
            run.timerDueAt = nil
            history.append(HistoryEntry(at: now, kind: .runCompleted, runStatus: .completed, generation: run.generation))
            return .apply(
                RunTransition(run: run, candidateStatus: CandidateStatusChange(newStatus: .completed), history: history)
            )
        }
    }
}
