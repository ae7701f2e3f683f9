import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import LoomRPC

/// An `EmbeddedChannel` running the server's connection handler (which decodes frames itself), spoken to in frames.
struct EmbeddedServerConnection {
    let channel: EmbeddedChannel

    init(router: RPCRouter = RPCRouter(), maxConcurrentCalls: Int = 8, idleTimeout: TimeAmount? = nil, maxMessageSize: Int = 1024) throws {
        channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ServerConnectionHandler(
                router: router,
                authorizer: RPCAllowAllAuthorizer(),
                configuration: .init(maxConcurrentCalls: maxConcurrentCalls, idleTimeout: idleTimeout, maxMessageSize: maxMessageSize),
                peerIdentity: nil,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
        )
    }

    func activate() throws {
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    }

    func send(_ frames: RPCFrame...) throws {
        var buffer = ByteBuffer()
        for frame in frames { buffer.writeRPCFrame(frame) }
        try send(bytes: buffer)
    }

    func send(bytes: ByteBuffer) throws {
        // A protocol violation closes the channel; the decoder's error surfaces here, which tests don't need.
        _ = try? channel.writeInbound(bytes)
    }

    /// Every frame written so far.
    func readFrames() throws -> [RPCFrame] {
        try channel.writtenRPCFrames()
    }

    func advanceTime(by amount: TimeAmount) {
        channel.embeddedEventLoop.advanceTime(by: amount)
    }

    var isClosed: Bool { !channel.isActive }
}

@Suite("Server connection handler (EmbeddedChannel)")
struct ServerConnectionHandlerTests {
    static func start(_ id: UInt32, _ method: String = "/loom.v1.Loom/Nope", timeout: TimeAmount? = nil) -> RPCFrame {
        .callStart(.init(callID: id, method: method, timeout: timeout, metadata: [:]))
    }

    static func goAwayReason(_ frames: [RPCFrame]) -> GoAwayReason? {
        for case .goAway(let goAway) in frames { return goAway.reason }
        return nil
    }

