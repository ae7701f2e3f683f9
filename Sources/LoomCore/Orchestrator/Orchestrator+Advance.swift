import Logging

extension Orchestrator {
    /// One pass over a run whose timer is (or may be) due: dispatch, re-send after a lost
    /// dispatch, time the step out, or ask the migrator about a silent step — whatever the
    /// stored state calls for. Idempotent and safe to run on several replicas at once.
    /// - Parameter takenOverAt: Set when the run's lease was just taken over from an earlier
    ///   incarnation of this replica: a dispatch recorded in flight no later than this was
    ///   abandoned by that incarnation, and is re-sent at once instead of after its lease.
    func advance(_ runID: RunID, hint: Run? = nil, takenOverAt: Timestamp? = nil) async {
        do {
            var passes = 0
            var known = hint
            var takenOverAt = takenOverAt
            while passes < Int(configuration.maxDispatchAttempts) + 2 {
                passes += 1
                guard let next = try await advanceOnce(runID, known: known, takenOverAt: takenOverAt) else { return }
                known = next
                takenOverAt = nil
            }
        } catch let error as LoomError where error.code == .notFound {
            logger.debug("timer for a run that no longer exists", metadata: ["run": "\(runID)"])
        } catch {
            logger.warning("advancing run failed; its timer will retry", metadata: ["run": "\(runID)", "error": "\(error)"])
        }
    }

    /// Does the due work of one state; returns the run when more work became due at once.
    private func advanceOnce(_ runID: RunID, known: Run?, takenOverAt: Timestamp?) async throws -> Run? {
        var idle: Run?
        var statusCheck: Run?
        let (run, applied) = try await mutate(runID, known: known) { run in
            let now = clock.now()
            idle = nil
            statusCheck = nil
            if let takenOverAt, RunMachine.isDispatchAbandoned(run, before: takenOverAt) {
                return RunMachine.dispatchFailed(
                    run, reason: "the replica that made it restarted before recording its outcome", now: now,
                    configuration: configuration, random: random(), immediately: true
                )
            }
            if RunMachine.isDispatchDue(run, now: now) {
                let lease = configuration.dispatchTimeout + configuration.dispatchLeaseMargin
                return RunMachine.beginDispatch(run, now: now, lease: lease)
            }
            if RunMachine.isDispatchLeaseExpired(run, now: now) {
                return RunMachine.dispatchFailed(
                    run, reason: "no dispatch outcome recorded before the lease expired", now: now,
                    configuration: configuration, random: random()
                )
            }
            if RunMachine.isTimeoutDue(run, now: now), let step = run.currentStepDefinition {
                return RunMachine.timedOut(run, now: now, timeout: configuration.timeout(of: step))
            }
            if RunMachine.isStatusCheckDue(run, now: now) {
                // The POST is made outside the write; its answer is recorded by `checkStepStatus`.
                guard configuration.stepSilence != nil else { return RunMachine.statusCheckDropped(run) }
                statusCheck = run
                return nil
            }
            idle = run
            return nil
        }
        if let run = statusCheck, !applied {
            try await checkStepStatus(run)
            return nil
        }
        guard applied else {
            if let run = idle {
                // A claim pushed the timer to its lease; put it back where the record wants it,
                // unless it is due yet matches no work (then the lease stands, avoiding a hot loop).
                if run.timerDueAt.map({ $0 > clock.now() }) ?? true {
                    try await store.restoreTimer(of: runID, version: run.version)
                } else {
                    logger.warning("due timer matches no work", metadata: ["run": "\(runID)"])
                }
            }
            return nil
        }
        var latest = run
        if run.status == .running, let result = run.currentResult, result.dispatch == .inFlight {
            latest = try await dispatch(run)
        }
        return RunMachine.isDispatchDue(latest, now: clock.now()) ? latest : nil
    }

