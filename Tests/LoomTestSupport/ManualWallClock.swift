import LoomCore

/// A wall clock that only moves when a test advances it; sleepers wake when their deadline
/// is reached.
public final class ManualWallClock: WallClock {
    private struct State {
        var now: Timestamp
        var sleepers: [(id: UInt64, deadline: Timestamp, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
        var sleeperWaiters: [(id: UInt64, count: Int, continuation: CheckedContinuation<Void, Never>)] = []

        /// Removes and returns the waiters satisfied by the current number of sleepers.
        mutating func satisfiedWaiters() -> [CheckedContinuation<Void, Never>] {
            let satisfied = sleeperWaiters.filter { sleepers.count >= $0.count }.map(\.continuation)
            sleeperWaiters.removeAll { sleepers.count >= $0.count }
            return satisfied
        }
    }

    private let state: Locked<State>

    /// Starts at `start` (default: 2026-01-01T00:00:00Z).
    public init(start: Timestamp = Timestamp(unixMilliseconds: 1_767_225_600_000)) {
        self.state = Locked(State(now: start))
    }

    /// The current manual time.
    public func now() -> Timestamp { state.withLock { $0.now } }

    /// Moves time forward by `duration` and wakes sleepers whose deadline passed.
    public func advance(by duration: Duration) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = state.now + duration
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.map(\.continuation)
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for continuation in woken { continuation.resume() }
    }

    /// Suspends until the manual time reaches `deadline`.
    /// - Throws: `CancellationError` when the task is cancelled first (as the port requires).
    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Checked under the lock: a cancel that ran before the sleeper was added finds
                // nothing to resume, so the sleeper must not be added.
                let (outcome, waiters) = state.withLock { state -> (Bool?, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (nil, []) }
                    if deadline <= state.now { return (true, []) }
                    state.sleepers.append((id, deadline, continuation))
                    return (false, state.satisfiedWaiters())
                }
                for waiter in waiters { waiter.resume() }
                switch outcome {
                case nil: continuation.resume(throwing: CancellationError())
                case true?: continuation.resume()
                case false?: break
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Returns once at least `count` tasks are asleep on this clock (an explicit signal that
    /// the code under test reached its wait, so that advancing the clock now wakes it), or when
    /// the task is cancelled (a test's time limit).
    public func waitUntilSleeping(count: Int = 1) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if Task.isCancelled || state.sleepers.count >= count { return true }
                    state.sleeperWaiters.append((id, count, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.sleeperWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleeperWaiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }
}
