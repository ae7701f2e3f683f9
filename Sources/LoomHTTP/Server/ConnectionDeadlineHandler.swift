import NIOCore

/// Cuts off slow and idle clients: the first handler of a shim connection, seeing raw bytes.
///
/// While no request is being handled, one deadline is armed: `idleTimeout` when no byte of a next request has
/// arrived, `requestReadTimeout` from the first byte of a request until the routing layer has the whole of it.
/// The deadline is not extended by further bytes, so a client trickling a header byte by byte (slowloris) is cut
/// off when it expires: with a 408 JSON response if it had started a request, silently if it was idle. The
/// ``ShimConnectionHandler`` reports request boundaries with outbound user events (``RequestEvent``).
final class ConnectionDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Request boundaries reported by the connection handler.
    enum RequestEvent: Sendable {
        /// A whole request has been read and handed to the router.
        case requestReceived
        /// The response to a request has been written.
        case responseSent
    }

    private enum Phase {
        case idle
        case reading
    }

    private let idleTimeout: TimeAmount
    private let readTimeout: TimeAmount
    /// Requests read but not yet answered; no deadline runs while this is positive.
    private var pending = 0
    /// Whether bytes arrived since the last request was read (part of a next request is buffered).
    private var bytesSinceRequest = false
    private var deadline: Scheduled<Void>?
    private var phase: Phase = .idle

    init(idleTimeout: Duration, readTimeout: Duration) {
        self.idleTimeout = .nanoseconds(idleTimeout.nanoseconds)
        self.readTimeout = .nanoseconds(readTimeout.nanoseconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.arm(.idle, context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.arm(.idle, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.bytesSinceRequest = true
        if self.pending == 0, self.phase == .idle {
            self.arm(.reading, context: context)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? RequestEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .requestReceived:
            self.pending += 1
            self.bytesSinceRequest = false
            self.disarm()
        case .responseSent:
            self.pending = max(0, self.pending - 1)
            if self.pending == 0 {
                self.arm(self.bytesSinceRequest ? .reading : .idle, context: context)
            }
        }
        promise?.succeed()
    }

    private func arm(_ phase: Phase, context: ChannelHandlerContext) {
        self.disarm()
        self.phase = phase
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let delay = phase == .idle ? self.idleTimeout : self.readTimeout
        self.deadline = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            handler.expired(context: context)
        }
    }

    private func disarm() {
        self.deadline?.cancel()
        self.deadline = nil
        self.phase = .idle
    }

    private func expired(context: ChannelHandlerContext) {
        self.deadline = nil
        switch self.phase {
        case .idle:
            context.close(promise: nil)
        case .reading:
            // Written below the HTTP encoder on purpose: no response is in progress (no request is pending),
            // and the connection is closed right after.
            let body = #"{"error":"request timeout"}"#
            let response = "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n\(body)"
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: response))).whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
        }
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
