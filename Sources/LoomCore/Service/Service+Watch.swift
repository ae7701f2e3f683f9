import Foundation

/// One message of ``Service/watchRun(migrationId:candidateId:pollInterval:)``: the run after a
/// transition.
public struct RunUpdate: Hashable, Sendable {
    /// The run.
    public var run: Run
    /// The newest history entry of the transition that produced this update; `nil` in the
    /// first message.
    public var entry: HistoryEntry?

    /// Creates an update.
    public init(run: Run, entry: HistoryEntry?) {
        self.run = run
        self.entry = entry
    }
}

extension Service {
    /// Streams the run's state after every transition until it completes, is cancelled or
    /// fails (the final state is always sent), or the consumer stops iterating.
    ///
    /// The first message is the current state. Transitions applied by this replica wake the
    /// stream at once; those of other replicas are seen by a poll every `pollInterval`.
    /// Intermediate versions may be coalesced when several transitions land between reads.
    /// - Throws: `notFound` (eagerly) when the candidate has no run.
    public func watchRun(
        migrationId: String, candidateId: String, pollInterval: Duration = .milliseconds(500)
    ) async throws -> AsyncThrowingStream<RunUpdate, any Error> {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        let first: Run
        do {
            first = try await store.run(id: runID)
        } catch let error as LoomError where error.code == .notFound {
            throw LoomError.runNotFound(runID)
        }
        let (signals, signalContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let key = await orchestrator.changeSignals.register(runID, signalContinuation)
        return Self.watchStream(
            first: first, signals: signals, signalContinuation: signalContinuation, key: key,
            registry: orchestrator.changeSignals, store: store, clock: clock, pollInterval: pollInterval
        )
    }

    private static func watchStream(
        first: Run,
        signals: AsyncStream<Void>,
        signalContinuation: AsyncStream<Void>.Continuation,
        key: UUID,
        registry: RunChangeSignals,
        store: any LoomStore,
        clock: any WallClock,
        pollInterval: Duration
    ) -> AsyncThrowingStream<RunUpdate, any Error> {
        let runID = first.id
        let (stream, continuation) = AsyncThrowingStream<RunUpdate, any Error>.makeStream()
        let poller = Task {
            while !Task.isCancelled {
                do {
                    try await clock.sleep(until: clock.now() + pollInterval)
                } catch {
                    return
                }
                signalContinuation.yield()
            }
        }
        let reader = Task {
            defer {
                poller.cancel()
                signalContinuation.finish()
            }
            continuation.yield(RunUpdate(run: first, entry: nil))
            guard !first.status.isFinished else {
                continuation.finish()
                return
            }
            var version = first.version
            for await _ in signals {
                do {
                    let run = try await store.run(id: runID)
                    guard run.version != version else { continue }
                    version = run.version
                    let entry = try await store.history(of: runID, limit: 1).last
                    continuation.yield(RunUpdate(run: run, entry: entry))
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
        continuation.onTermination = { _ in
            reader.cancel()
            poller.cancel()
            signalContinuation.finish()
            Task { await registry.unregister(runID, key) }
        }
        return stream
    }
}
