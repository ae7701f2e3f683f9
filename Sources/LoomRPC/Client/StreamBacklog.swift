import Synchronization

/// The bytes of one server-streamed call that have arrived but that its caller has not taken yet.
///
/// The protocol has no per-call window. Pausing the whole connection for one slow caller would stall every other
/// call on it, and would deadlock a caller that makes calls on the same client while it iterates a stream. So each
/// stream's backlog is bounded instead: a message that would take it past ``limit`` fails the call with
/// RESOURCE_EXHAUSTED, and the call is cancelled on the server. A message is always admitted when the backlog is
/// empty, so a limit below the message size never fails a caller that keeps up.
final class StreamBacklog: Sendable {
    /// The most bytes that may wait for the caller.
    let limit: Int
    private let buffered = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes waiting for the caller.
    var bytes: Int { buffered.load(ordering: .relaxed) }

    /// Event loop, before the message is handed to the stream: counts it and returns whether it fits.
    func admit(_ bytes: Int) -> Bool {
        let after = buffered.add(bytes, ordering: .relaxed).newValue
        return after == bytes || after <= limit
    }

    /// The caller took a message of `bytes`.
    func taken(_ bytes: Int) {
        buffered.subtract(bytes, ordering: .relaxed)
    }
}