    @Test("an unknown method is answered UNIMPLEMENTED and the connection stays open")
    func unimplemented() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        try connection.send(Self.start(1), .message(callID: 1, ByteBuffer()))
        let frames = try connection.readFrames()
        guard case .status(1, let status, _) = frames.first else {
            Issue.record("expected a status, got \(frames)")
            return
        }
        #expect(status.code == .unimplemented)
        #expect(!connection.isClosed)
    }

    @Test("while the channel is not writable no frame is taken and read() is held; writability resumes both, in order")
    func notWritable() throws {
        let connection = try EmbeddedServerConnection()
        let reads = ReadCounter()
        try connection.channel.pipeline.syncOperations.addHandler(reads, position: .first)
        try connection.activate()
        connection.channel.isWritable = false
        try connection.send(Self.start(1), .message(callID: 1, ByteBuffer()), Self.start(2), .message(callID: 2, ByteBuffer()))
        #expect(try connection.readFrames().isEmpty, "no call may be answered while the peer is not reading")
        let readsBefore = reads.count
        connection.channel.read()
        #expect(reads.count == readsBefore, "read() must be held")

        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        let answered = try connection.readFrames().compactMap { frame -> UInt32? in
            if case .status(let id, let status, _) = frame, status.code == .unimplemented { return id }
            return nil
        }
        #expect(answered == [1, 2])
        #expect(reads.count == readsBefore + 1, "the held read() is issued once writable")
        connection.channel.read()
        #expect(reads.count == readsBefore + 2)
        #expect(!connection.isClosed)
    }

    @Test("PING is answered with a PONG echoing its bytes")
    func ping() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        try connection.send(.ping(0xDEAD_BEEF))
        #expect(try connection.readFrames() == [.pong(0xDEAD_BEEF)])
    }

    @Test("reusing a call id gets GOAWAY(PROTOCOL_ERROR) and a closed connection")
    func callIDReuse() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        try connection.send(Self.start(3), Self.start(3))
        let frames = try connection.readFrames()
        #expect(Self.goAwayReason(frames) == .protocolError)
        #expect(connection.isClosed)
    }

    @Test("an unknown frame type gets GOAWAY(PROTOCOL_ERROR) and a closed connection")
    func unknownFrameType() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        try connection.send(bytes: ByteBuffer(bytes: [0, 0, 0, 0, 0x42, 0, 0, 0, 0, 1]))
        #expect(Self.goAwayReason(try connection.readFrames()) == .protocolError)
        #expect(connection.isClosed)
    }

    @Test("frames after an undecodable one in the same read are not acted on")
    func framesAfterAProtocolErrorAreIgnored() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        var bytes = ByteBuffer(bytes: [0, 0, 0, 0, 0x42, 0, 0, 0, 0, 1])
        bytes.writeRPCFrame(.ping(7))
        try connection.send(bytes: bytes)
        let frames = try connection.readFrames()
        #expect(Self.goAwayReason(frames) == .protocolError)
        #expect(!frames.contains(.pong(7)))
        #expect(connection.isClosed)
    }

    @Test("a frame delivered one byte at a time is acted on once complete")
    func frameDeliveredByteByByte() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        var bytes = ByteBuffer()
        bytes.writeRPCFrame(.ping(9))
        while let byte = bytes.readSlice(length: 1) {
            #expect(try connection.readFrames().isEmpty)
            try connection.send(bytes: byte)
        }
        #expect(try connection.readFrames() == [.pong(9)])
    }

    @Test("an oversized message gets GOAWAY(FRAME_TOO_LARGE) before its payload is sent")
    func oversized() throws {
        let connection = try EmbeddedServerConnection(maxMessageSize: 16)
        try connection.activate()
        try connection.send(bytes: ByteBuffer(bytes: [0, 0x10, 0, 0, 0x02, 0, 0, 0, 0, 1]))
        #expect(Self.goAwayReason(try connection.readFrames()) == .frameTooLarge)
        #expect(connection.isClosed)
    }

    @Test("garbage bytes close the connection")
    func garbage() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        try connection.send(bytes: ByteBuffer(string: "GET / HTTP/1.1\r\nHost: loom\r\n\r\n"))
        #expect(connection.isClosed)
    }

    @Test("calls past the per-connection limit get RESOURCE_EXHAUSTED")
    func limit() throws {
        let connection = try EmbeddedServerConnection(maxConcurrentCalls: 2)
        try connection.activate()
        try connection.send(Self.start(1), Self.start(2), Self.start(3))
        let frames = try connection.readFrames()
        guard case .status(3, let status, _) = frames.first, frames.count == 1 else {
            Issue.record("expected one status for call 3, got \(frames)")
            return
        }
        #expect(status.code == .resourceExhausted)
    }

    @Test("a call whose deadline passes gets DEADLINE_EXCEEDED")
    func deadline() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        try connection.send(Self.start(1, timeout: .milliseconds(200)))
        connection.advanceTime(by: .milliseconds(199))
        #expect(try connection.readFrames() == [])
        connection.advanceTime(by: .milliseconds(1))
        let frames = try connection.readFrames()
        guard case .status(1, let status, _) = frames.first else {
            Issue.record("expected a status, got \(frames)")
            return
        }
        #expect(status.code == .deadlineExceeded)
        // The late request is dropped without a protocol error.
        try connection.send(.message(callID: 1, ByteBuffer()))
        #expect(!connection.isClosed)
    }

    @Test("an idle connection is closed with GOAWAY(IDLE_TIMEOUT); one with a call in flight is not")
    func idleTimeout() throws {
        let connection = try EmbeddedServerConnection(idleTimeout: .seconds(60))
        try connection.activate()
        try connection.send(Self.start(1))
        connection.advanceTime(by: .seconds(120))
        #expect(!connection.isClosed)
        try connection.send(.cancel(callID: 1))
        connection.advanceTime(by: .seconds(59))
        #expect(!connection.isClosed)
        connection.advanceTime(by: .seconds(1))
        #expect(Self.goAwayReason(try connection.readFrames()) == .idleTimeout)
        #expect(connection.isClosed)
    }

    @Test("graceful shutdown of an idle connection sends GOAWAY(NO_ERROR) with the last call id and closes")
    func drainIdle() throws {
        let connection = try EmbeddedServerConnection()
        try connection.activate()
        try connection.send(Self.start(5), .message(callID: 5, ByteBuffer()))
        _ = try connection.readFrames()
        connection.channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.GracefulShutdownEvent())
        #expect(try connection.readFrames() == [.goAway(.init(lastCallID: 5, reason: .noError, message: "server shutting down"))])
        #expect(connection.isClosed)
    }
}

/// Counts the `read()` calls that reach the head of the pipeline.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private(set) var count = 0

    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}
