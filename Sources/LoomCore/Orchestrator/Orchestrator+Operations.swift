extension Orchestrator {
    /// Starts a new generation of the run of `candidate` (validated by the service), atomically
    /// with the candidate's move to `running`, and dispatches its first step (fast path).
    func startRun(
        migration: Migration, steps: [StepDefinition], candidate: Candidate, inputs: [String: String], startedBy: String
    ) async throws -> Run {
        let runID = try RunID(migrationId: migration.id, candidateId: candidate.id)
        await writeGate.acquire(runID)
        defer { writeGate.release(runID) }
        // A candidate that is not started usually has no run record yet: try creating it
        // straight away. An existing record (an earlier, cancelled generation) turns that into
        // a conflict whose reply carries the record, so no read is wasted either way.
        var known: Run?? = candidate.status == .notStarted ? .some(nil) : nil
        for _ in 0..<configuration.maxConflictRetries {
            let existing: Run?
            if let known {
                existing = known
            } else {
                do {
                    existing = try await store.run(id: runID)
                } catch let error as LoomError where error.code == .notFound {
                    existing = nil
                }
            }
            let now = clock.now()
            let transition = foldingDispatch(
                try RunMachine.start(
                    existing: existing, runID: runID, migration: migration, steps: steps, candidate: candidate,
                    inputs: inputs, startedBy: startedBy, now: now
                ), now: now)
            switch try await store.apply(transition.write(over: existing, holder: leaseHolder)) {
            case .applied(let run):
                recentRuns.remember(run)
                metrics.record(transition.history)
                logOutcomes(transition.history, run: run)
                await changeSignals.signal(runID)
                await follow(run)
                return run
            case .conflict(let current):
                metrics.transitionConflicts.increment()
                known = .some(current)
                if let current { recentRuns.remember(current, authoritative: true) }
                continue
            case .candidateRejected(let current):
                switch current {
                case .running:
                    throw LoomError(code: .alreadyRunning, message: "candidate \(Identifier.quoted(candidate.id)) already has status \"running\"")
                case .completed:
                    throw LoomError(code: .alreadyCompleted, message: "candidate \(Identifier.quoted(candidate.id)) already has status \"completed\"")
                case .notStarted, nil:
                    throw LoomError.candidateNotFound(candidate.id, migrationId: migration.id)
                }
            case .campaignFull(let campaignId):
                throw LoomError.campaignFull(campaignId)
            }
        }
        throw LoomError.conflict("run \(runID) changed concurrently too often; try again")
    }

    /// Cancels the run: it ends `cancelled` (or `failed`, see ``RunMachine/cancel(_:reason:failed:now:)``),
    /// the candidate returns to `not_started`, and any later event or dispatch reply for it is
    /// refused or ignored.
    func cancelRun(_ runID: RunID, reason: String, failed: Bool = false) async throws -> Run {
        try await mutate(runID) { run in
            try RunMachine.cancel(run, reason: reason, failed: failed, now: clock.now())
        }.run
    }

    /// Retries the run's current, failed step with a fresh attempt, dispatched at once.
    func retryStep(_ runID: RunID, stepName: String) async throws -> Run {
        let run = try await mutate(runID) { run in
            let now = clock.now()
            return foldingDispatch(try RunMachine.retry(run, stepName: stepName, now: now), now: now)
        }.run
        await follow(run)
        return run
    }

    /// Applies a step event (claims from a verified callback token, or `nil` for a trusted
    /// caller); a success dispatches the next step at once. An exact repeat of an event already
    /// applied writes nothing (``StepEventReceipt/alreadyApplied``).
    func applyEvent(_ runID: RunID, event: StepEvent, claims: CallbackClaims?) async throws -> StepEventReceipt {
        let (run, applied) = try await mutate(runID) { run in
            let now = clock.now()
            let decision = try RunMachine.applyEvent(
                run, event: event, claims: claims, now: now, timeout: { configuration.timeout(of: $0) }
            )
            switch decision {
            case .apply(let transition): return foldingDispatch(transition, now: now)
            case .duplicate: return nil
            }
        }
        if applied { await follow(run) }
        return StepEventReceipt(run: run, alreadyApplied: !applied)
    }

    /// Appends an `event_rejected` entry to the run's history, changing nothing else (the run
    /// keeps its state; its version moves so watchers see the entry).
    func recordRejectedEvent(_ runID: RunID, reason: EventRejection, detail: String, stepName: String) async throws {
        _ = try await mutate(runID) { run in
            let current = run.currentResult
            let entry = HistoryEntry(
                at: clock.now(), kind: .eventRejected, stepName: stepName, attempt: current?.stepName == stepName ? current?.attempt ?? 0 : 0,
                runStatus: run.status, detail: "\(reason.rawValue): \(detail)", generation: run.generation)
            return RunTransition(run: run, candidateStatus: nil, history: [entry])
        }
    }
}
