import Foundation
import LoomTLS
import LoomTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import LoomRPC

/// Peers that do not read what they are sent: neither side may buffer without bound, and neither may wedge.
@Suite("Backpressure")
struct RPCBackpressureTests {
    /// The most bytes the kernel may hold between a server and a peer whose receive buffer is `receiveBuffer`: the
    /// largest send buffer plus twice the receive buffer (the kernel doubles what `SO_RCVBUF` asks for).
    private func kernelSocketBytes(receiveBuffer: Int) -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8)) ?? ""
        let sendBuffer = text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 8 * 1024 * 1024
        return sendBuffer + 2 * receiveBuffer
    }

    @Test(
        "a peer that sends calls but never reads their responses stalls its connection, not the server's memory",
        arguments: [false, true]
    )
    func serverStopsTakingCallsFromAPeerThatDoesNotRead(overTLS: Bool) async throws {
        let calls = 1000
        let receiveBuffer = 16 * 1024
        // The premise: the responses cannot all fit in the sockets, so the server must stop while the peer reads nothing.
        try #require(calls * BackpressureServer.responseSize > 2 * kernelSocketBytes(receiveBuffer: receiveBuffer))
        let server = try await BackpressureServer.start(security: overTLS ? try TestTLS.server() : .insecure)
        let security = overTLS ? try TestTLS.client(try TestTLS.ca.operatorClient) : .insecure
        let statuses = EventCounter()
        let peer = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try security.configure(channel: channel, isServer: false, targetHost: "localhost", logger: TestServer.quietLogger)
                    try channel.pipeline.syncOperations.addHandler(StatusCounter(statuses: statuses))
                }
            }
            .connect(host: "127.0.0.1", port: server.port).get()
        if overTLS { _ = try await peer.tlsHandshakeCompleted().get() }
        var requests = ByteBuffer()
        for id in 1...UInt32(calls) {
            requests.writeRPCFrame(.callStart(.init(callID: id, method: TestMethods.large, timeout: nil, metadata: [:])))
            requests.writeRPCFrame(.message(callID: id, ByteBuffer()))
        }
        try await peer.writeAndFlush(requests)

        // The sockets fill (the peer reads nothing), the connection stops being writable and, at the end of a read,
        // the next read is due while it is not: the moment the server must hold it.
        try await server.probe.readDueWhileUnwritable.wait(for: 1, timeout: .seconds(60))
        #expect(server.served.count < calls)

        // Once the peer reads, every call is answered.
        try await peer.setOption(.autoRead, value: true).get()
        peer.read()
        try await statuses.wait(for: calls, timeout: .seconds(60))
        #expect(server.served.count == calls)
        // Checked over the whole connection (all of it happened before the last STATUS was sent):
        let counts = server.probe.counts.withLockedValue { $0 }
        #expect(counts.readsPassedWhileUnwritable == 0, "the server read from a peer it could not write to")
        // Handlers answer in place (`.eventLoop`): a response written while not writable was a call taken while not writable.
        #expect(counts.responsesWrittenWhileUnwritable == 0, "the server took calls from a peer it could not write to")
        // Output stops at the high water mark plus the last writes (at most two responses: the handler flushes every 64 KiB).
        let bound = BackpressureServer.highWaterMark + 2 * (BackpressureServer.responseSize + 1024)
        #expect(counts.maxBufferedBytes <= bound, "the server buffered \(counts.maxBufferedBytes) bytes for a peer that reads nothing")
        try await peer.close()
        try await server.listener.close()
    }

    @Test("a caller that falls behind a stream gets what it was sent, then RESOURCE_EXHAUSTED; other calls go on")
    func clientBoundsAStreamBacklog() async throws {
        let server = try await TestServer.start()
        let limit = 256 * 1024
        let client = server.client { $0.maxBufferedStreamBytes = limit }
        let stream = try await client.serverStreaming(method: TestMethods.largeForever, request: ByteBuffer())
        // Nobody iterates: once 256 KiB wait, the call is cancelled on the server.
        try await server.cancelled.wait(for: 1)
        // The connection was never paused: another call on it is answered while the stream sits untaken.
        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "meanwhile"))
        #expect(String(buffer: reply) == "meanwhile")
        var received = 0
        let error = await #expect(throws: RPCError.self) {
            for try await message in stream {
                #expect(message.readableBytes == TestServer.largeMessageSize)
                received += 1
            }
        }
        #expect(error?.code == .resourceExhausted, "\(String(describing: error))")
        #expect(received == limit / TestServer.largeMessageSize)
        await client.close()
        await server.server.close()
    }

    @Test("a caller that makes calls on the same client while it iterates a fast stream never deadlocks")
    func callsWhileIterating() async throws {
        let server = try await TestServer.start()
        let client = server.client { $0.maxBufferedStreamBytes = 256 * 1024 }
        // Each message waits for a round trip; the server writes faster, so the stream ends with RESOURCE_EXHAUSTED
        // (or after 200 messages). Pausing the connection instead would have left the echo behind unread data forever:
        // the time limit only turns that hang into a failure.
        let answered = try await withTimeLimit(.seconds(60), "calls made while iterating a stream deadlocked") {
            var answered = 0
            do {
                for try await _ in try await client.serverStreaming(method: TestMethods.largeForever, request: ByteBuffer()) {
                    let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "\(answered)"))
                    #expect(String(buffer: reply) == "\(answered)")
                    answered += 1
                    if answered == 200 { break }
                }
            } catch let error as RPCError where error.code == .resourceExhausted {}
            return answered
        }
        #expect(answered > 0)
        await client.close()
        await server.server.close()
    }

    @Test("a server that reads but never answers is declared dead by keepalive: the call fails with UNAVAILABLE")
    func silentServer() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Discard()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = RPCClient(
            host: "127.0.0.1",
            port: silent.localAddress?.port ?? 0,
            configuration: .defaults(transportSecurity: .insecure) {
                $0.keepaliveInterval = .milliseconds(50)
                $0.keepaliveTimeout = .milliseconds(50)
            },
            logger: TestServer.quietLogger
        )
        // The call has no deadline: only keepalive can end it (without, it would wait forever; the time limit turns
        // that into a failure). Its message names keepalive, unless the connection was already closed by it when the
        // call reached the event loop.
        let error = await #expect(throws: RPCError.self) {
            try await withTimeLimit(.seconds(60), "keepalive did not end a call to a silent server") {
                _ = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "anyone?"))
            }
        }
        #expect(error?.code == .unavailable, "\(String(describing: error))")
        await client.close()
        try await silent.close()
    }

    @Test("stream backlog: a message is refused once the backlog reached the limit; empty messages count too")
    func backlogAccounting() {
        let backlog = StreamBacklog(limit: 1000)
        let large = StreamBacklog.cost(of: ByteBuffer(repeating: 1, count: 5000))
        #expect(backlog.admit(large), "a caller that took everything always gets the next message, whatever its size")
        #expect(!backlog.admit(1), "the backlog is at the limit")
        backlog.taken(large)
        backlog.taken(1)
        #expect(backlog.bytes == 0)

        let empty = StreamBacklog.cost(of: ByteBuffer())
        #expect(empty == StreamBacklog.overhead)
        let admitted = (0..<100).prefix { _ in backlog.admit(empty) }.count
        #expect(admitted == (1000 + empty - 1) / empty, "empty messages must not pass the bound for free")
    }
}

