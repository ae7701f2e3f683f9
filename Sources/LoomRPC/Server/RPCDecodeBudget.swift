import Synchronization

/// A bound on the memory taken by decoded requests in flight: one per server, one per connection.
///
/// A call reserves its request's decoded size (the deserializer's estimate) before the request is decoded and
/// releases it when its handler has finished with the request. A reservation that would take the total past the limit
/// is refused while anything else is reserved; with nothing reserved any one request fits, so a request that is
/// within the per-message bounds can always be served on an otherwise idle server. The total therefore never exceeds
/// the limit plus one request.
final class RPCDecodeBudget: Sendable {
    /// The most bytes reserved at once (but see the type's description).
    let limit: Int
    private let reserved = Atomic<Int>(0)

    init(limit: Int) {
        precondition(limit > 0, "a decode budget must be positive")
        self.limit = limit
    }

    /// The bytes reserved now.
    var bytesInFlight: Int { reserved.load(ordering: .relaxed) }

    /// Reserves `bytes`; false (and nothing reserved) when the total would go over ``limit`` while something else is
    /// reserved.
    func tryReserve(_ bytes: Int) -> Bool {
        var current = reserved.load(ordering: .relaxed)
        while true {
            if current > 0, bytes > limit - current { return false }
            let (exchanged, original) = reserved.compareExchange(
                expected: current, desired: current + bytes, ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
    }

    /// Returns `bytes` reserved by ``tryReserve(_:)``.
    func release(_ bytes: Int) {
        reserved.subtract(bytes, ordering: .relaxed)
    }
}

/// The decode budgets a call reserves from: its connection's and its server's.
struct RPCDecodeBudgets: Sendable {
    let connection: RPCDecodeBudget
    let server: RPCDecodeBudget

    /// Reserves `bytes` from both budgets, or throws RESOURCE_EXHAUSTED (and reserves nothing).
    func reserve(_ bytes: Int) throws(RPCError) -> RPCDecodeReservation {
        guard connection.tryReserve(bytes) else {
            throw RPCError(
                code: .resourceExhausted,
                message: "too many decoded requests in flight on this connection: this request takes \(bytes) bytes "
                    + "decoded and the connection's budget is \(connection.limit) bytes; retry when calls have finished"
            )
        }
        guard server.tryReserve(bytes) else {
            connection.release(bytes)
            throw RPCError(
                code: .resourceExhausted,
                message: "too many decoded requests in flight on this server: this request takes \(bytes) bytes "
                    + "decoded and the server's budget is \(server.limit) bytes; retry later"
            )
        }
        return RPCDecodeReservation(budgets: self, bytes: bytes)
    }
}

/// Bytes reserved from a call's decode budgets; ``release()`` returns them once.
struct RPCDecodeReservation: Sendable {
    let budgets: RPCDecodeBudgets
    let bytes: Int

    /// Returns the bytes to both budgets. Call exactly once.
    func release() {
        budgets.connection.release(bytes)
        budgets.server.release(bytes)
    }
}
