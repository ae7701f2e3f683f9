import Logging

/// The durable, timer-driven run orchestrator that replaces Temporal.
///
/// All run state lives in the store; every change is one atomic, version-checked transition
/// (``RunStore/apply(_:)``) that also moves the run's timer and appends its history, so several
/// orchestrators (replicas) can share one store: a lost race is a version conflict, after which
/// the loser reloads and re-decides.
///
/// ### How a step runs
/// 1. The run's timer is due and its current step is pending: record *in flight* with a lease
///    timer (beat 1), POST `/dispatch-step` with the idempotency key
///    `{runId}/{generation}/{step}/{attempt}` (beat 2), then record *delivered* with the step
///    deadline as timer, or a back-off timer after a failure (beat 3). Beat 3 applies only if
///    the run is still in flight for that POST: an event that raced ahead wins.
/// 2. Events are single transitions; a success advances to the next step and, in the same
///    transition, records its dispatch in flight (beat 1 folded in; so do a start and a retry);
///    this replica then POSTs at once (fast path). A crash before the POST is a lost dispatch,
///    recovered when the lease expires — the timer is only the safety net.
/// 3. ``run()`` claims due timers under a lease (``tick()``): dispatches whose replica died,
///    back-off re-sends and step timeouts.
///
/// ### Leases and restarts
/// Every lease (a claimed timer, a dispatch in flight) records its holder: the replica's stable
/// id and this process's incarnation (``LeaseHolder``). Another replica takes a lease over only
/// when it expires; a restarted replica takes back the leases of its earlier incarnation as soon
/// as it has registered (``ReplicaRegistry``: after the earlier incarnation's heartbeat stopped),
/// and re-sends the dispatches that incarnation left in flight. Two live processes with one
/// replica id are refused (``ReplicaConflict``).
///
/// ### Round trips
/// A replica keeps the runs it wrote last as hints (``RecentRuns``) and lets one transition of
/// a run at a time be decided and written locally (``RunWriteGate``). An event for a run this
/// replica just dispatched then costs one store operation (no read, no lost version race with
/// beat 3), and beat 3 after an event that raced ahead costs none. Hints never replace the
/// store's version check: a stale one costs one conflict, whose reply carries the record.
/// With an instant migrator a step transition takes about 2.6 Redis round trips
/// (`Tools/bench/orchestrator`): the event (with the next step's beat 1) and, when the POST
/// returns before the event, beat 3.
///
/// Tests drive it without sleeping: advance a manual clock, call ``tick()``, then
/// ``waitUntilIdle()``.
public final class Orchestrator: Sendable {
    let store: any LoomStore
    let migrator: any MigratorClient
    let clock: any WallClock
    let signer: (any CallbackTokenSigner)?
    /// The tunables this orchestrator runs with.
    public let configuration: Configuration
    let logger: Logger
    let metrics: OrchestratorMetrics
    let tasks = RunTaskTracker()
    let changeSignals = RunChangeSignals()
    let recentRuns: RecentRuns
    let writeGate = RunWriteGate()
    let random: @Sendable () -> Double
    /// This process as the holder of timer leases: the replica id and a fresh incarnation.
    public let leaseHolder: LeaseHolder

    /// Creates an orchestrator.
    /// - Parameters:
    ///   - store: Migrations, candidates, runs, timers and histories.
    ///   - migrator: The outbound migrator client.
    ///   - clock: Wall-clock time (a manual clock in tests).
    ///   - signer: Issues callback tokens for dispatches; `nil` sends none (callback auth off).
    ///   - configuration: Timeouts, back-off and timer-loop tunables.
    ///   - logger: Where transitions and failures are logged.
    ///   - random: Source of uniform values in [0, 1) for back-off jitter (injectable for tests).
    public init(
        store: any LoomStore,
        migrator: any MigratorClient,
        clock: any WallClock,
        signer: (any CallbackTokenSigner)?,
        configuration: Configuration = .defaults,
        logger: Logger = Logger(label: "loom.orchestrator"),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        precondition(configuration.maxDispatchAttempts >= 1, "maxDispatchAttempts must be at least 1")
        precondition(configuration.replicaSilence > configuration.replicaHeartbeat * 2, "replicaSilence must exceed two heartbeats")
        precondition(configuration.stepSilence.map { $0 > .zero } ?? true, "stepSilence must be positive (nil turns status checks off)")
        var generator = SystemRandomNumberGenerator()
        let replica = configuration.replicaID ?? "anonymous-\(UInt64.random(in: .min ... .max, using: &generator))"
        do {
            self.leaseHolder = try LeaseHolder(replica: replica)
        } catch {
            preconditionFailure("invalid replica id: \(error.message)")
        }
        self.store = store
        self.migrator = migrator
        self.clock = clock
        self.signer = signer
        self.configuration = configuration
        self.logger = logger
        self.random = random
        self.recentRuns = RecentRuns(capacity: configuration.recentRunsCapacity)
        self.metrics = OrchestratorMetrics(factory: configuration.metricsFactory)
    }

