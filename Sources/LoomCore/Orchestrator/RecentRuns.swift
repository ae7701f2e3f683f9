import Synchronization

/// The runs this replica wrote or read most recently, as hints that save a store read.
///
/// Never a source of truth: every write is still version-checked by the store, so a stale
/// hint costs one conflict, whose reply carries the current record — the same single round
/// trip the read would have cost. An event for a run this replica just dispatched (the common
/// case: migrators answer the dispatch they got) then needs one round trip instead of two.
/// Bounded: the oldest entries are dropped first; finished runs are not kept.
final class RecentRuns: Sendable {
    private struct State {
        var runs: [RunID: Run] = [:]
        /// Insertion order as a ring, for eviction.
        var order: [RunID?]
        var next = 0
    }

    private let state: Mutex<State>
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        self.state = Mutex(State(order: Array(repeating: nil, count: max(0, capacity))))
    }

    /// The hint for `id`, if any.
    func run(_ id: RunID) -> Run? {
        state.withLock { $0.runs[id] }
    }

    /// Remembers `run` unless a newer version is already known (`authoritative`: the store
    /// just returned it as current, so it replaces any hint); forgets it once finished.
    func remember(_ run: Run, authoritative: Bool = false) {
        guard capacity > 0 else { return }
        state.withLock { state in
            if run.status.isFinished {
                state.runs[run.id] = nil
                return
            }
            if let known = state.runs[run.id] {
                if authoritative || known.version < run.version { state.runs[run.id] = run }
                return
            }
            if let evicted = state.order[state.next] { state.runs[evicted] = nil }
            state.order[state.next] = run.id
            state.next = (state.next + 1) % capacity
            state.runs[run.id] = run
        }
    }

    /// Drops the hint for `id` (the store has no such run).
    func forget(_ id: RunID) {
        state.withLock { _ = $0.runs.removeValue(forKey: id) }
    }

    /// How many runs are remembered.
    var count: Int { state.withLock { $0.runs.count } }
}
