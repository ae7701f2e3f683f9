import Foundation

/// The source of wall-clock time for the service and the orchestrator (injectable so tests
/// drive time by hand; see `ManualWallClock` in LoomTestSupport).
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Timestamp

    /// Suspends until `deadline` (or returns at once if it has passed).
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}

    /// The current real time (UTC).
    public func now() -> Timestamp {
        Timestamp(unixMilliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Sleeps for the remaining time until `deadline`.
    public func sleep(until deadline: Timestamp) async throws {
        let remaining = deadline - now()
        if remaining > .zero {
            try await Task.sleep(for: remaining)
        }
    }
}