/// Counts the STATUS frames a raw peer receives.
private final class StatusCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var reader = RPCFrameReader(maxMessageSize: 1 << 20)
    private let statuses: EventCounter

    init(statuses: EventCounter) {
        self.statuses = statuses
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        while let frame = try? reader.next() {
            if case .status(_, let status, _) = frame, status.code == .ok { statuses.increment() }
        }
    }
}

/// Reads and drops everything (a server that never answers).
private final class Discard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// A server connection handler on 127.0.0.1 that answers ``TestMethods/large`` in place (``RPCServer/HandlerExecution/eventLoop``),
/// watched by a ``BackpressureProbe``, its transport secured as ``RPCServer`` does it.
///
/// Its connections read 1 KiB at a time, one read per event-loop turn: a peer's calls arrive in many reads, so the
/// sockets fill before all are read, and a read falls due while the connection is not writable.
private struct BackpressureServer {
    static let responseSize = 64 * 1024
    /// NIO's default high water mark: above it, a channel is not writable.
    static let highWaterMark = 64 * 1024

    let listener: any Channel
    let probe: BackpressureProbe
    /// Responses handed to the connection.
    let served: EventCounter

    var port: Int { listener.localAddress?.port ?? 0 }

    static func start(security: RPCTransportSecurity) async throws -> BackpressureServer {
        let probe = BackpressureProbe()
        let served = EventCounter()
        let response = ByteBuffer(repeating: 0x4C, count: responseSize)
        var router = RPCRouter()
        router.registerUnary(TestMethods.large) { _, _ in
            served.increment()
            return response
        }
        let configuration = ServerConnectionHandler.Configuration(
            maxConcurrentCalls: 1024, idleTimeout: nil, handlerExecution: .eventLoop)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 1024))
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { [router] channel in
                channel.eventLoop.makeCompletedFuture {
                    _ = try security.configure(channel: channel, isServer: true, targetHost: nil, logger: TestServer.quietLogger)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(TransportSideProbe(probe))
                    try sync.addHandler(
                        ServerConnectionHandler(
                            router: router, authorizer: RPCAllowAllAuthorizer(), configuration: configuration, peerIdentity: nil,
                            logger: TestServer.quietLogger))
                    try sync.addHandler(PipelineEndProbe(probe))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return BackpressureServer(listener: listener, probe: probe, served: served)
    }
}

