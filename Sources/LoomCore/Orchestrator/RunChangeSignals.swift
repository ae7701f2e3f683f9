import Foundation

/// Local wake-ups for run watchers: every transition this replica applies signals the
/// watchers of that run at once. (Transitions applied by other replicas are picked up by the
/// watchers' periodic poll.)
actor RunChangeSignals {
    private var watchers: [RunID: [UUID: AsyncStream<Void>.Continuation]] = [:]

    /// Registers `continuation` to be yielded to whenever `runID` changes; returns its key.
    func register(_ runID: RunID, _ continuation: AsyncStream<Void>.Continuation) -> UUID {
        let key = UUID()
        watchers[runID, default: [:]][key] = continuation
        return key
    }

    /// Removes a registration.
    func unregister(_ runID: RunID, _ key: UUID) {
        watchers[runID]?[key] = nil
        if watchers[runID]?.isEmpty == true { watchers[runID] = nil }
    }

    /// Wakes every watcher of `runID`.
    func signal(_ runID: RunID) {
        guard let registered = watchers[runID] else { return }
        for continuation in registered.values { continuation.yield() }
    }

    /// Whether anyone watches any run (skips the hop for the common case).
    var isEmpty: Bool { watchers.isEmpty }
}
