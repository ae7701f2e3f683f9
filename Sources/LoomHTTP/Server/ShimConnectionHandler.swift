import Logging
import LoomTLS
import NIOCore
import NIOHTTP1

/// Serves HTTP/1.1 requests on one connection: collects each request (bounded), runs it through the
/// ``CallbackShimRouter`` off the event loop, enforces the request time limit, and writes the response.
///
/// It sits behind NIO's `HTTPServerPipelineHandler`, which hands it one request at a time and keeps pipelined
/// responses in order, and tells the ``ConnectionDeadlineHandler`` when a request has been read and when its
/// response is written.
final class ShimConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Where a whole request gets its response.
    enum Responder {
        /// The router, in a task off the event loop; past `requestTimeout` the task is cancelled, the client gets a
        /// 503 and the connection closes. The server's.
        case router(CallbackShimRouter, requestTimeout: Duration)
        /// `respond`, at once, on the event loop. For the `shim-http` fuzz harness, whose `EmbeddedChannel` may only be
        /// touched from its own thread (its router answers without suspending); never the server's.
        case immediate(_ respond: (ShimRequest) -> ShimResponse)
    }

    private var stateMachine: StateMachine
    private let responder: Responder
    private let peerIdentity: () -> PeerIdentity?
    private var task: Task<Void, Never>?
    private var timeout: Scheduled<Void>?

    init(responder: Responder, maxBodySize: Int, peerIdentity: @escaping () -> PeerIdentity?) {
        self.stateMachine = StateMachine(maxBodySize: maxBodySize)
        self.responder = responder
        self.peerIdentity = peerIdentity
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: StateMachine.Action
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            action = self.stateMachine.receivedHead(head)
        case .body(let body):
            action = self.stateMachine.receivedBody(body)
        case .end:
            action = self.stateMachine.receivedEnd()
        }
        self.perform(action, context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError {
            self.perform(self.stateMachine.protocolError(error), context: context)
        } else {
            self.stateMachine.channelInactive()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stateMachine.channelInactive()
        self.cancelWork()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelWork()
    }

    private func cancelWork() {
        self.task?.cancel()
        self.task = nil
        self.timeout?.cancel()
        self.timeout = nil
    }

    private func perform(_ action: StateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .close:
            context.close(promise: nil)
        case .write(let response, let close):
            self.write(response, close: close, context: context)
        case .dispatch(let id, let head, let body):
            context.triggerUserOutboundEvent(ConnectionDeadlineHandler.RequestEvent.requestReceived, promise: nil)
            self.dispatch(id: id, head: head, body: body, context: context)
        }
    }

    private func dispatch(id: UInt64, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = ShimRequest(
            method: head.method,
            uri: head.uri,
            headers: head.headers,
            body: body,
            peerIdentity: self.peerIdentity()
        )
        switch self.responder {
        case .router(let router, let requestTimeout):
            self.run(request, id: id, router: router, requestTimeout: requestTimeout, context: context)
        case .immediate(let respond):
            self.perform(self.stateMachine.responseReady(id: id, respond(request)), context: context)
        }
    }

    /// Runs the router in a task, bounded by `requestTimeout`; the response (or the time-out) is acted on on the loop.
    private func run(
        _ request: ShimRequest, id: UInt64, router: CallbackShimRouter, requestTimeout: Duration, context: ChannelHandlerContext
    ) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        self.timeout = eventLoop.scheduleTask(in: .nanoseconds(requestTimeout.nanoseconds)) {
            let (handler, context) = loopBound.value
            handler.task?.cancel()
            handler.task = nil
            handler.timeout = nil
            handler.perform(handler.stateMachine.requestTimedOut(id: id), context: context)
        }
        self.task = Task {
            let response = await router.respond(to: request)
            eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.timeout?.cancel()
                handler.timeout = nil
                handler.task = nil
                handler.perform(handler.stateMachine.responseReady(id: id, response), context: context)
            }
        }
    }

    private func write(_ response: ShimResponse, close: Bool, context: ChannelHandlerContext) {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        if close {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 {
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        context.triggerUserOutboundEvent(ConnectionDeadlineHandler.RequestEvent.responseSent, promise: nil)
        let written = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
        if close {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension ShimConnectionHandler: Sendable {}
