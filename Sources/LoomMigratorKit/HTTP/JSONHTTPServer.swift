// LoomMigratorKit's HTTP primitives, part 1: a small HTTP/1.1 JSON server.
//
// Generic on purpose and shared: migrators serve Loom's calls with it, and `loomctl migrator check`
// plays a fake Loom with it. The public names (`JSONHTTPServer`, `JSONHTTPRouter`, `JSONHTTPRequest`,
// `JSONHTTPResponse`) are stable.
import Logging
import LoomTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request the server received, with its whole body.
public struct JSONHTTPRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPMethod
    /// The path, without query (`/dispatch-step`).
    public var path: String
    /// The query after `?`, if any (not decoded).
    public var query: String?
    /// The request headers.
    public var headers: HTTPHeaders
    /// The body bytes (at most the server's ``JSONHTTPServer/Configuration/maximumBodySize``).
    public var body: [UInt8]

    /// Creates a request (tests build them to call a router or responder directly).
    public init(method: HTTPMethod, path: String, query: String? = nil, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        headers.first(name: name)
    }

    /// Decodes the body as JSON of type `T` with ``JSONCoding``.
    /// - Throws: ``JSONBodyError`` naming the offending field, safe to send back.
    public func decode<T: Decodable>(_ type: T.Type) throws(JSONBodyError) -> T {
        try JSONCoding.decode(type, from: body)
    }
}

/// A response: status, extra headers and a JSON body. `content-type` and `content-length` are added by the server.
public struct JSONHTTPResponse: Sendable {
    /// The HTTP status.
    public var status: HTTPResponseStatus
    /// Headers to send besides `content-type`, `content-length` and `connection`.
    public var headers: HTTPHeaders
    /// The JSON body (may be empty).
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `value` encoded with ``JSONCoding``.
    public static func json(_ status: HTTPResponseStatus, _ value: some Encodable) -> JSONHTTPResponse {
        JSONHTTPResponse(status: status, body: JSONCoding.encode(value))
    }

    /// An error response, `{"error": message}` — the shape of every error Loom and its migrators answer.
    public static func error(_ status: HTTPResponseStatus, _ message: String) -> JSONHTTPResponse {
        json(status, ["error": message])
    }
}

/// Routes requests by (method, path) to async handlers.
///
/// An unknown path answers 404, a known path with another method 405 (with `Allow`), both with a JSON body.
public struct JSONHTTPRouter: Sendable {
    /// Answers one routed request.
    public typealias Handler = @Sendable (JSONHTTPRequest) async -> JSONHTTPResponse

    private var routes: [String: [(method: HTTPMethod, handler: Handler)]] = [:]

    /// Creates an empty router.
    public init() {}

    /// Routes `method path` (exact path match) to `handler`, replacing an earlier route for the same pair.
    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        routes[path, default: []].removeAll { $0.method == method }
        routes[path, default: []].append((method, handler))
    }

    /// Answers `request` with its route's handler, or 404 / 405.
    public func respond(to request: JSONHTTPRequest) async -> JSONHTTPResponse {
        guard let candidates = routes[request.path] else {
            return .error(.notFound, "no route for \(request.path.prefix(200))")
        }
        guard let route = candidates.first(where: { $0.method == request.method }) else {
            var response = JSONHTTPResponse.error(
                .methodNotAllowed, "method \(request.method.rawValue.prefix(20)) not allowed on \(request.path)")
            response.headers.add(name: "allow", value: candidates.map(\.method.rawValue).joined(separator: ", "))
            return response
        }
        return await route.handler(request)
    }
}

/// A small HTTP/1.1 server answering JSON requests with an async responder.
///
/// Requests are read whole: a body over ``Configuration/maximumBodySize`` is answered 413 (JSON body) and the
/// connection closed, an unparsable request 400 (431 for an over-long header section). Connections are kept
/// alive and pipelined requests answered in order. A connection idle for ``Configuration/idleTimeout`` between
/// requests is closed. TLS (optionally mutual) comes from a LoomTLS server context.
public final class JSONHTTPServer: Sendable {
    /// The largest request body accepted unless configured otherwise: 4 MiB.
    public static let defaultMaximumBodySize = 4 << 20

    /// Produces a response for a request.
    public typealias Responder = @Sendable (JSONHTTPRequest) async -> JSONHTTPResponse

    /// Where and how the server listens.
    public struct Configuration: Sendable {
        /// The address to bind (`127.0.0.1`, `0.0.0.0`).
        public var host: String
        /// The port to bind; 0 picks a free one (read it from ``JSONHTTPServer/port``).
        public var port: Int
        /// The largest request body accepted; bigger ones get 413.
        public var maximumBodySize: Int
        /// Serve HTTPS with this server context (its client-auth setting applies); `nil` serves plain HTTP.
        public var tls: TLSContext?
        /// How long a connection may stay silent before it is closed; `nil` never closes it.
        public var idleTimeout: TimeAmount?

