import Foundation
import LoomTLS
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Serves console requests on one HTTP/1.1 connection: one at a time (NIO's pipelining helper
/// queues the rest), no bodies, a deadline for an idle connection or a slow request head, a
/// deadline for rendering, and Server-Sent Event streams written as their events come, each
/// write waiting for the previous one to reach the socket (a client that stops reading holds one
/// event, not an unbounded queue).
final class ConsoleConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case head(HTTPRequestHead, body: [UInt8])
        case responding
        case closed
    }

    /// How often an open event stream gets a comment line.
    static let heartbeat: TimeAmount = .seconds(15)

    /// The largest body a console request may have: a POST's form (a token, a step name, a reason).
    static let maxFormSize = 8192
    /// The largest body of a request to the operator API (`/api/…`): a dry run's candidate, with its metadata
    /// and files.
    static let maxAPIBodySize = 256 * 1024

    /// The largest body `head` may have: `nil` when it may have none (anything but a page's POST, or an API POST
    /// or PATCH), and the limit's description.
    static func bodyLimit(of head: HTTPRequestHead) -> (bytes: Int, what: String)? {
        let api = head.uri.hasPrefix("/api/")
        switch head.method {
        case .POST: return api ? (maxAPIBodySize, "an API request body") : (maxFormSize, "a console form")
        case .PATCH where api: return (maxAPIBodySize, "an API request body")
        default: return nil
        }
    }

    private let router: ConsoleRouter
    private let idleTimeout: TimeAmount
    private let requestTimeout: TimeAmount
    private let peerIdentity: () -> PeerIdentity?
    private var state = State.idle
    private var deadline: Scheduled<Void>?
    private var task: Task<Void, Never>?

    init(router: ConsoleRouter, idleTimeout: Duration, requestTimeout: Duration, peerIdentity: @escaping () -> PeerIdentity?) {
        self.router = router
        self.idleTimeout = TimeAmount(idleTimeout)
        self.requestTimeout = TimeAmount(requestTimeout)
        self.peerIdentity = peerIdentity
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(idleTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(idleTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        disarm()
        task?.cancel()
        task = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (Self.unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            let length = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            guard let limit = Self.bodyLimit(of: head) else {
                if length > 0 || head.headers.contains(name: "transfer-encoding") {
                    respondEarly(.jsonError(.payloadTooLarge, "this console request has no body"), context: context)
                    return
                }
                state = .head(head, body: [])
                return
            }
            guard !head.headers.contains(name: "transfer-encoding") else {
                respondEarly(.jsonError(.lengthRequired, "a console \(head.method.rawValue) needs a content-length"), context: context)
                return
            }
            guard length <= limit.bytes else {
                respondEarly(.jsonError(.payloadTooLarge, "\(limit.what) is at most \(limit.bytes) bytes"), context: context)
                return
            }
            state = .head(head, body: [])
        case (.body(let part), .head(let head, var body)):
            guard let limit = Self.bodyLimit(of: head), body.count + part.readableBytes <= limit.bytes else {
                respondEarly(.jsonError(.payloadTooLarge, "this console request's body is too large"), context: context)
                return
            }
            body.append(contentsOf: part.readableBytesView)
            state = .head(head, body: body)
        case (.end, .head(let head, let body)):
            state = .responding
            disarm()
            dispatch(head, body: body, context: context)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError, case .idle = state {
            let headerTooLarge: Bool = { if case .headerOverflow = error { return true } else { return false } }()
            respondEarly(
                headerTooLarge
                    ? .jsonError(.requestHeaderFieldsTooLarge, "request headers too large")
                    : .jsonError(.badRequest, "malformed HTTP request"),
                context: context)
        } else {
            state = .closed
            context.close(promise: nil)
        }
    }

    /// Writes `response` with the security headers and closes: for requests refused before routing.
    private func respondEarly(_ response: ConsoleResponse, context: ChannelHandlerContext) {
        state = .closed
        disarm()
        var response = response
        for (name, value) in ConsoleResponse.securityHeaders { response.headers.replaceOrAdd(name: name, value: value) }
        write(response, head: nil, close: true, context: context)
    }

    private func dispatch(_ head: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        let request = ConsoleRequest(
            method: head.method, uri: head.uri, headers: head.headers,
            peerAddress: context.channel.remoteAddress?.ipAddress.flatMap(IPAddress.init(parsing:)),
            peerIdentity: peerIdentity(), body: body)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let router = self.router
        deadline = eventLoop.scheduleTask(in: requestTimeout) {
            let (handler, context) = loopBound.value
            handler.task?.cancel()
            handler.task = nil
            handler.respondEarly(.jsonError(.serviceUnavailable, "request timed out"), context: context)
        }
        task = Task {
            let response = await router.respond(to: request)
            eventLoop.execute {
                let (handler, context) = loopBound.value
                guard case .responding = handler.state else {
                    if case .events(_, let release) = response.body { release() }
                    return
                }
                handler.disarm()
                handler.write(response, head: head, close: !head.isKeepAlive, context: context)
            }
        }
    }

    private func write(_ response: ConsoleResponse, head request: HTTPRequestHead?, close: Bool, context: ChannelHandlerContext) {
        var headers = response.headers
        let isHead = request?.method == .HEAD
        switch response.body {
        case .bytes(let bytes):
            headers.replaceOrAdd(name: "content-length", value: String(bytes.count))
            if close { headers.replaceOrAdd(name: "connection", value: "close") }
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
            if !bytes.isEmpty, !isHead {
                context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
            }
            let written = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            written.whenComplete { _ in
                let (handler, context) = loopBound.value
                if close {
                    handler.state = .closed
                    context.close(promise: nil)
                } else if case .responding = handler.state {
                    handler.state = .idle
                    handler.arm(handler.idleTimeout, context: context)
                }
            }
        case .events(let events, let release):
            if isHead {
                release()
                write(ConsoleResponse(status: response.status, headers: response.headers, body: .bytes([])), head: request, close: close, context: context)
                return
            }
            // A stream ends the connection: the browser reconnects with a new one.
            headers.replaceOrAdd(name: "connection", value: "close")
            context.writeAndFlush(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
            stream(events, release: release, context: context)
        }
    }

    /// Writes each event as it comes, waiting for the previous write; ends the response and closes
    /// when the stream ends; stops the stream when the connection closes.
    private func stream(_ events: AsyncThrowingStream<String, any Error>, release: @escaping @Sendable () -> Void, context: ChannelHandlerContext) {
        let channel = context.channel
        // A comment line every `heartbeat`: proxies keep the stream open, and a client that vanished without
        // closing is found by the failing write (the connection closes, the watch stops, the place is freed).
        let ended = NIOLockedValueBox(false)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let heartbeat = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.heartbeat, delay: Self.heartbeat) { _ in
            guard !ended.withLockedValue({ $0 }) else { return }
            loopBound.value.writeAndFlush(Self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: ": ping\n\n")))), promise: nil)
        }
        task = Task {
            do {
                for try await event in events {
                    try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: event))))
                }
                ended.withLockedValue { $0 = true }
                heartbeat.cancel()
                try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            } catch {
                // The client went away, or the watch failed: nothing more to send.
            }
            ended.withLockedValue { $0 = true }
            heartbeat.cancel()
            // The place is free before the client can see the connection close.
            release()
            try? await channel.close()
        }
    }

    private func arm(_ delay: TimeAmount, context: ChannelHandlerContext) {
        disarm()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: delay) { loopBound.value.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension ConsoleConnectionHandler: Sendable {}