    // MARK: Timer loop

    /// Runs the replica until the task is cancelled, then waits for work in flight.
    ///
    /// Registers this incarnation of the replica (waiting, when an earlier incarnation is
    /// registered, until its heartbeat has stopped), takes back that incarnation's leases, then
    /// claims due timers (``tick()``; when nothing was due it sleeps for
    /// ``Configuration/tickInterval``) while renewing the registration every
    /// ``Configuration/replicaHeartbeat``. A graceful end removes the registration. Store
    /// failures are logged and retried.
    /// - Throws: ``ReplicaConflict`` when another live process uses the same replica id.
    public func run() async throws {
        guard try await registerReplica() else {
            await waitUntilIdle()
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.heartbeat() }
            group.addTask { await self.timerLoop() }
            // The timer loop ends when the task is cancelled; the heartbeat ends then too, or
            // throws first when another process took the replica id.
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
        do {
            try await store.unregisterReplica(leaseHolder)
        } catch {
            logger.notice("could not remove the replica registration; the next start waits for it to fall silent", metadata: ["error": "\(error)"])
        }
    }

    /// Takes back the earlier incarnation's leases, then claims due timers until cancelled and
    /// waits for the work in flight.
    private func timerLoop() async {
        await takeOverEarlierLeases()
        while !Task.isCancelled {
            let claimed = await tick()
            if claimed == 0 {
                do {
                    try await clock.sleep(until: clock.now() + configuration.tickInterval)
                } catch {
                    break
                }
            } else {
                await Task.yield()
            }
        }
        await waitUntilIdle()
    }

