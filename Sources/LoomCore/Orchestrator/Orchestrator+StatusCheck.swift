import Logging

/// What asking `POST /step-status` came to, as the orchestrator records it.
enum StatusCheckAnswer: Sendable {
    /// 200 with a valid step event: applied as the callback it stands for.
    case outcome(StepEvent)
    /// 202: still working.
    case working
    /// 404, 405 or 501: the migrator has no such endpoint.
    case unsupported(httpStatus: Int)
    /// Anything else: another status, an undecodable or invalid body, no answer.
    case failed(String)

    /// The `answer` label of `loom_step_status_checks_total`.
    var metricLabel: String {
        switch self {
        case .outcome: "outcome"
        case .working: "working"
        case .unsupported: "unsupported"
        case .failed: "failed"
        }
    }
}

extension Orchestrator {
    /// Reconciliation of a lost callback: asks the migrator where the run's current step stands
    /// (`POST {migratorUrl}/step-status` with the dispatch's idempotency key) and records the
    /// answer — the outcome applied as if it were the callback (a repeat of what is recorded
    /// changes nothing, a conflicting one is refused and recorded), another check after another
    /// silence (202, or asking failed), or a stalled step (no such endpoint).
    ///
    /// Driven by the run's durable timer, so a restart or another replica takes a due check
    /// over. An answer changes the run only while the run still waits for that check; when a
    /// callback (or another replica's answer) came first, only an outcome is looked at, as the
    /// late callback it is.
    func checkStepStatus(_ run: Run) async throws {
        guard let silence = configuration.stepSilence, let step = run.currentStepDefinition, let result = run.currentResult,
            let ticket = RunMachine.StatusCheckTicket(run: run)
        else { return }
        let request = StepStatusRequest(
            migrationId: run.migrationId, candidateId: run.candidateId, callbackId: run.id.description, stepName: step.name,
            attempt: result.attempt, idempotencyKey: RunMachine.idempotencyKey(run, stepName: step.name, attempt: result.attempt))
        let answer = await askStepStatus(request, baseURL: run.migratorUrl)
        metrics.statusChecked(answer: answer.metricLabel)
        let claims = CallbackClaims(runID: run.id, generation: run.generation, stepName: step.name, attempt: result.attempt)
        var lateRefusal: LoomError?
        var refusal: EventRejection?
        let (stored, applied) = try await mutate(run.id, known: run) { current in
            lateRefusal = nil
            refusal = nil
            let now = clock.now()
            let waiting = RunMachine.isAwaitingStatusCheck(current, ticket)
            switch answer {
            case .outcome(let event):
                let decision: EventDecision
                do throws(LoomError) {
                    decision = try RunMachine.applyEvent(
                        current, event: event, claims: claims, now: now, timeout: { configuration.timeout(of: $0) })
                } catch {
                    guard let reason = error.eventRejection else { throw error }
                    refusal = reason
                    if waiting {
                        return RunMachine.statusAnswerRefused(current, reason: reason, message: error.message, now: now, silence: silence)
                    }
                    lateRefusal = error
                    return nil
                }
                switch decision {
                case .apply(let transition):
                    return foldingDispatch(RunMachine.answeredByStatusCheck(transition, asked: current, now: now), now: now)
                case .duplicate:
                    return waiting
                        ? RunMachine.statusCheckRescheduled(current, now: now, silence: silence, detail: "the migrator's answer repeats what is recorded")
                        : nil
                }
            case .working:
                return waiting
                    ? RunMachine.statusCheckRescheduled(current, now: now, silence: silence, detail: "the migrator is still working (HTTP 202)")
                    : nil
            case .unsupported(let status):
                return waiting ? RunMachine.stalled(current, httpStatus: status, now: now) : nil
            case .failed(let reason):
                return waiting
                    ? RunMachine.statusCheckRescheduled(current, now: now, silence: silence, detail: "asking /step-status failed: \(reason)")
                    : nil
            }
        }
        if let refusal { metrics.eventRejected(refusal) }
        if let lateRefusal, let reason = lateRefusal.eventRejection {
            try await recordRejectedEvent(
                run.id, reason: reason, detail: "\(lateRefusal.message) (reported by /step-status)", stepName: step.name)
        }
        guard applied else { return }
        logStatusCheck(answer, refused: refusal != nil, run: stored, step: step.name)
        await follow(stored)
    }

    /// POSTs the status request; never throws: every failure is an answer to record.
    private func askStepStatus(_ request: StepStatusRequest, baseURL: String) async -> StatusCheckAnswer {
        do {
            switch try await migrator.stepStatus(request, baseURL: baseURL, timeout: configuration.dispatchTimeout) {
            case .outcome(let event):
                do throws(LoomError) {
                    try Validation.event(event)
                } catch {
                    return .failed("the answer is not a valid step event: \(error.message)")
                }
                return .outcome(event)
            case .working:
                return .working
            case .unsupported(let status):
                return .unsupported(httpStatus: status)
            }
        } catch let error as MigratorCallError {
            return .failed(error.description)
        } catch {
            return .failed(MigratorCallError(.unreachable, detail: "\(error)").description)
        }
    }

    /// One line per recorded check: a stall at notice (an operator may act), a still-working
    /// answer at debug, the rest at info.
    private func logStatusCheck(_ answer: StatusCheckAnswer, refused: Bool, run: Run, step: String) {
        let metadata: Logger.Metadata = ["run": "\(run.id)", "step": "\(step)"]
        switch answer {
        case .outcome where refused:
            logger.info("the migrator's /step-status answer was refused as an event", metadata: metadata)
        case .outcome: logger.info("step outcome recovered from the migrator's /step-status", metadata: metadata)
        case .working: logger.debug("step still in progress at the migrator", metadata: metadata)
        case .unsupported(let status):
            logger.notice(
                "run stalled: no callback and the migrator has no /step-status",
                metadata: metadata.merging(["status": "\(status)"]) { $1 })
        case .failed(let reason):
            logger.info("asking the migrator for a step's status failed", metadata: metadata.merging(["error": "\(reason)"]) { $1 })
        }
    }
}
