import NIOConcurrencyHelpers
import NIOCore

/// Why a connection closed: the first error the handler failed its requests with.
/// Kept outside the pipeline so that writes after the close report the real cause
/// (say, a protocol violation) rather than "I/O on closed channel".
final class RedisCloseReason: Sendable {
    private let box = NIOLockedValueBox<RedisError?>(nil)

    /// The recorded reason, if the connection closed.
    var error: RedisError? { box.withLockedValue { $0 } }

    /// Records `error` unless a reason is already known.
    func record(_ error: RedisError) {
        box.withLockedValue { if $0 == nil { $0 = error } }
    }
}

/// Where a reply goes: a promise, or — for a caller on the connection's event loop — the
/// caller's continuation directly (no future, no callback, no extra allocation).
///
/// A continuation must be resumed exactly once, so it is only used when the handler is known to
/// receive the request (written on the event loop of an active channel): from then on, the
/// handler's state machine completes every request once (reply, timeout or close).
enum RedisReplySink<Value: Sendable>: Sendable {
    case promise(EventLoopPromise<Value>)
    case continuation(UnsafeContinuation<Value, any Error>)

    func succeed(_ value: Value) {
        switch self {
        case .promise(let promise): promise.succeed(value)
        case .continuation(let continuation): continuation.resume(returning: value)
        }
    }

    func fail(_ error: any Error) {
        switch self {
        case .promise(let promise): promise.fail(error)
        case .continuation(let continuation): continuation.resume(throwing: error)
        }
    }
}

/// What the connection writes into its channel: commands with where their replies go.
struct RedisOutbound: Sendable {
    enum Kind: Sendable {
        /// One command, one reply.
        case single(RedisCommand, RedisReplySink<RESPValue>)
        /// Commands written together (pipeline, MULTI/EXEC); `replies` replies are collected.
        case batch([RedisCommand], replies: Int, RedisReplySink<[RESPValue]>)
    }

    var kind: Kind
    var deadline: NIODeadline?
}

extension RedisOutbound.Kind {
    /// Who waits for the replies of this request.
    var waiter: RedisChannelHandler.StateMachine.Waiter {
        switch self {
        case .single(_, let sink): .single(sink)
        case .batch(_, let replies, let sink): .batch(sink, replies: replies)
        }
    }
}

