import Synchronization

/// Lets one transition of a run at a time be decided and written by this replica.
///
/// Without it, an event that arrives while this replica is recording the dispatch outcome
/// of the same run decides on the pre-dispatch copy and loses a version conflict (two round
/// trips instead of one). Waiting for the local write — one Redis round trip at most — lets
/// it decide on the fresh copy. Other replicas are still only kept out by the store's
/// version check. Waiters are served in arrival order.
final class RunWriteGate: Sendable {
    /// Held runs, each with the tasks waiting for it.
    private let held = Mutex<[RunID: [CheckedContinuation<Void, Never>]]>([:])

    /// Waits until no other transition of `id` is in progress here, then holds the gate.
    func acquire(_ id: RunID) async {
        let free = held.withLock { held -> Bool in
            guard held[id] == nil else { return false }
            held[id] = []
            return true
        }
        if free { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let nowFree = held.withLock { held -> Bool in
                guard held[id] != nil else {
                    held[id] = []
                    return true
                }
                held[id]!.append(continuation)
                return false
            }
            if nowFree { continuation.resume() }
        }
    }

    /// Releases the gate; the longest waiter, if any, holds it next.
    func release(_ id: RunID) {
        let next = held.withLock { held -> CheckedContinuation<Void, Never>? in
            guard var waiters = held[id] else { return nil }
            if waiters.isEmpty {
                held[id] = nil
                return nil
            }
            let first = waiters.removeFirst()
            held[id] = waiters
            return first
        }
        next?.resume()
    }

    /// How many tasks wait for the gate of `id` (for tests).
    func waiters(_ id: RunID) -> Int {
        held.withLock { $0[id]?.count ?? 0 }
    }

    /// Runs `body` holding the gate of `id`.
    func withGate<T>(_ id: RunID, _ body: () async throws -> T) async rethrows -> T {
        await acquire(id)
        defer { release(id) }
        return try await body()
    }
}
