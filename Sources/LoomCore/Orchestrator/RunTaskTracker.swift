/// The runs this replica is working on right now (fast path and timers), at most one task per
/// run. A request to work on a run that is already being worked on makes that task go round
/// once more instead of starting a second one. This is the only per-run state held in memory,
/// and only while work is in flight.
actor RunTaskTracker {
    /// Value: whether another pass was requested while the current one runs.
    private var active: [RunID: Bool] = [:]
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// How many runs are being worked on.
    var count: Int { active.count }

    /// Registers work on `id`; `true` if the caller must start a task, `false` if one runs.
    func claim(_ id: RunID) -> Bool {
        if active[id] != nil {
            active[id] = true
            return false
        }
        active[id] = false
        return true
    }

    /// Called when a pass over `id` ends; `true` if the task must make another pass.
    func finish(_ id: RunID) -> Bool {
        if active[id] == true {
            active[id] = false
            return true
        }
        active[id] = nil
        if active.isEmpty {
            let waiters = idleWaiters
            idleWaiters = []
            for waiter in waiters { waiter.resume() }
        }
        return false
    }

    /// Returns once no run is being worked on.
    func waitUntilIdle() async {
        if active.isEmpty { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }
}
