extension Orchestrator {
    /// Campaigns claimed per partition and tick.
    static let campaignClaimBatch = 16

    /// Claims the due campaign timers of every partition and drives each campaign once
    /// (``driveCampaign(_:leasedUntil:)``). Returns how many were claimed.
    func tickCampaigns(now: Timestamp) async -> Int {
        var claimed = 0
        for partition in 0..<store.timerPartitionCount {
            do {
                let due = try await store.claimDueCampaigns(
                    partition: partition, now: now, lease: configuration.timerLease, limit: Self.campaignClaimBatch)
                for claim in due { await driveCampaign(claim.id, leasedUntil: claim.leasedUntil) }
                claimed += due.count
            } catch {
                logger.warning("claiming due campaigns failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
        }
        return claimed
    }

    /// One pass over a campaign whose timer this replica claimed, then its timer is settled at
    /// the time the pass asks for. A failure leaves the claim to expire: the campaign is driven
    /// again after ``Configuration/timerLease``, by this replica or another.
    func driveCampaign(_ id: String, leasedUntil: Timestamp) async {
        do {
            let next = try await campaignPass(id)
            try await store.settleCampaignTimer(id: id, leasedUntil: leasedUntil, due: next)
        } catch {
            logger.warning("driving a campaign failed; it is tried again when its timer lease expires", metadata: ["campaign": "\(id)", "error": "\(error)"])
        }
    }

    /// Decides (``CampaignPlanner``) and acts: starts members, pauses on a spent budget, or
    /// completes. Returns when the campaign's timer should fire next (`nil`: when a run of the
    /// campaign wakes it).
    func campaignPass(_ id: String) async throws -> Timestamp? {
        let campaign = try await store.campaign(id: id)
        let now = clock.now()
        let window = try await store.campaignStartWindow(id: id, now: now)
        switch campaign.decide(window: window) {
        case .wait(let until):
            return until
        case .complete:
            try await settle(campaign, state: .completed, event: CampaignEvent(at: now, kind: .completed, detail: "every member settled"))
            logger.info("campaign completed", metadata: ["campaign": "\(id)", "counts": "\(campaign.counts)"])
            return nil
        case .pause(let reason):
            try await settle(campaign, state: .paused, reason: reason, event: CampaignEvent(at: now, kind: .budgetSpent, detail: reason))
            logger.warning("campaign paused: its failure budget is spent", metadata: ["campaign": "\(id)", "reason": "\(reason)"])
            return nil
        case .start(let count):
            let room = min(count, configuration.claimBatchSize, configuration.maxInFlightRuns - (await tasks.count))
            // This replica is busy: look again after a tick rather than start work it cannot carry.
            guard room > 0 else { return now + configuration.tickInterval }
            let members = try await store.pendingCampaignMembers(id: id, limit: room)
            guard !members.isEmpty else {
                logger.warning("campaign counts pending members but none is pending; recount it", metadata: ["campaign": "\(id)"])
                return nil
            }
            let migration = try await store.migrationDefinition(id: campaign.migrationId)
            for member in members {
                guard try await startMember(member, of: campaign, migration: migration) else {
                    // Refused: the cap, the rate or the state changed under this pass. Decide again
                    // after a tick (never in a tight loop).
                    return clock.now() + configuration.tickInterval
                }
            }
            // More may be startable now; the next tick decides.
            return clock.now()
        }
    }

    /// Writes the campaign's new state (version-checked; a lost race is left to the next pass).
    private func settle(_ campaign: Campaign, state: CampaignState, reason: String = "", event: CampaignEvent) async throws {
        var changed = campaign
        changed.state = state
        changed.stateReason = reason
        changed.updatedAt = event.at
        _ = try await store.apply(CampaignWrite(campaign: changed, expectedVersion: campaign.version, event: event, timerDueAt: nil))
    }

    /// Starts one member's run as ``startRun(migration:steps:candidate:inputs:startedBy:)``
    /// would, through the campaign's atomic start; a member that cannot start (missing inputs,
    /// a busy or finished candidate) is skipped with the reason. Returns `false` when the store
    /// refused the start (nothing was written).
    private func startMember(_ member: CampaignMember, of campaign: Campaign, migration: Migration) async throws -> Bool {
        func skip(_ note: String) async throws -> Bool {
            if try await store.skipCampaignMember(id: campaign.id, candidateId: member.candidateId, note: note) {
                logger.info("campaign member skipped", metadata: ["campaign": "\(campaign.id)", "candidate": "\(member.candidateId)", "reason": "\(note)"])
            }
            return true
        }
        let runID = try RunID(migrationId: campaign.migrationId, candidateId: member.candidateId)
        let candidate: Candidate
        do {
            candidate = try await store.candidate(migrationId: campaign.migrationId, candidateId: member.candidateId)
        } catch let error as LoomError where error.code == .notFound {
            return try await skip("candidate does not exist")
        }
        let inputs = candidate.inputs.merging(campaign.inputs) { _, shared in shared }.merging(member.inputs) { _, own in own }
        let missing = migration.requiredInputs.filter { (inputs[$0.name] ?? "").isEmpty }.map(\.name)
        guard missing.isEmpty else { return try await skip("missing required input: \(missing.joined(separator: ", "))") }
        await writeGate.acquire(runID)
        defer { writeGate.release(runID) }
        for _ in 0..<configuration.maxConflictRetries {
            let existing: Run?
            do {
                existing = try await store.run(id: runID)
            } catch let error as LoomError where error.code == .notFound {
                existing = nil
            }
            let now = clock.now()
            var transition: RunTransition
            if let existing, member.runGeneration > 0, existing.campaignId == campaign.id, existing.generation == member.runGeneration {
                // A failed member sent back to be retried (``Service/retryFailedCampaignMembers(id:by:)``): a fresh
                // attempt at its run's failed step, under the same checks as a start.
                guard existing.status == .waitingRetry, let step = existing.currentResult?.stepName else {
                    return try await skip("its run is \(existing.status.rawValue); only a run waiting for a retry can be retried")
                }
                do {
                    transition = try RunMachine.retry(existing, stepName: step, now: now)
                } catch {
                    return try await skip(error.message)
                }
            } else {
                do {
                    let steps = try candidate.plannedSteps(of: migration)
                    transition = try RunMachine.start(
                        existing: existing, runID: runID, migration: migration, steps: steps, candidate: candidate, inputs: inputs,
                        startedBy: campaign.createdBy, now: now)
                } catch {
                    return try await skip(error.message)
                }
                transition.run.campaignId = campaign.id
                if let first = transition.history.first, first.kind == .runStarted {
                    transition.history[0].detail = "started by campaign \(campaign.id) (created by \(campaign.createdBy))"
                }
            }
            transition = foldingDispatch(transition, now: now)
            let start = CampaignStart(
                campaignId: campaign.id, candidateId: member.candidateId, run: transition.write(over: existing, holder: leaseHolder), now: now)
            switch try await store.start(start) {
            case .started(let run):
                recentRuns.remember(run)
                metrics.record(transition.history)
                await changeSignals.signal(runID)
                await follow(run)
                return true
            case .skipped(let note):
                logger.info("campaign member skipped", metadata: ["campaign": "\(campaign.id)", "candidate": "\(member.candidateId)", "reason": "\(note)"])
                return true
            case .refused:
                return false
            case .runConflict:
                metrics.transitionConflicts.increment()
                continue
            }
        }
        return false
    }
}
