import Foundation
import LoomTLS
import LoomTestSupport
import NIOCore
import NIOPosix

/// A TLS server on 127.0.0.1 (port 0) whose connections answer every read with
/// `"<peer identity>|<payload>"`, the identity taken from the `TLSHandshakeCompleted`
/// event. Each connection's handshake outcome is published on ``outcomes``.
struct TestTLSServer {
    let channel: any Channel
    let logs: CapturedLogs
    let outcomes: AsyncStream<Result<TLSHandshakeCompleted, any Error>>

    var port: Int { channel.localAddress!.port! }

    static func start(context: TLSContext) async throws -> TestTLSServer {
        let logs = CapturedLogs()
        let logger = logs.logger()
        let (outcomes, continuation) = AsyncStream.makeStream(of: Result<TLSHandshakeCompleted, any Error>.self)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try channel.pipeline.syncOperations.addTLSServerHandlers(context: context, logger: logger)
                    tls.handshakeFuture.whenComplete { continuation.yield($0) }
                    try channel.pipeline.syncOperations.addHandler(IdentityEchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestTLSServer(channel: channel, logs: logs, outcomes: outcomes)
    }

    func stop() async throws {
        try await channel.close()
    }
}

/// Replies to each read with the peer identity it learned from the handshake event.
final class IdentityEchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var identity = "none"

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            identity = handshake.peerIdentity?.value ?? "none"
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var payload = Self.unwrapInboundIn(data)
        var reply = context.channel.allocator.buffer(capacity: identity.utf8.count + 1 + payload.readableBytes)
        reply.writeString(identity + "|")
        reply.writeBuffer(&payload)
        context.writeAndFlush(Self.wrapOutboundOut(reply), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Collects everything a client connection reads, and completes ``closed`` with it (and
/// the first error seen) when the connection goes away.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    struct Outcome: Sendable {
        var bytes: ByteBuffer
        var error: (any Error)?
    }

    private var bytes = ByteBuffer()
    private var firstError: (any Error)?
    private let expectedBytes: Int
    private let firstResponse: EventLoopPromise<ByteBuffer>
    private let closedPromise: EventLoopPromise<Outcome>

    /// - Parameters:
    ///   - expectedBytes: `response` completes once this many bytes arrived.
    ///   - response: Completed with the bytes read (failed when the connection closes first).
    ///   - closed: Completed when the connection is closed.
    init(expectedBytes: Int, response: EventLoopPromise<ByteBuffer>, closed: EventLoopPromise<Outcome>) {
        self.expectedBytes = expectedBytes
        self.firstResponse = response
        self.closedPromise = closed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        bytes.writeBuffer(&buffer)
        if bytes.readableBytes >= expectedBytes {
            firstResponse.succeed(bytes)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if firstError == nil { firstError = error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        firstResponse.fail(firstError ?? ChannelError.eof)
        closedPromise.succeed(Outcome(bytes: bytes, error: firstError))
        context.fireChannelInactive()
    }
}

/// A client connection to a test server.
struct TestClient {
    let channel: any Channel
    /// The reply (see ``ResponseCollector``).
    let response: EventLoopFuture<ByteBuffer>
    /// Everything read, once the connection closed.
    let closed: EventLoopFuture<ResponseCollector.Outcome>
    let handshake: EventLoopFuture<TLSHandshakeCompleted>?

    /// Connects with TLS (`context` non-nil) or in plaintext.
    static func connect(
        port: Int,
        context: TLSContext?,
        serverHostname: String? = nil,
        expectedBytes: Int = 1
    ) async throws -> TestClient {
        let group = MultiThreadedEventLoopGroup.singleton
        let eventLoop = group.next()
        let response = eventLoop.makePromise(of: ByteBuffer.self)
        let closed = eventLoop.makePromise(of: ResponseCollector.Outcome.self)
        // Taken from the handler in the initializer: once a failed handshake closed the
        // channel, the handler is gone from the pipeline.
        let handshake = context == nil ? nil : eventLoop.makePromise(of: TLSHandshakeCompleted.self)
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        let tls = try channel.pipeline.syncOperations.addTLSClientHandlers(
                            context: context, serverHostname: serverHostname)
                        tls.handshakeFuture.cascade(to: handshake)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ResponseCollector(expectedBytes: expectedBytes, response: response, closed: closed))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return TestClient(
            channel: channel, response: response.futureResult, closed: closed.futureResult,
            handshake: handshake?.futureResult)
    }

    /// Sends `text` and returns the complete reply of `expectedBytes` bytes as a string.
    func send(_ text: String) async throws -> String {
        try await channel.writeAndFlush(ByteBuffer(string: text))
        let reply = try await response.get()
        return String(buffer: reply)
    }
}

/// Runs a command with a deadline; returns its exit status and combined output.
enum BoundedProcess {
    struct Output: Sendable {
        var status: Int32
        var text: String
        var timedOut: Bool
    }

    static func run(_ arguments: [String], stdin: String = "", timeout: Duration = .seconds(15)) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let input = Pipe()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("loom-proc-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        defer { try? FileManager.default.removeItem(at: output) }
        let outputHandle = try FileHandle(forWritingTo: output)
        process.standardInput = input
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        let (terminated, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        var status: Int32 = -1
        for await code in terminated { status = code }
        let timedOut = watchdog.isCancelled == false && process.terminationReason == .uncaughtSignal
        watchdog.cancel()
        try outputHandle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return Output(status: status, text: text, timedOut: timedOut)
    }
}
