import LoomTLS
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A migrator stand-in: an HTTP server in the test process that records what Loom sends and answers as told.
final class TestMigrator: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders
        var body: String
    }

    enum Reply: Sendable {
        case respond(HTTPResponseStatus, String, headers: HTTPHeaders = [:])
        /// Never answer (to exercise timeouts).
        case hang
    }

    typealias Script = @Sendable (Request) async -> Reply

    private let state = NIOLockedValueBox<(requests: [Request], connections: Int)>(([], 0))
    private let script: Script
    private let channel: any Channel

    var requests: [Request] { self.state.withLockedValue { $0.requests } }
    var connectionCount: Int { self.state.withLockedValue { $0.connections } }
    var port: Int { self.channel.localAddress!.port! }
    private let secure: Bool
    /// `http://127.0.0.1:port`, or `https://localhost:port` when serving TLS.
    var url: String { self.secure ? "https://localhost:\(self.port)" : "http://127.0.0.1:\(self.port)" }

    private init(channel: any Channel, secure: Bool, script: @escaping Script) {
        self.channel = channel
        self.secure = secure
        self.script = script
    }

    static func start(tls: TLSContext? = nil, script: @escaping Script) async throws -> TestMigrator {
        let box = NIOLockedValueBox<TestMigrator?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addTLSServerHandlers(context: tls)
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(owner: { box.withLockedValue { $0 } }))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let migrator = TestMigrator(channel: channel, secure: tls != nil, script: script)
        box.withLockedValue { $0 = migrator }
        return migrator
    }

    func stop() async {
        try? await self.channel.close()
    }

    fileprivate func connected() {
        self.state.withLockedValue { $0.connections += 1 }
    }

    fileprivate func received(_ request: Request) async -> Reply {
        self.state.withLockedValue { $0.requests.append(request) }
        return await self.script(request)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let owner: @Sendable () -> TestMigrator?
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(owner: @escaping @Sendable () -> TestMigrator?) {
            self.owner = owner
        }

        func channelActive(context: ChannelHandlerContext) {
            self.owner()?.connected()
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch Self.unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                self.body.clear()
            case .body(var part):
                self.body.writeBuffer(&part)
            case .end:
                guard let head = self.head, let owner = self.owner() else { return }
                let request = Request(method: head.method, uri: head.uri, headers: head.headers, body: String(buffer: self.body))
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                Task {
                    let reply = await owner.received(request)
                    eventLoop.execute {
                        let (handler, context) = loopBound.value
                        handler.send(reply, context: context)
                    }
                }
            }
        }

        private func send(_ reply: Reply, context: ChannelHandlerContext) {
            guard case .respond(let status, let text, var headers) = reply else { return }
            headers.add(name: "content-length", value: String(text.utf8.count))
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
