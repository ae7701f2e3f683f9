import NIOConcurrencyHelpers

/// The connections a process may hold at once, shared by all its listeners.
///
/// One budget for every listener keeps the total below what the open-file limit allows, whichever listener a flood
/// hits. No single listener may take the last ``reserve`` connections: a flood on one listener leaves them to the
/// others. In `loom-server` the RPC server and the REST shim share one budget, so while RPC connections are at their
/// share, the shim still accepts health probes (`/healthz`, `/readyz`), metrics scrapes and migrator callbacks, and
/// operators still reach RPC while the shim is flooded.
///
/// ```swift
/// let budget = ConnectionBudget(limit: 900)         // reserve: 56
/// rpcConfiguration.connectionLimits.budget = budget
/// shimConfiguration.connectionLimits.budget = budget
/// ```
public final class ConnectionBudget: Sendable {
    private struct State {
        var total = 0
        var perListener: [String: Int] = [:]
    }

    /// The most connections all listeners together may hold.
    public let limit: Int
    /// The connections no single listener may take: each listener holds at most ``limit`` − ``reserve``.
    public let reserve: Int
    private let state = NIOLockedValueBox(State())

    /// Creates a budget.
    /// - Parameters:
    ///   - limit: The most connections all listeners together may hold (at least 1).
    ///   - reserve: The connections no single listener may take; `nil` picks ``defaultReserve(limit:)``. Clamped to
    ///     `0...limit-1`.
    public init(limit: Int, reserve: Int? = nil) {
        precondition(limit > 0, "a connection budget needs a positive limit")
        self.limit = limit
        self.reserve = min(max(0, reserve ?? Self.defaultReserve(limit: limit)), limit - 1)
    }

    /// A sixteenth of the limit, at least 1 and at most 64 (0 for a limit of 1).
    public static func defaultReserve(limit: Int) -> Int {
        limit < 2 ? 0 : min(64, max(1, limit / 16))
    }

    /// The most connections one listener may hold: ``limit`` − ``reserve``.
    public var listenerLimit: Int { limit - reserve }

    /// The connections held now, by all listeners.
    public var openConnections: Int { state.withLockedValue { $0.total } }

    /// The connections `listener` holds now.
    public func openConnections(listener: String) -> Int {
        state.withLockedValue { $0.perListener[listener] ?? 0 }
    }

    /// Takes one connection for `listener` if both the total and the listener's share allow it.
    /// - Returns: The listener's count after taking it, or `nil` when the budget refuses.
    func acquire(listener: String) -> Int? {
        state.withLockedValue { state in
            let held = state.perListener[listener] ?? 0
            guard state.total < limit, held < listenerLimit else { return nil }
            state.total += 1
            state.perListener[listener] = held + 1
            return held + 1
        }
    }

    /// Gives back one connection of `listener`.
    /// - Returns: The listener's count after giving it back.
    func release(listener: String) -> Int {
        state.withLockedValue { state in
            let held = max(0, (state.perListener[listener] ?? 0) - 1)
            state.total = max(0, state.total - 1)
            state.perListener[listener] = held
            return held
        }
    }
}