    /// Claims the timers due now in every partition (within the in-flight budget) and starts
    /// work on their runs. Returns how many were claimed. Store failures are logged; the
    /// timers stay in the store for the next tick. Claims nothing while the token signer is not
    /// ready (its key is not loaded yet): a dispatch needs a token.
    @discardableResult
    public func tick() async -> Int {
        guard signer?.isReady ?? true else { return 0 }
        let now = clock.now()
        var claimed = 0
        for partition in 0..<store.timerPartitionCount {
            let capacity = configuration.maxInFlightRuns - (await tasks.count)
            guard capacity > 0 else { break }
            do {
                let due = try await store.claimDueTimers(
                    partition: partition, now: now, lease: configuration.timerLease,
                    limit: min(configuration.claimBatchSize, capacity), holder: leaseHolder
                )
                for timer in due {
                    metrics.timerLag.recordMilliseconds(max(0, now.unixMilliseconds - timer.dueAt.unixMilliseconds))
                    await schedule(timer.runID)
                }
                claimed += due.count
            } catch {
                logger.warning("claiming due timers failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
        }
        return claimed + (await tickCampaigns(now: now))
    }

    /// Returns once this orchestrator has no work in flight (dispatches, beats, timeouts).
    public func waitUntilIdle() async {
        await tasks.waitUntilIdle()
    }

    /// Starts work on `runID` unless this replica is already working on it (then that work
    /// makes one more pass). Returns once the work is registered (not finished).
    /// - Parameter hint: The run as just written by this replica, saving the first read.
    /// - Parameter post: A run whose dispatch this replica just recorded as in flight (beat 1
    ///   folded into the transition that made it due): its POST is made first.
    /// - Parameter takenOverAt: When the run's lease was taken over from an earlier incarnation
    ///   of this replica: a dispatch it recorded in flight by then was abandoned.
    func schedule(_ runID: RunID, hint: Run? = nil, post: Run? = nil, takenOverAt: Timestamp? = nil) async {
        guard await tasks.claim(runID, post: post) else { return }
        Task {
            var hint = hint
            var post = post
            var takenOverAt = takenOverAt
            while true {
                if let begun = post {
                    await self.post(begun)
                } else {
                    await self.advance(runID, hint: hint, takenOverAt: takenOverAt)
                }
                guard let next = await self.tasks.finish(runID) else { break }
                hint = nil
                post = next.post
                takenOverAt = nil
            }
        }
    }

    /// Schedules the fast path for a run this replica just wrote: the POST of a dispatch the
    /// transition began (see ``foldingDispatch(_:now:)``), or a dispatch due now.
    func follow(_ run: Run) async {
        if RunMachine.isAwaitingFirstPost(run) {
            await schedule(run.id, hint: run, post: run)
        } else if RunMachine.isDispatchDue(run, now: clock.now()) {
            await schedule(run.id, hint: run)
        }
    }

    /// `transition`, with beat 1 (record in flight under a lease) folded in when it makes a
    /// dispatch due now: one store write instead of two for every step this replica starts.
    /// The caller then POSTs at once (``follow(_:)``); a crash before the POST is recovered
    /// like any lost dispatch, when the lease expires.
    func foldingDispatch(_ transition: RunTransition, now: Timestamp) -> RunTransition {
        guard RunMachine.isDispatchDue(transition.run, now: now) else { return transition }
        let begun = RunMachine.beginDispatch(transition.run, now: now, lease: configuration.dispatchTimeout + configuration.dispatchLeaseMargin)
        return RunTransition(run: begun.run, candidateStatus: transition.candidateStatus, history: transition.history + begun.history)
    }

    // MARK: Transitions

    /// Lets `decide` choose a transition (or none) for the run and applies it, re-deciding on
    /// the current record after version conflicts.
    /// - Parameters:
    ///   - known: The run as this replica last wrote or read it, if any; saves a read when it
    ///     is still current (a stale one just costs one conflict). Without it, or when the
    ///     replica's ``RecentRuns`` hint is newer, the hint is used.
    ///   - settledAfter: When set, a `nil` decision on a copy newer than this version is final
    ///     without confirming it on the record: the caller's decision can only go from
    ///     "something to do" to "nothing to do" as versions grow (beat 3 after an event).
    /// - Returns: The run after the transition, and whether one was written.
    func mutate(
        _ runID: RunID,
        known: Run? = nil,
        settledAfter: UInt64? = nil,
        _ decide: (Run) throws -> RunTransition?
    ) async throws -> (run: Run, applied: Bool) {
        try await writeGate.withGate(runID) {
            try await mutateHoldingGate(runID, known: known, settledAfter: settledAfter, decide)
        }
    }

    private func mutateHoldingGate(
        _ runID: RunID,
        known: Run?,
        settledAfter: UInt64?,
        _ decide: (Run) throws -> RunTransition?
    ) async throws -> (run: Run, applied: Bool) {
        var candidate = known
        if let hint = recentRuns.run(runID), hint.version > (known?.version ?? 0) { candidate = hint }
        var unverified = candidate != nil
        for _ in 0..<configuration.maxConflictRetries {
            let run: Run
            if let candidate {
                run = candidate
            } else {
                run = try await store.run(id: runID)
                recentRuns.remember(run, authoritative: true)
            }
            let decision: RunTransition?
            do {
                decision = try decide(run)
            } catch {
                // A refusal decided on a possibly stale copy (a hint) may be wrong: confirm it
                // on the record.
                guard unverified else { throw error }
                unverified = false
                candidate = nil
                continue
            }
            guard let transition = decision else {
                if unverified && !(settledAfter.map { run.version > $0 } ?? false) {
                    // "Nothing to do" decided on a possibly stale copy: confirm on the record.
                    unverified = false
                    candidate = nil
                    continue
                }
                return (run, false)
            }
            unverified = false
            switch try await store.apply(transition.write(over: run, holder: leaseHolder)) {
            case .applied(let stored):
                recentRuns.remember(stored)
                metrics.record(transition.history)
                logOutcomes(transition.history, run: stored)
                await changeSignals.signal(runID)
                return (stored, true)
            case .conflict(let current):
                metrics.transitionConflicts.increment()
                candidate = current
                if let current {
                    recentRuns.remember(current, authoritative: true)
                } else {
                    recentRuns.forget(runID)
                    if run.version != 0 { throw LoomError.runNotFound(runID) }
                }
                continue
            case .candidateRejected(let current):
                // Only a start carries a candidate precondition, and it does not use `mutate`.
                throw LoomError.internal(
                    "unexpected candidate precondition failure (status \(current?.rawValue ?? "missing"))"
                )
            case .campaignFull(let campaignId):
                throw LoomError.campaignFull(campaignId)
            }
        }
        throw LoomError.conflict("run \(runID) changed concurrently too often; try again")
    }
}

extension Orchestrator {
    /// Logs what an applied transition settled for good, once per transition: a step given up
    /// after its last dispatch attempt (`warning`) and a completed run (`info`). Transient
    /// dispatch failures are logged where the POST fails.
    func logOutcomes(_ history: [HistoryEntry], run: Run) {
        if history.contains(where: { $0.kind == .dispatchFailed }),
            let failed = history.first(where: { $0.kind == .stepFailed }),
            let result = run.results.last(where: { $0.stepName == failed.stepName })
        {
            logger.warning(
                "step failed: dispatch attempts exhausted",
                metadata: [
                    "run": "\(run.id)", "step": "\(failed.stepName)", "attempts": "\(result.dispatchCount)",
                    "reason": "\(result.lastDispatchError ?? failed.detail)",
                ])
        }
        if history.contains(where: { $0.kind == .runCompleted }) {
            logger.info("run completed", metadata: ["run": "\(run.id)", "generation": "\(run.generation)"])
        }
    }
}
