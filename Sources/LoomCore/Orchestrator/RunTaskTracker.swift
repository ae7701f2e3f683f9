/// The runs this replica is working on right now (fast path and timers), at most one task per
/// run. A request to work on a run that is already being worked on makes that task go round
/// once more instead of starting a second one. This is the only per-run state held in memory,
/// and only while work is in flight.
actor RunTaskTracker {
    /// What the task working on a run must do next.
    struct Pass: Sendable {
        /// Another pass over the stored state was requested while the current one runs.
        var again = false
        /// A dispatch this replica recorded as in flight (beat 1 folded into another
        /// transition) and must POST; the newest wins.
        var post: Run?
    }

    /// Value: what was requested while the current pass runs.
    private var active: [RunID: Pass] = [:]
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// How many runs are being worked on.
    var count: Int { active.count }

    /// Registers work on `id`; `true` if the caller must start a task, `false` if one runs (it
    /// then makes another pass, POSTing `post` first when given).
    func claim(_ id: RunID, post: Run? = nil) -> Bool {
        if var pass = active[id] {
            pass.again = true
            if let post, post.version > (pass.post?.version ?? 0) { pass.post = post }
            active[id] = pass
            return false
        }
        active[id] = Pass()
        return true
    }

    /// Called when a pass over `id` ends; the next pass to make, or `nil` when the task ends.
    func finish(_ id: RunID) -> Pass? {
        if let pass = active[id], pass.again {
            active[id] = Pass()
            return pass
        }
        active[id] = nil
        if active.isEmpty {
            let waiters = idleWaiters
            idleWaiters = []
            for waiter in waiters { waiter.resume() }
        }
        return nil
    }

    /// Returns once no run is being worked on.
    func waitUntilIdle() async {
        if active.isEmpty { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }
}