    /// Beats 2 and 3 for a dispatch this replica began in another transition, then whatever
    /// became due.
    func post(_ run: Run) async {
        do {
            let latest = try await dispatch(run)
            if RunMachine.isDispatchDue(latest, now: clock.now()) { await advance(run.id, hint: latest) }
        } catch let error as LoomError where error.code == .notFound {
            logger.debug("dispatch for a run that no longer exists", metadata: ["run": "\(run.id)"])
        } catch {
            logger.warning("recording a dispatch outcome failed; its lease will retry", metadata: ["run": "\(run.id)", "error": "\(error)"])
        }
    }

    /// Beats 2 and 3: POST the step, then record the outcome if the run is still in flight for
    /// it. Returns the run as last read or written.
    func dispatch(_ run: Run) async throws -> Run {
        guard let step = run.currentStepDefinition, let result = run.currentResult else { return run }
        let ticket = RunMachine.DispatchTicket(run: run)
        let request = dispatchRequest(run, step: step, result: result)
        metrics.dispatchAttempts.increment()
        var failure: String?
        do {
            try await migrator.dispatchStep(request, baseURL: run.migratorUrl, timeout: configuration.dispatchTimeout)
        } catch let error as MigratorCallError {
            failure = error.description
        } catch {
            failure = MigratorCallError(.unreachable, detail: "\(error)").description
        }
        // Once the run has left "in flight for this POST" it never returns to it (every POST
        // bumps the dispatch count), so a newer copy that says so is final.
        var gaveUp = false
        let outcome: (run: Run, applied: Bool)
        do {
            outcome = try await mutate(run.id, known: run, settledAfter: run.version) { current in
                gaveUp = false
                guard RunMachine.isInFlight(current, for: ticket) else { return nil }
                let now = clock.now()
                if let failure {
                    let transition = RunMachine.dispatchFailed(
                        current, reason: failure, now: now, configuration: configuration, random: random()
                    )
                    gaveUp = transition.history.contains { $0.kind == .stepFailed }
                    return transition
                }
                return RunMachine.dispatchAcknowledged(
                    current, now: now, timeout: configuration.timeout(of: step), silence: configuration.stepSilence)
            }
        } catch {
            if let failure { logTransientDispatchFailure(run, step: step, failure: failure) }
            throw error
        }
        // The last attempt's failure is logged once, as the step's give-up (`logOutcomes`).
        if let failure, !(outcome.applied && gaveUp) { logTransientDispatchFailure(run, step: step, failure: failure) }
        return outcome.run
    }

    /// One failed POST that does not (or not yet) fail the step.
    private func logTransientDispatchFailure(_ run: Run, step: StepDefinition, failure: String) {
        logger.info("dispatch failed", metadata: ["run": "\(run.id)", "step": "\(step.name)", "error": "\(failure)"])
    }

    /// The `/dispatch-step` body for the run's current attempt.
    func dispatchRequest(_ run: Run, step: StepDefinition, result: StepResult) -> DispatchStepRequest {
        let claims = CallbackClaims(runID: run.id, generation: run.generation, stepName: step.name, attempt: result.attempt)
        let base = configuration.callbackBaseURL
        return DispatchStepRequest(
            migrationId: run.migrationId,
            stepName: step.name,
            candidate: run.candidate,
            config: step.config,
            callbackId: run.id.description,
            eventName: "step-completed:\(step.name):\(run.candidateId)",
            migratorApp: step.migratorApp,
            migratorUrl: run.migratorUrl,
            type: step.type,
            attempt: result.attempt,
            generation: run.generation,
            idempotencyKey: RunMachine.idempotencyKey(run, stepName: step.name, attempt: result.attempt),
            callbackToken: signer?.issue(claims) ?? "",
            callbackUrl: base.isEmpty
                ? "" : "\(base.hasSuffix("/") ? String(base.dropLast()) : base)/event/\(run.migrationId)__\(CandidateID.escapedForKey(run.candidateId))"
        )
    }
}