/// What crosses a server connection's ``ServerConnectionHandler`` while the channel is not writable.
private final class BackpressureProbe: Sendable {
    struct Counts {
        /// Reads asked for (by the channel's auto-read, at the end of each read) while not writable.
        var readsDueWhileUnwritable = 0
        /// Reads the connection handler passed on to the transport while not writable.
        var readsPassedWhileUnwritable = 0
        /// Responses the connection handler wrote while not writable.
        var responsesWrittenWhileUnwritable = 0
        /// The most bytes the channel held unsent, after any write or flush.
        var maxBufferedBytes = 0
    }

    let counts = NIOLockedValueBox(Counts())
    /// Counts ``Counts/readsDueWhileUnwritable`` as it happens.
    let readDueWhileUnwritable = EventCounter()
}

/// Between the transport (the socket, or TLS) and the connection handler: sees what the handler writes and the reads
/// it passes on.
private final class TransportSideProbe: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let probe: BackpressureProbe

    init(_ probe: BackpressureProbe) {
        self.probe = probe
    }

    func read(context: ChannelHandlerContext) {
        if !context.channel.isWritable { probe.counts.withLockedValue { $0.readsPassedWhileUnwritable += 1 } }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !context.channel.isWritable { probe.counts.withLockedValue { $0.responsesWrittenWhileUnwritable += 1 } }
        context.write(data, promise: promise)
        noteBufferedBytes(context)
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        noteBufferedBytes(context)
    }

    private func noteBufferedBytes(_ context: ChannelHandlerContext) {
        guard let buffered = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes) else { return }
        probe.counts.withLockedValue { $0.maxBufferedBytes = max($0.maxBufferedBytes, buffered) }
    }
}

/// At the end of the pipeline, where the channel's reads start: sees every read asked for.
private final class PipelineEndProbe: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer

    private let probe: BackpressureProbe

    init(_ probe: BackpressureProbe) {
        self.probe = probe
    }

    func read(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            probe.counts.withLockedValue { $0.readsDueWhileUnwritable += 1 }
            probe.readDueWhileUnwritable.increment()
        }
        context.read()
    }
}
