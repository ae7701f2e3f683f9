/// A wait that took longer than its bound.
public struct TimeLimitExceeded: Error, CustomStringConvertible {
    /// What was waited for.
    public var description: String

    /// Creates the error.
    public init(description: String) {
        self.description = description
    }
}

/// The result of `body`, or ``TimeLimitExceeded`` once `limit` has passed without one — even when `body` waits for
/// something that ignores cancellation (a channel's close future, a continuation), which is then left running and
/// cancelled. A bound so that a broken test fails instead of hanging; never a synchronisation.
public func withTimeLimit<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let pending = Locked<CheckedContinuation<T, any Error>?>(nil)
    let tasks = Locked<[Task<Void, Never>]>([])
    return try await withCheckedThrowingContinuation { continuation in
        pending.withLock { $0 = continuation }
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            pending.withLock { waiting in defer { waiting = nil }; return waiting }?.resume(with: result)
            for task in tasks.current { task.cancel() }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled, let waiting = pending.withLock({ waiting in defer { waiting = nil }; return waiting }) else { return }
            work.cancel()
            waiting.resume(throwing: TimeLimitExceeded(description: "\(what) (waited \(limit))"))
        }
        tasks.withLock { $0 = [timer] }
    }
}
