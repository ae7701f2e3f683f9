import LoomTLS
import NIOCore
import NIOHTTP1

/// One complete HTTP response read by the client.
public struct HTTPClientResponse: Sendable {
    /// Status code.
    public var status: HTTPResponseStatus
    /// Headers.
    public var headers: HTTPHeaders
    /// The whole body.
    public var body: [UInt8]
    /// Whether the connection may carry another request.
    var keepAlive: Bool
}

/// A request to write on a client connection, with the promise its response completes.
struct HTTPClientRequest {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var promise: EventLoopPromise<HTTPClientResponse>
}

/// Sends one request at a time on a connection and collects its response (bounded) into the request's promise.
///
/// A connection that closes, errors or answers without a pending request fails the pending promise with
/// `connectionClosed` and is closed itself, so the pool never reuses a connection in an unknown state.
final class HTTPClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequest
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case idle
        case waitingForHead(EventLoopPromise<HTTPClientResponse>, keepAlive: Bool)
        case readingBody(EventLoopPromise<HTTPClientResponse>, HTTPResponseHead, body: [UInt8], keepAlive: Bool)
        case failed
    }

    private var state: State = .idle
    private let maxResponseSize: Int

    init(maxResponseSize: Int) {
        self.maxResponseSize = maxResponseSize
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = Self.unwrapOutboundIn(data)
        guard case .idle = self.state else {
            request.promise.fail(MigratorClientError(code: .connectionClosed, message: "connection is busy or failed"))
            promise?.fail(ChannelError.inappropriateOperationForState)
            return
        }
        self.state = .waitingForHead(request.promise, keepAlive: request.head.isKeepAlive)
        context.write(Self.wrapOutboundOut(.head(request.head)), promise: nil)
        if request.body.readableBytes > 0 {
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        }
        context.write(Self.wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (Self.unwrapInboundIn(data), self.state) {
        case (.head(let head), .waitingForHead(let promise, let keepAlive)):
            self.state = .readingBody(promise, head, body: [], keepAlive: keepAlive && head.isKeepAlive)
        case (.body(var part), .readingBody(let promise, let head, var body, let keepAlive)):
            guard body.count + part.readableBytes <= self.maxResponseSize else {
                self.fail(
                    MigratorClientError(code: .responseTooLarge, message: "response exceeds \(self.maxResponseSize) bytes"),
                    context: context
                )
                return
            }
            self.state = .failed  // no copy-on-write while appending
            body.append(contentsOf: part.readBytes(length: part.readableBytes) ?? [])
            self.state = .readingBody(promise, head, body: body, keepAlive: keepAlive)
        case (.end, .readingBody(let promise, let head, let body, let keepAlive)):
            self.state = keepAlive ? .idle : .failed
            promise.succeed(HTTPClientResponse(status: head.status, headers: head.headers, body: body, keepAlive: keepAlive))
            if !keepAlive {
                context.close(promise: nil)
            }
        case (_, .failed):
            break
        default:
            self.fail(MigratorClientError(code: .invalidResponse, message: "unexpected HTTP response part"), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let clientError: MigratorClientError
        switch error {
        case let error as MigratorClientError:
            clientError = error
        case let error as TLSError:
            clientError = MigratorClientError(code: .tlsFailed, message: "TLS failed: \(error.code)")
        default:
            clientError = MigratorClientError(code: .invalidResponse, message: "malformed HTTP response or transport error")
        }
        self.fail(clientError, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fail(MigratorClientError(code: .connectionClosed, message: "connection closed before a complete response"), context: context)
        context.fireChannelInactive()
    }

    private func fail(_ error: MigratorClientError, context: ChannelHandlerContext) {
        let previous = self.state
        self.state = .failed
        switch previous {
        case .waitingForHead(let promise, _), .readingBody(let promise, _, _, _):
            promise.fail(error)
        case .idle, .failed:
            break
        }
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTPClientConnectionHandler: Sendable {}
