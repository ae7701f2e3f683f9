import NIOCore
import Synchronization

/// What one server-streamed call has received that its caller has not taken yet.
///
/// The protocol has no per-call window. Pausing the whole connection for one slow caller would stall every other
/// call on it, and would deadlock a caller that makes calls on the same client while it iterates a stream. So each
/// stream's backlog is bounded instead: a message that arrives while the backlog is already at ``limit`` fails the
/// call with RESOURCE_EXHAUSTED, and the call is cancelled on the server. What waits is therefore at most the limit
/// plus one message.
///
/// A message counts its payload plus ``overhead`` (its place in the stream's buffer), so empty messages count too. A
/// caller that keeps up is refused only if more than the limit arrives between two of its turns, which with the
/// default 4 MiB is far more than one read of the connection.
final class StreamBacklog: Sendable {
    /// Backlog at which the next message fails the call.
    let limit: Int
    private let buffered = Atomic<Int>(0)

    /// What a message costs besides its payload.
    static let overhead = 64

    init(limit: Int) {
        self.limit = limit
    }

    /// What `message` counts against the backlog; the same value goes to ``admit(_:)`` and ``taken(_:)``.
    static func cost(of message: ByteBuffer) -> Int {
        message.readableBytes + overhead
    }

    /// The current backlog.
    var bytes: Int { buffered.load(ordering: .relaxed) }

    /// Event loop, before the message is handed to the stream: counts `cost` and returns whether the message may go
    /// to the caller (the backlog before it was under the limit).
    func admit(_ cost: Int) -> Bool {
        buffered.add(cost, ordering: .relaxed).newValue - cost < limit
    }

    /// The caller took a message that cost `cost`.
    func taken(_ cost: Int) {
        buffered.subtract(cost, ordering: .relaxed)
    }
}