        /// Creates a configuration.
        public init(
            host: String, port: Int, maximumBodySize: Int = JSONHTTPServer.defaultMaximumBodySize,
            tls: TLSContext? = nil, idleTimeout: TimeAmount? = .seconds(60)
        ) {
            self.host = host
            self.port = port
            self.maximumBodySize = maximumBodySize
            self.tls = tls
            self.idleTimeout = idleTimeout
        }
    }

    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// The bound port.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds the server and starts answering requests with `responder`.
    public static func start(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        responder: @escaping Responder
    ) async throws -> JSONHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls = configuration.tls { try sync.addTLSServerHandlers(context: tls, logger: logger) }
                    if let idle = configuration.idleTimeout { try sync.addHandler(IdleStateHandler(readTimeout: idle)) }
                    try sync.configureHTTPServerPipeline(withErrorHandling: false)
                    try sync.addHandler(
                        JSONHTTPConnectionHandler(
                            maximumBodySize: configuration.maximumBodySize, responder: responder, logger: logger))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        return JSONHTTPServer(channel: channel)
    }

    /// Binds the server and answers requests with `router`.
    public static func start(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        router: JSONHTTPRouter
    ) async throws -> JSONHTTPServer {
        try await start(configuration, group: group, logger: logger) { await router.respond(to: $0) }
    }

    /// Stops accepting connections and closes the listener (open connections finish their requests).
    public func close() async throws {
        try await channel.close()
    }
}

/// Reads one request at a time (the HTTP pipeline handler holds pipelined ones back), enforces the body
/// limit, hands the request to the responder and writes its answer.
private final class JSONHTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case reading(HTTPRequestHead, ByteBuffer)
        case responding
        case closing
    }

    private let maximumBodySize: Int
    private let responder: JSONHTTPServer.Responder
    private let logger: Logger
    private var state = State.idle

    init(maximumBodySize: Int, responder: @escaping JSONHTTPServer.Responder, logger: Logger) {
        self.maximumBodySize = maximumBodySize
        self.responder = responder
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (Self.unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maximumBodySize {
                refuse(context: context, version: head.version, .payloadTooLarge, tooLarge())
                return
            }
            state = .reading(head, context.channel.allocator.buffer(capacity: 0))
        case (.body(var chunk), .reading(let head, var body)):
            guard body.readableBytes + chunk.readableBytes <= maximumBodySize else {
                refuse(context: context, version: head.version, .payloadTooLarge, tooLarge())
                return
            }
            body.writeBuffer(&chunk)
            state = .reading(head, body)
        case (.end, .reading(let head, let body)):
            state = .responding
            respond(context: context, head: head, body: body)
        case (_, .closing):
            break  // the rest of a refused request
        default:
            refuse(context: context, version: .http1_1, .badRequest, "unexpected request part")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // Silent between requests, or mid-request (a stalled upload): close. A slow responder is not idle.
            if case .responding = state { return }
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        var answerable = false  // no response in flight: the error can still be answered
        switch state {
        case .idle, .reading: answerable = true
        case .responding, .closing: answerable = false
        }
        guard answerable, let parserError = error as? HTTPParserError else {
            logger.debug("HTTP connection closed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        if case .headerOverflow = parserError {
            refuse(context: context, version: .http1_1, .requestHeaderFieldsTooLarge, "header section too large")
        } else {
            refuse(context: context, version: .http1_1, .badRequest, "malformed HTTP request")
        }
    }

    private func tooLarge() -> String {
        "request body over the limit of \(maximumBodySize) bytes"
    }

    private func refuse(context: ChannelHandlerContext, version: HTTPVersion, _ status: HTTPResponseStatus, _ message: String) {
        state = .closing
        write(context: context, version: version, response: .error(status, message), keepAlive: false)
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let request = JSONHTTPRequest(
            method: head.method, path: String(parts.first ?? ""), query: parts.count > 1 ? String(parts[1]) : nil,
            headers: head.headers, body: Array(body.readableBytesView))
        let keepAlive = head.isKeepAlive
        let responder = self.responder
        let promise = context.eventLoop.makePromise(of: JSONHTTPResponse.self)
        promise.completeWithTask { await responder(request) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { response in
            let (handler, context) = bound.value
            guard case .responding = handler.state else { return }
            handler.state = keepAlive ? .idle : .closing
            handler.write(context: context, version: head.version, response: response, keepAlive: keepAlive)
        }
    }

    private func write(context: ChannelHandlerContext, version: HTTPVersion, response: JSONHTTPResponse, keepAlive: Bool) {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
        headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
        context.write(
            Self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))),
            promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        let done = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
