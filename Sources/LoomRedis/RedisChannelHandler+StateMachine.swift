import DequeModule
import NIOCore

extension RedisChannelHandler {
    /// The reply bookkeeping of one connection, as a plain value with no channel.
    ///
    /// Requests are answered strictly in order. A request that timed out keeps
    /// its place (``Pending/abandoned``) so the late reply is matched and dropped
    /// instead of being handed to the next request.
    struct StateMachine {
        /// Who waits for replies.
        enum Waiter {
            /// One command, one reply.
            case single(RedisReplySink<RESPValue>)
            /// Several replies collected into one array (`replies` of them).
            case batch(RedisReplySink<[RESPValue]>, replies: Int)
        }

        /// One request in flight.
        struct Pending {
            var id: UInt64
            var waiter: Waiter
            var deadline: NIODeadline?
            var commandName: String
            var abandoned: Bool
        }

        /// What to do with a reply.
        enum OnReply {
            case succeedSingle(RedisReplySink<RESPValue>, RESPValue)
            case succeedBatch(RedisReplySink<[RESPValue]>, [RESPValue])
            /// A partial batch, or the late reply of an abandoned request.
            case none
            /// A reply with nothing waiting for it: the peer is not following the protocol.
            case unexpected
        }

        /// What to do with a new request.
        enum OnEnqueue {
            /// Write it; when `scheduleTimer` is set, (re)arm the timeout timer for that deadline.
            case write(scheduleTimer: NIODeadline?)
            /// The connection is closed: fail the request at once.
            case fail(RedisError)
        }

        private(set) var pending: Deque<Pending> = []
        private(set) var closedError: RedisError?
        /// Replies collected so far for the batch at the head of ``pending``.
        private var batchReplies: [RESPValue] = []
        private var nextID: UInt64 = 0
        private var timerDeadline: NIODeadline?

        /// Queues a request.
        mutating func enqueue(_ waiter: Waiter, deadline: NIODeadline?, commandName: String) -> OnEnqueue {
            if let closedError { return .fail(closedError) }
            nextID &+= 1
            pending.append(Pending(id: nextID, waiter: waiter, deadline: deadline, commandName: commandName, abandoned: false))
            // One timer covers the earliest deadline; a new, earlier deadline re-arms it.
            guard let deadline, timerDeadline.map({ deadline < $0 }) ?? true else { return .write(scheduleTimer: nil) }
            timerDeadline = deadline
            return .write(scheduleTimer: deadline)
        }

        /// Matches a reply with the oldest request.
        mutating func receivedReply(_ value: RESPValue) -> OnReply {
            guard let head = pending.first else { return .unexpected }
            switch head.waiter {
            case .single(let promise):
                pending.removeFirst()
                return head.abandoned ? .none : .succeedSingle(promise, value)
            case .batch(let promise, let remaining):
                // Collected outside the queue: appending to an array held in the enum payload
                // would copy it for every reply.
                if batchReplies.isEmpty { batchReplies.reserveCapacity(remaining) }
                batchReplies.append(value)
                guard batchReplies.count == remaining else { return .none }
                pending.removeFirst()
                let replies = batchReplies
                batchReplies = []
                return head.abandoned ? .none : .succeedBatch(promise, replies)
            }
        }

        /// The timer fired at `now`: returns the requests that expired and when to fire next.
        mutating func timerFired(now: NIODeadline) -> (expired: [Pending], next: NIODeadline?) {
            var expired: [Pending] = []
            var next: NIODeadline?
            for index in pending.indices where !pending[index].abandoned {
                guard let deadline = pending[index].deadline else { continue }
                if deadline <= now {
                    expired.append(pending[index])
                    pending[index].abandoned = true
                } else if next == nil || deadline < next! {
                    next = deadline
                }
            }
            timerDeadline = next
            return (expired, next)
        }

        /// The connection closed (or failed): returns every live request, to be failed with `error`.
        mutating func closed(_ error: RedisError) -> [Pending] {
            if closedError == nil { closedError = error }
            let live = Array(pending.filter { !$0.abandoned })
            pending.removeAll()
            batchReplies = []
            timerDeadline = nil
            return live
        }
    }
}

extension RedisChannelHandler.StateMachine.Waiter {
    /// Fails the waiter with `error`.
    func fail(_ error: RedisError) {
        switch self {
        case .single(let sink): sink.fail(error)
        case .batch(let sink, _): sink.fail(error)
        }
    }
}

extension RedisChannelHandler.StateMachine.Pending {
    /// Fails the waiter with `error`.
    func fail(_ error: RedisError) { waiter.fail(error) }
}
