import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import LoomRPC

/// The client's connection handler on an `EmbeddedChannel`: it decodes the server's bytes into frames itself.
@Suite("Client connection handler (EmbeddedChannel)")
struct ClientConnectionHandlerTests {
    static func makeChannel() throws -> (EmbeddedChannel, ClientConnectionHandler) {
        let channel = EmbeddedChannel()
        let handler = ClientConnectionHandler(
            configuration: .init(maxMessageSize: 1024, keepaliveInterval: nil, keepaliveTimeout: .seconds(10)),
            logger: TestServer.quietLogger
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return (channel, handler)
    }

    /// Every frame the client wrote so far.
    static func writtenFrames(_ channel: EmbeddedChannel) throws -> [RPCFrame] {
        var all = ByteBuffer()
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&buffer) }
        var decoder = RPCFrameDecoder(maxMessageSize: 1 << 20)
        var frames: [RPCFrame] = []
        while let frame = try decoder.decode(buffer: &all) { frames.append(frame) }
        return frames
    }

    @Test("a response delivered one byte at a time completes the call once its STATUS is whole")
    func responseByteByByte() async throws {
        let (channel, handler) = try Self.makeChannel()
        let reply = try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<ByteBuffer, any Error>) in
            handler.startCall(
                token: RPCCallToken(), method: TestMethods.echo, request: ByteBuffer(string: "ping"), timeout: nil,
                metadata: [:], sink: .unary(continuation)
            )
            var response = ByteBuffer()
            response.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "pong")))
            response.writeRPCFrame(.status(callID: 1, .ok, [:]))
            while let byte = response.readSlice(length: 1) {
                _ = try? channel.writeInbound(byte)
            }
        }
        #expect(String(buffer: reply) == "pong")
        let sent = try Self.writtenFrames(channel)
        #expect(sent.count == 2)
        #expect(sent.last == .message(callID: 1, ByteBuffer(string: "ping")))
        _ = try channel.finish()
    }

    @Test("undecodable bytes from the server fail the calls in flight with INTERNAL, send GOAWAY and close")
    func undecodableBytesFromTheServer() async throws {
        let (channel, handler) = try Self.makeChannel()
        let error = await #expect(throws: RPCError.self) {
            _ = try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<ByteBuffer, any Error>) in
                handler.startCall(
                    token: RPCCallToken(), method: TestMethods.echo, request: ByteBuffer(string: "ping"), timeout: nil,
                    metadata: [:], sink: .unary(continuation)
                )
                // An unknown frame type, then a whole response for the call that must not be acted on.
                var bytes = ByteBuffer(bytes: [0, 0, 0, 0, 0x42, 0, 0, 0, 0, 1])
                bytes.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "pong")))
                bytes.writeRPCFrame(.status(callID: 1, .ok, [:]))
                _ = try? channel.writeInbound(bytes)
            }
        }
        #expect(error?.code == .internalError)
        let sent = try Self.writtenFrames(channel)
        guard case .goAway(let goAway) = sent.last else {
            Issue.record("expected GOAWAY, got \(sent)")
            return
        }
        #expect(goAway.reason == .protocolError)
        #expect(!channel.isActive)
    }

    @Test("a frame cut short by the connection closing fails the call in flight")
    func truncatedFrameAtEOF() async throws {
        let (channel, handler) = try Self.makeChannel()
        let error = await #expect(throws: RPCError.self) {
            _ = try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<ByteBuffer, any Error>) in
                handler.startCall(
                    token: RPCCallToken(), method: TestMethods.echo, request: ByteBuffer(string: "ping"), timeout: nil,
                    metadata: [:], sink: .unary(continuation)
                )
                var bytes = ByteBuffer()
                bytes.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "pong")))
                _ = try? channel.writeInbound(bytes.getSlice(at: 0, length: bytes.readableBytes - 2)!)
                channel.pipeline.fireChannelInactive()
            }
        }
        #expect(error?.code == .internalError)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("keepalive: a paused connection, or one heard from since the PING, stays open; silence closes it")
    func keepaliveRules() async throws {
        let channel = EmbeddedChannel()
        let handler = ClientConnectionHandler(
            configuration: .init(
                maxMessageSize: 1024, keepaliveInterval: .seconds(1), keepaliveTimeout: .seconds(1), maxBufferedStreamBytes: 100
            ),
            logger: TestServer.quietLogger
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let resumes = EventCounter()
        let account = StreamReceiveAccount(flow: handler.streamFlow) { resumes.increment() }
        handler.startCall(
            token: RPCCallToken(), method: TestMethods.count, request: ByteBuffer(), timeout: nil, metadata: [:],
            sink: .stream(continuation, account)
        )
        func message(_ size: Int) -> ByteBuffer {
            var bytes = ByteBuffer()
            bytes.writeRPCFrame(.message(callID: 1, ByteBuffer(repeating: 0x61, count: size)))
            return bytes
        }
        // Three 80-byte messages against a 100-byte limit: the second pauses reading, the third stays unread.
        var burst = message(80)
        burst.writeImmutableBuffer(message(80))
        burst.writeImmutableBuffer(message(80))
        try channel.writeInbound(burst)
        #expect(handler.streamFlow.isPaused)
        #expect(handler.streamFlow.bufferedBytes == 160)

        // Paused: PINGs go out (t = 1, 3, 5) and go unanswered, yet the connection stays.
        for _ in 0..<5 { channel.embeddedEventLoop.advanceTime(by: .seconds(1)) }
        #expect(channel.isActive)
        #expect(try Self.writtenFrames(channel).filter { if case .ping = $0 { true } else { false } }.count == 3)

        // The caller takes both messages: reading resumes and the third message arrives.
        account.taken(80)
        account.taken(80)
        #expect(resumes.count == 1)
        handler.resumeReading()
        #expect(handler.streamFlow.bufferedBytes == 80 && !handler.streamFlow.isPaused)

        // Bytes after the PING of t = 5 count as an answer at t = 6.
        try channel.writeInbound(message(10))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(channel.isActive)

        // Nothing after the PING of t = 7: closed at t = 8, and the stream fails after its messages.
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        var sizes: [Int] = []
        let error = await #expect(throws: RPCError.self) {
            for try await bytes in stream { sizes.append(bytes.readableBytes) }
        }
        #expect(sizes == [80, 80, 80, 10])
        #expect(error?.code == .unavailable)
    }
}
