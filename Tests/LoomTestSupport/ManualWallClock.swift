import LoomCore

/// A wall clock that only moves when a test advances it; sleepers wake when their deadline
/// is reached.
public final class ManualWallClock: WallClock {
    private struct State {
        var now: Timestamp
        var sleepers: [(deadline: Timestamp, continuation: CheckedContinuation<Void, any Error>)] = []
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
    public func sleep(until deadline: Timestamp) async throws {
        try await withCheckedThrowingContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if deadline <= state.now { return true }
                state.sleepers.append((deadline, continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