/// Decodes replies, writes commands and matches replies to them in order (pipelining),
/// enforces per-command deadlines, and routes pub/sub messages to a sink.
///
/// The first handler after the socket (or TLS): it decodes bytes itself with ``RESPDecoder``
/// instead of sitting behind a `ByteToMessageHandler`, which saves a pipeline hop and an
/// `NIOAny` box per reply. Bytes of an incomplete reply are kept until the rest arrives.
/// A decoding error, an unsolicited reply or the channel going inactive fails every request
/// in flight with a ``RedisError`` and closes the channel.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisOutbound
    typealias OutboundOut = ByteBuffer

    private var state = StateMachine()
    private let decoder: RESPDecoder
    /// Bytes received but not yet decoded (an incomplete reply).
    private var unread: ByteBuffer?
    /// The buffer commands are encoded into, kept between writes.
    private var outBuffer: ByteBuffer?
    private let pushSink: (@Sendable (RESPValue) -> Void)?
    private let closeReason: RedisCloseReason
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// A flush is scheduled for the end of this event-loop tick (requests sent in one tick
    /// share one `write()`).
    private var flushScheduled = false

    /// Creates the handler. With a `pushSink`, the connection is in pub/sub mode:
    /// messages (RESP3 pushes, or RESP2 `message` arrays) go to the sink.
    init(
        decoderLimits: RESPDecoder.Limits = RESPDecoder.Limits(),
        pushSink: (@Sendable (RESPValue) -> Void)? = nil,
        closeReason: RedisCloseReason = RedisCloseReason()
    ) {
        self.decoder = RESPDecoder(limits: decoderLimits)
        self.pushSink = pushSink
        self.closeReason = closeReason
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.failAll(RedisError(.connectionClosed, "connection handler removed"))
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outbound = Self.unwrapOutboundIn(data)
        self.send(outbound.kind, deadline: outbound.deadline, context: context, promise: promise, flush: false)
    }

    /// Encodes, queues and writes a request from the connection's own event loop, skipping the
    /// walk from the pipeline's tail and the `NIOAny` box of a ``RedisOutbound``. The flush is
    /// deferred to the end of the event-loop tick, so requests that many tasks send in one tick
    /// leave in one `write()` (a system call per request was a sixth of the orchestrator's CPU).
    /// The handler then owns the request's completion, exactly as after ``write(context:data:promise:)``.
    func sendDirect(_ kind: RedisOutbound.Kind, deadline: NIODeadline?) {
        guard let context else {
            let error = closeReason.error ?? RedisError(.connectionClosed, "cannot send: the connection is closed")
            kind.waiter.fail(error)
            return
        }
        self.send(kind, deadline: deadline, context: context, promise: nil, flush: false)
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            self.context?.flush()
        }
    }

    private func send(
        _ kind: RedisOutbound.Kind, deadline: NIODeadline?, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?,
        flush: Bool
    ) {
        // Reuse one buffer: once the socket has taken the previous bytes (the usual case, writes
        // complete at once) it is uniquely ours again and `clear()` keeps its storage.
        var buffer = self.outBuffer ?? context.channel.allocator.buffer(capacity: 256)
        self.outBuffer = nil
        buffer.clear()
        defer { self.outBuffer = buffer.capacity <= 64 * 1024 ? buffer : nil }
        let waiter = kind.waiter
        let name: String
        switch kind {
        case .single(let command, _):
            RESPEncoder.encode(command, into: &buffer)
            name = command.name
        case .batch(let commands, let replies, let sink):
            for command in commands { RESPEncoder.encode(command, into: &buffer) }
            name = commands.first?.name ?? "batch"
            if replies == 0 {
                sink.succeed([])
                self.write(buffer, context: context, promise: promise, flush: flush)
                return
            }
        }
        switch state.enqueue(waiter, deadline: deadline, commandName: name) {
        case .fail(let error):
            waiter.fail(error)
            promise?.fail(error)
        case .write(let scheduleTimer):
            if let scheduleTimer { self.scheduleTimer(at: scheduleTimer, context: context) }
            self.write(buffer, context: context, promise: promise, flush: flush)
        }
    }

    private func write(_ buffer: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?, flush: Bool) {
        if flush {
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: promise)
        } else {
            context.write(Self.wrapOutboundOut(buffer), promise: promise)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = Self.unwrapInboundIn(data)
        if var buffered = unread {
            unread = nil
            buffered.writeBuffer(&incoming)
            self.decodeReplies(from: &buffered, context: context)
        } else {
            self.decodeReplies(from: &incoming, context: context)
        }
    }

    /// Handles every complete reply in `buffer` and keeps the rest for the next read.
    private func decodeReplies(from buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        do {
            while let value = try decoder.next(from: &buffer) {
                guard self.handleReply(value, context: context) else { return }
            }
        } catch {
            self.failAll(error as? RedisError ?? RedisError(.protocolViolation, "undecodable reply: \(error)"))
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 {
            buffer.discardReadBytes()
            unread = buffer
        }
    }

    /// Delivers one reply; `false` when the connection is being closed (stop decoding).
    private func handleReply(_ value: RESPValue, context: ChannelHandlerContext) -> Bool {
        if self.isPushMessage(value) {
            self.pushSink?(value)
            return true
        }
        switch state.receivedReply(value) {
        case .succeedSingle(let sink, let reply): sink.succeed(reply)
        case .succeedBatch(let sink, let replies): sink.succeed(replies)
        case .none: break
        case .unexpected:
            self.failAll(RedisError(.protocolViolation, "the server sent a reply nobody asked for"))
            context.close(promise: nil)
            return false
        }
        return true
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let redisError = error as? RedisError ?? RedisError(.connectionClosed, "connection failed: \(error)")
        self.failAll(redisError)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(RedisError(.connectionClosed, "the connection to the server closed"))
        context.fireChannelInactive()
    }

    // MARK: - Internals

    /// In pub/sub mode, RESP3 pushes and RESP2 `message`/`pmessage`/`smessage` arrays are
    /// messages; subscription confirmations answer the (P/S)SUBSCRIBE requests.
    private func isPushMessage(_ value: RESPValue) -> Bool {
        switch value {
        case .push(let elements):
            guard pushSink != nil else { return true }  // RESP3 pushes are never replies outside pub/sub
            return !Self.isSubscriptionConfirmation(elements.first)
        case .array(let elements) where pushSink != nil:
            switch elements.first?.string?.lowercased() {
            case "message", "pmessage", "smessage": return true
            default: return false
            }
        default:
            return false
        }
    }

    private static func isSubscriptionConfirmation(_ kind: RESPValue?) -> Bool {
        switch kind?.string?.lowercased() {
        case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe": return true
        default: return false
        }
    }

    private func failAll(_ error: RedisError) {
        self.closeReason.record(error)
        self.timer?.cancel()
        self.timer = nil
        for pending in state.closed(error) { pending.fail(error) }
    }

    private func scheduleTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        self.timer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.timerFired()
        }
    }

    private func timerFired() {
        self.timer = nil
        guard let context else { return }
        let (expired, next) = state.timerFired(now: .now())
        for pending in expired {
            pending.fail(RedisError(.timeout, "no reply to \(pending.commandName) before its deadline"))
        }
        if let next { self.scheduleTimer(at: next, context: context) }
    }
}
