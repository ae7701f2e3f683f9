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
    /// - Parameter scope: The migrations the caller may read (``CallerScope``); another is refused
    ///   (eagerly) with ``LoomError/ownedByAnother(_:)``.
    /// - Throws: `notFound` (eagerly) when the candidate has no run.
    public func watchRun(
        migrationId: String, candidateId: String, fromVersion: UInt64 = 0, pollInterval: Duration = .milliseconds(500),
        scope: CallerScope = .unrestricted
    ) async throws -> AsyncThrowingStream<RunUpdate, any Error> {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try await requireScope(scope, migrationId: migrationId)
        let first: (run: Run, entries: [HistoryEntry])
        do {
            first = try await reads.runWithHistory(id: runID, afterVersion: fromVersion == 0 ? .max : fromVersion)
        } catch let error as LoomError where error.code == .notFound {
            throw LoomError.runNotFound(runID)
        }
        let (signals, signalContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let key = await orchestrator.changeSignals.register(runID, signalContinuation)
        let reads = self.reads
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
                    let (run, entries) = try await reads.runWithHistory(id: runID, afterVersion: version)
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
    /// The first message carries the counts and no runs. Then a message is sent when something
    /// changed, looked for every `pollInterval`: the counts and each changed run as it is now (a
    /// run changed several times appears once). The stream is pulled: nothing is read while the
    /// consumer has not taken the previous message, so a slow consumer gets fewer, fuller
    /// messages and loses nothing. Runs are found by their update time, looking back a few
    /// seconds for replicas whose clocks lag, so a change is reported once.
    /// - Parameter scope: The migrations the caller may read (``CallerScope``); another is refused
    ///   (eagerly) with ``LoomError/ownedByAnother(_:)``.
    /// - Throws: `notFound` (eagerly) when the migration does not exist.
    public func watchMigration(
        id: String, pollInterval: Duration = .seconds(1), scope: CallerScope = .unrestricted
    ) async throws -> AsyncThrowingStream<MigrationUpdate, any Error> {
        let first = try await migration(id: id, scope: scope)
        let cursor = MigrationWatchCursor(since: clock.now() - Self.watchMigrationLookBack, counts: first.counts)
        let reads = self.reads
        let clock = self.clock
        let order = first.steps.map(\.name)
        return AsyncThrowingStream(unfolding: {
            if cursor.isFirst() {
                return MigrationUpdate(counts: first.counts ?? MigrationCounts(), runs: [], truncated: false)
            }
            while !Task.isCancelled {
                try await clock.sleep(until: clock.now() + pollInterval)
                var now = try await reads.migrationSummary(id: id)
                now.counts?.orderSteps(by: order)
                let updated = try await reads.runsUpdated(migrationId: id, since: cursor.since, limit: Self.watchMigrationRunLimit + 1)
                if let update = cursor.take(updated, counts: now.counts) { return update }
            }
            return nil
        })
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

/// What a migration watch has reported: the update-time window it reads from and the run
/// versions already sent within it. Used by one stream's consumer at a time.
final class MigrationWatchCursor: @unchecked Sendable {
    private(set) var since: Timestamp
    private var counts: MigrationCounts?
    private var reported: [RunID: (version: UInt64, at: Timestamp)] = [:]
    private var sentFirst = false

    /// `true` the first time only: the first message is the counts alone.
    func isFirst() -> Bool {
        defer { sentFirst = true }
        return !sentFirst
    }

    init(since: Timestamp, counts: MigrationCounts?) {
        self.since = since
        self.counts = counts
    }

    /// The next update from runs read since ``since`` (oldest update first, at most the run
    /// limit + 1), or `nil` when neither a run nor the counts changed.
    func take(_ updated: [Run], counts newCounts: MigrationCounts?) -> MigrationUpdate? {
        let limit = Service.watchMigrationRunLimit
        let window = updated.prefix(limit)
        let fresh = window.filter { reported[$0.id]?.version != $0.version }
        for run in fresh { reported[run.id] = (run.version, run.updatedAt) }
        if let newest = window.last?.updatedAt {
            // More changed than one message carries: go on from the newest sent (the versions
            // remembered keep runs of that same millisecond from repeating), else keep a
            // look-back for replicas whose clocks lag.
            since = max(since, updated.count > limit ? newest : newest - Service.watchMigrationLookBack)
            reported = reported.filter { $0.value.at >= since }
        }
        guard !fresh.isEmpty || newCounts != counts else { return nil }
        counts = newCounts
        return MigrationUpdate(counts: newCounts ?? MigrationCounts(), runs: fresh.reversed(), truncated: updated.count > limit)
    }
}
