import Logging
import LoomTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request the migrator's HTTP server received: method, path and the whole body.
public struct MigratorHTTPRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPMethod
    /// The request path without query.
    public var path: String
    /// The body bytes (bounded by ``MigratorHTTPServer/maximumBodySize``).
    public var body: [UInt8]
}

/// A response: status and a JSON body.
public struct MigratorHTTPResponse: Sendable {
    /// The HTTP status.
    public var status: HTTPResponseStatus
    /// The JSON body (may be empty).
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPResponseStatus, body: [UInt8] = []) {
        self.status = status
        self.body = body
    }
}

/// The small HTTP/1.1 server on which Loom reaches the migrator (`/dispatch-step`, `/dry-run`).
///
/// Requests are aggregated (bodies over ``maximumBodySize`` get 413), handed to an async
/// responder, and answered with keep-alive. TLS (optionally mutual) comes from LoomTLS.
public final class MigratorHTTPServer: Sendable {
    /// The largest request body accepted.
    public static let maximumBodySize = 4 << 20

    /// Produces a response for a request.
    public typealias Responder = @Sendable (MigratorHTTPRequest) async -> MigratorHTTPResponse

    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// The bound port.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds the server and starts answering requests.
    public static func start(
        host: String,
        port: Int,
        tls: TLSContext?,
        group: any EventLoopGroup,
        logger: Logger,
        responder: @escaping Responder
    ) async throws -> MigratorHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { _ = try channel.pipeline.syncOperations.addTLSServerHandlers(context: tls, logger: logger) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        NIOHTTPServerRequestAggregator(maxContentLength: maximumBodySize))
                    try channel.pipeline.syncOperations.addHandler(RespondingHandler(responder: responder, logger: logger))
                }
            }
            .bind(host: host, port: port)
            .get()
        return MigratorHTTPServer(channel: channel)
    }

    /// Stops accepting connections and closes the listener.
    public func close() async throws {
        try await channel.close()
    }
}

/// Hands aggregated requests to the responder and writes its answer back, in order.
private final class RespondingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: MigratorHTTPServer.Responder
    private let logger: Logger

    init(responder: @escaping MigratorHTTPServer.Responder, logger: Logger) {
        self.responder = responder
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let full = Self.unwrapInboundIn(data)
        let request = MigratorHTTPRequest(
            method: full.head.method,
            path: String(full.head.uri.split(separator: "?", maxSplits: 1).first ?? ""),
            body: full.body.map { Array($0.readableBytesView) } ?? [])
        let keepAlive = full.head.isKeepAlive
        let version = full.head.version
        let responder = self.responder
        let promise = context.eventLoop.makePromise(of: MigratorHTTPResponse.self)
        promise.completeWithTask { await responder(request) }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { response in
            let context = bound.value
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(response.body.count))
            headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
            context.write(
                Self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))),
                promise: nil)
            context.write(
                Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                promise: nil)
            let done = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("migrator HTTP connection closed", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
