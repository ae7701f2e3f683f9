import NIOCore

extension ServerConnectionHandler {
    /// A unary call without a deadline, or with one longer than `limit` (``Configuration/maxUnaryDuration``), gets
    /// `limit` as its deadline; `limited` says whether it did. Other calls keep theirs.
    static func limitingDuration(
        _ start: RPCFrame.CallStart,
        to limit: TimeAmount?,
        isUnary: Bool
    ) -> (start: RPCFrame.CallStart, limited: Bool) {
        guard isUnary, let limit, start.timeout.map({ $0 > limit }) ?? true else { return (start, false) }
        var limitedStart = start
        limitedStart.timeout = limit
        return (limitedStart, true)
    }

    /// A duration for a status message: `30 s`, `250 ms`.
    static func text(_ amount: TimeAmount) -> String {
        amount.nanoseconds % 1_000_000_000 == 0
            ? "\(amount.nanoseconds / 1_000_000_000) s" : "\(amount.nanoseconds / 1_000_000) ms"
    }
}

extension RPCRouter.Handler {
    /// Whether the method answers with exactly one message (its duration may be limited).
    var isUnary: Bool {
        if case .unary = self { return true }
        return false
    }
}
