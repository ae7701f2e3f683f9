import Logging
import LoomCore
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Prometheus

@testable import LoomHTTP

/// The harness of the `shim-http` fuzz target: a client's bytes into the REST shim's connection pipeline on an
/// `EmbeddedChannel`, answered by the real ``CallbackShimRouter`` over a backend that does nothing.
///
/// The pipeline is the one ``CallbackShim`` builds (keep them in step): ``ConnectionDeadlineHandler``, NIO's HTTP/1.1
/// server pipeline with pipelining assistance and the decoder limits, then the connection handler. The last is
/// ``InlineShimConnectionHandler``: ``ShimConnectionHandler`` with its state machine, but calling the router inline
/// instead of in a task with a time limit, so that everything stays on this thread (an `EmbeddedChannel` may not be
/// touched from another). The limits are small, so that inputs of a few hundred bytes exceed them.
///
/// Input: the first byte picks the size of the reads the bytes arrive in (1…256); the rest is the stream. After
/// it, time jumps a minute (the read and idle deadlines fire) and the connection closes. Checked: nothing traps,
/// including the state machine's preconditions on the order of request parts.
///
/// This file is also compiled into the fuzzer (`Fuzz/Sources/FuzzShimHTTP` links it): no test-only code here.
enum ShimHTTPFuzzer {
    static let maxBodySize = 1024
    static let maxHeaderSize = 1024
    static let peerAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 9)
    static let router = CallbackShimRouter(
        backend: FuzzShimBackend(),
        authMode: .token,
        readiness: { true },
        registry: PrometheusCollectorRegistry(),
        logger: Logger(label: "loom.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    )

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let readSize = Int(first) + 1
        var stream = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: input.dropFirst()))

        let channel = EmbeddedChannel()
        let loop = channel.embeddedEventLoop
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = maxHeaderSize
        limits.maxHeaderFieldSize = maxHeaderSize
        limits.maxHeaderFieldCount = 256
        let sync = channel.pipeline.syncOperations
        try! sync.addHandler(ConnectionDeadlineHandler(idleTimeout: .seconds(60), readTimeout: .seconds(10)))
        try! sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true,
            withServerUpgrade: nil,
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: limits
        )
        try! sync.addHandler(InlineShimConnectionHandler(router: router, maxBodySize: maxBodySize))
        try! channel.connect(to: peerAddress).wait()

        while channel.isActive, let chunk = stream.readSlice(length: min(readSize, stream.readableBytes)),
            chunk.readableBytes > 0
        {
            _ = try? channel.writeInbound(chunk)
            loop.run()
        }
        loop.advanceTime(by: .seconds(60))
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()
    }
}

/// ``ShimConnectionHandler`` with the router called inline (see ``ShimHTTPFuzzer``): the same state machine, the same
/// actions, the same response writing.
final class InlineShimConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var stateMachine: ShimConnectionHandler.StateMachine
    private let router: CallbackShimRouter

    init(router: CallbackShimRouter, maxBodySize: Int) {
        self.stateMachine = .init(maxBodySize: maxBodySize)
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: ShimConnectionHandler.StateMachine.Action
        switch Self.unwrapInboundIn(data) {
        case .head(let head): action = self.stateMachine.receivedHead(head)
        case .body(let body): action = self.stateMachine.receivedBody(body)
        case .end: action = self.stateMachine.receivedEnd()
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
        context.fireChannelInactive()
    }

    private func perform(_ action: ShimConnectionHandler.StateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .close:
            context.close(promise: nil)
        case .write(let response, let close):
            self.write(response, close: close, context: context)
        case .dispatch(let id, let head, let body):
            context.triggerUserOutboundEvent(ConnectionDeadlineHandler.RequestEvent.requestReceived, promise: nil)
            let request = ShimRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            self.perform(self.stateMachine.responseReady(id: id, Self.respondInline(self.router, request)), context: context)
        }
    }

    /// Runs the router to completion on this thread; the fuzz backend never suspends, so neither does the router.
    private static func respondInline(_ router: CallbackShimRouter, _ request: ShimRequest) -> ShimResponse {
        let result = NIOLockedValueBox<ShimResponse?>(nil)
        guard #available(macOS 26.0, *) else { preconditionFailure("needs Task.immediate (Swift 6.2)") }
        Task.immediate {
            let response = await router.respond(to: request)
            result.withLockedValue { $0 = response }
        }
        guard let response = result.withLockedValue({ $0 }) else {
            preconditionFailure("the router suspended: the fuzz harness needs a backend that answers at once")
        }
        return response
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
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        // ShimConnectionHandler closes once the write completes; on an EmbeddedChannel it already has.
        if close {
            context.close(promise: nil)
        }
    }
}

/// Accepts everything at once; refuses candidates without an id and events for callbacks named `missing…`, so the
/// router's partial-success and error paths run too.
struct FuzzShimBackend: CallbackShimBackend {
    func announce(_ announcement: ReferenceJSON.MigrationAnnouncement, caller: ShimCaller) async throws -> [ReferenceJSON.RejectedCandidate] {
        Self.rejected(announcement.candidates ?? [])
    }

    func submitCandidates(
        _ candidates: [ReferenceJSON.Candidate], migrationId: String, caller: ShimCaller
    ) async throws -> [ReferenceJSON.RejectedCandidate] {
        Self.rejected(candidates)
    }

    func recordEvent(_ event: ReferenceJSON.StepCompletedEvent, callbackId: String, caller: ShimCaller) async throws {
        if callbackId.hasPrefix("missing") { throw LoomError.notFound("no run for callback \(callbackId)") }
    }

    private static func rejected(_ candidates: [ReferenceJSON.Candidate]) -> [ReferenceJSON.RejectedCandidate] {
        candidates.filter(\.id.isEmpty).map { _ in ReferenceJSON.RejectedCandidate(id: "", reason: "id: must not be empty") }
    }
}
