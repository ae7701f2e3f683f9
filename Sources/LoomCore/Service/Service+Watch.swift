import Foundation

/// One message of ``Service/watchRun(migrationId:candidateId:fromVersion:pollInterval:)``: the
/// run and every history entry written since the previous message, read together.
public struct RunUpdate: Hashable, Sendable {
    /// The run.
    public var run: Run
    /// The transitions since the previous message (or, first, since the requested version),
    /// oldest first; exactly those up to ``run``'s version.
    public var entries: [HistoryEntry]

    /// Creates an update.
    public init(run: Run, entries: [HistoryEntry]) {
        self.run = run
        self.entries = entries
    }
}

/// One message of ``Service/watchMigration(id:pollInterval:)``.
public struct MigrationUpdate: Hashable, Sendable {
    /// The migration's counts now.
    public var counts: MigrationCounts
    /// The runs that changed since the previous message, most recently updated first.
    public var runs: [Run]
    /// More runs changed than one message carries (``Service/watchMigrationRunLimit``).
    public var truncated: Bool

    /// Creates an update.
    public init(counts: MigrationCounts, runs: [Run], truncated: Bool) {
        self.counts = counts
        self.runs = runs
        self.truncated = truncated
    }
}

extension Service {
    /// The most runs one ``MigrationUpdate`` carries.
    public static let watchMigrationRunLimit = 1000
    /// How far back a migration watch looks for changes it may have missed: run update times
    /// come from each replica's clock, so a change can carry a time slightly older than one
    /// already seen.
    static let watchMigrationLookBack: Duration = .seconds(5)

    /// Streams the run after every transition, each history entry exactly once, until the run
    /// completes, is cancelled or fails (the final state is always sent), or the consumer stops.
    ///
    /// The first message is the current state with the entries after `fromVersion` (none when
    /// 0; a client that reconnects passes the version of the last run it saw and misses
    /// nothing). Every later message carries the entries written since the previous one, read
    /// in one consistent step with the run, so none is repeated or skipped — unless more than
    /// the history cap (1000) were written between two reads. Transitions applied by this
    /// replica wake the stream at once; those of other replicas are seen by a poll every
    /// `pollInterval`.
    /// - Throws: `notFound` (eagerly) when the candidate has no run.
    public func watchRun(
        migrationId: String, candidateId: String, fromVersion: UInt64 = 0, pollInterval: Duration = .milliseconds(500)
    ) async throws -> AsyncThrowingStream<RunUpdate, any Error> {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        let first: (run: Run, entries: [HistoryEntry])
        do {
            first = try await store.runWithHistory(id: runID, afterVersion: fromVersion == 0 ? .max : fromVersion)
        } catch let error as LoomError where error.code == .notFound {
            throw LoomError.runNotFound(runID)
        }
        let (signals, signalContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let key = await orchestrator.changeSignals.register(runID, signalContinuation)
        let store = self.store
        let (stream, continuation) = AsyncThrowingStream<RunUpdate, any Error>.makeStream()
        let poller = Self.poll(signalContinuation, every: pollInterval, clock: clock)
        let reader = Task {
            defer {
                poller.cancel()
                signalContinuation.finish()
            }
            continuation.yield(RunUpdate(run: first.run, entries: first.entries))
            guard !first.run.status.isFinished else {
                continuation.finish()
                return
            }
            var version = first.run.version
            for await _ in signals {
                do {
                    let (run, entries) = try await store.runWithHistory(id: runID, afterVersion: version)
                    guard run.version != version else { continue }
                    version = run.version
                    continuation.yield(RunUpdate(run: run, entries: entries))
                    if run.status.isFinished {
                        continuation.finish()
                        return
                    }
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish()
        }
        let registry = orchestrator.changeSignals
        continuation.onTermination = { _ in
            reader.cancel()
            poller.cancel()
            signalContinuation.finish()
            Task { await registry.unregister(runID, key) }
        }
        return stream
    }

    /// Streams the migration's counts and the runs that changed, until the consumer stops.
    ///
    /// The first message carries the counts and no runs. Then, every `pollInterval`, a message
    /// is sent when something changed: the counts and each changed run as it is now (a run
    /// changed several times appears once). Runs are found by their update time, looking back
    /// a few seconds for replicas whose clocks lag, so a change is reported once.
    /// - Throws: `notFound` (eagerly) when the migration does not exist.
    public func watchMigration(id: String, pollInterval: Duration = .seconds(1)) async throws -> AsyncThrowingStream<MigrationUpdate, any Error> {
        let first = try await migration(id: id)
        let store = self.store
        let clock = self.clock
        let order = first.steps.map(\.name)
        let (stream, continuation) = AsyncThrowingStream<MigrationUpdate, any Error>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let task = Task {
            continuation.yield(MigrationUpdate(counts: first.counts ?? MigrationCounts(), runs: [], truncated: false))
            var counts = first.counts
            var since = clock.now() - Self.watchMigrationLookBack
            // Versions already reported, for the runs updated within the look-back window.
            var reported: [RunID: (version: UInt64, at: Timestamp)] = [:]
            while !Task.isCancelled {
                do {
                    try await clock.sleep(until: clock.now() + pollInterval)
                    var now = try await store.migrationSummary(id: id)
                    now.counts?.orderSteps(by: order)
                    let limit = Self.watchMigrationRunLimit
                    let updated = try await store.runsUpdated(migrationId: id, since: since, limit: limit + 1)
                    let fresh = updated.prefix(limit).filter { reported[$0.id]?.version != $0.version }
                    for run in fresh { reported[run.id] = (run.version, run.updatedAt) }
                    if let newest = updated.prefix(limit).last?.updatedAt {
                        since = max(since, newest - Self.watchMigrationLookBack)
                        reported = reported.filter { $0.value.at >= since }
                    }
                    guard !fresh.isEmpty || now.counts != counts else { continue }
                    counts = now.counts
                    continuation.yield(
                        MigrationUpdate(
                            counts: now.counts ?? MigrationCounts(), runs: fresh.reversed(), truncated: updated.count > limit))
                } catch is CancellationError {
                    break
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Signals `continuation` every `interval` until cancelled.
    private static func poll(
        _ continuation: AsyncStream<Void>.Continuation, every interval: Duration, clock: any WallClock
    ) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do {
                    try await clock.sleep(until: clock.now() + interval)
                } catch {
                    return
                }
                continuation.yield()
            }
        }
    }
}
