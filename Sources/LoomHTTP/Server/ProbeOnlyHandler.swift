import NIOCore
import NIOHTTP1

/// Restricts a shim connection admitted past the connection budget (``LoomTLS/ConnectionLimits/probeLane``) to one
/// health probe: a `GET` of `/healthz`, `/readyz` or `/metrics` is passed on and the connection closed after its
/// response; any other request gets 503 with a JSON body naming the limit, and the connection is closed. The
/// connection's deadlines are ``timeout`` (see ``CallbackShim``).
final class ProbeOnlyHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// How long a probe-only connection may take to send its request, and may stay idle.
    static let timeout: Duration = .seconds(2)
    /// The paths served past the connection budget.
    static let paths: Set<Substring> = ["/healthz", "/readyz", "/metrics"]

    private enum State {
        case awaitingRequest
        case forwarding
        case done
    }

    private var state = State.awaitingRequest

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = Self.unwrapInboundIn(data)
        switch (state, part) {
        case (.awaitingRequest, .head(let head)):
            let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if head.method == .GET, Self.paths.contains(path) {
                state = .forwarding
                context.fireChannelRead(data)
            } else {
                state = .done
                refuse(context: context, version: head.version)
            }
        case (.forwarding, _):
            context.fireChannelRead(data)
        case (.awaitingRequest, _), (.done, _):
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .head(var head):
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(Self.wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers) where state == .forwarding:
            state = .done
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(Self.wrapOutboundOut(.end(trailers))).whenComplete { result in
                promise?.completeWith(result)
                loopBound.value.close(promise: nil)
            }
        default:
            context.write(data, promise: promise)
        }
    }

    private func refuse(context: ChannelHandlerContext, version: HTTPVersion) {
        let body = #"{"error":"the server is at its connection limit (--max-connections): this connection serves only GET /healthz, /readyz and /metrics"}"#
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: "\(body.utf8.count)")
        headers.add(name: "connection", value: "close")
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .serviceUnavailable, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}

@available(*, unavailable)
extension ProbeOnlyHandler: Sendable {}
