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

    private var stateMachine: StateMachine
    private let router: CallbackShimRouter
    private let requestTimeout: TimeAmount
    private let peerIdentity: () -> PeerIdentity?
    private var task: Task<Void, Never>?
    private var timeout: Scheduled<Void>?

    init(router: CallbackShimRouter, maxBodySize: Int, requestTimeout: Duration, peerIdentity: @escaping () -> PeerIdentity?) {
        self.stateMachine = StateMachine(maxBodySize: maxBodySize)
        self.router = router
        self.requestTimeout = .nanoseconds(requestTimeout.nanoseconds)
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
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let router = self.router
        self.timeout = eventLoop.scheduleTask(in: self.requestTimeout) {
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
