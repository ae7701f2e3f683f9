import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import LoomRPC

/// The client's connection handler on an `EmbeddedChannel`: it decodes the server's bytes into frames itself.
@Suite("Client connection handler (EmbeddedChannel)")
struct ClientConnectionHandlerTests {
    @Test("a response delivered one byte at a time completes the call once its STATUS is whole")
    func responseByteByByte() async throws {
        let (channel, handler) = try ClientConnectionHandler.embedded()
        let reply = try await handler.unary(request: "ping") {
            var response = ByteBuffer()
            response.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "pong")))
            response.writeRPCFrame(.status(callID: 1, .ok, [:]))
            while let byte = response.readSlice(length: 1) {
                _ = try? channel.writeInbound(byte)
            }
        }
        #expect(String(buffer: reply) == "pong")
        let sent = try channel.writtenRPCFrames()
        #expect(sent.count == 2)
        #expect(sent.last == .message(callID: 1, ByteBuffer(string: "ping")))
        _ = try channel.finish()
    }

    @Test("undecodable bytes from the server fail the calls in flight with INTERNAL, send GOAWAY and close")
    func undecodableBytesFromTheServer() async throws {
        let (channel, handler) = try ClientConnectionHandler.embedded()
        let error = await #expect(throws: RPCError.self) {
            _ = try await handler.unary(request: "ping") {
                // An unknown frame type, then a whole response for the call that must not be acted on.
                var bytes = ByteBuffer(bytes: [0, 0, 0, 0, 0x42, 0, 0, 0, 0, 1])
                bytes.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "pong")))
                bytes.writeRPCFrame(.status(callID: 1, .ok, [:]))
                _ = try? channel.writeInbound(bytes)
            }
        }
        #expect(error?.code == .internalError)
        let sent = try channel.writtenRPCFrames()
        guard case .goAway(let goAway) = sent.last else {
            Issue.record("expected GOAWAY, got \(sent)")
            return
        }
        #expect(goAway.reason == .protocolError)
        #expect(!channel.isActive)
    }

    @Test("a frame cut short by the connection closing fails the call in flight")
    func truncatedFrameAtEOF() async throws {
        let (channel, handler) = try ClientConnectionHandler.embedded()
        let error = await #expect(throws: RPCError.self) {
            _ = try await handler.unary(request: "ping") {
                var bytes = ByteBuffer()
                bytes.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "pong")))
                _ = try? channel.writeInbound(bytes.getSlice(at: 0, length: bytes.readableBytes - 2)!)
                channel.pipeline.fireChannelInactive()
            }
        }
        #expect(error?.code == .internalError)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("keepalive: bytes heard since the PING keep the connection; silence closes it and fails the calls")
    func keepaliveRules() async throws {
        let (channel, handler) = try ClientConnectionHandler.embedded(keepalive: (interval: .seconds(1), timeout: .seconds(1)))
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        handler.startCall(
            token: RPCCallToken(), method: TestMethods.count, request: ByteBuffer(), timeout: nil, metadata: [:],
            sink: .stream(continuation, StreamBacklog(limit: 1 << 20))
        )
        var message = ByteBuffer()
        message.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "tick")))

        // PING at t = 1; a message (no PONG) at t = 1.5 counts as an answer at t = 2.
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try channel.writtenRPCFrames().contains { if case .ping = $0 { true } else { false } })
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(500))
        try channel.writeInbound(message)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(500))
        #expect(channel.isActive)

        // PING at t = 3, then nothing: closed at t = 4, and the stream fails after its message.
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        var received: [String] = []
        let error = await #expect(throws: RPCError.self) {
            for try await bytes in stream { received.append(String(buffer: bytes)) }
        }
        #expect(received == ["tick"])
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("keepalive") == true)
    }

    @Test("a small streamed message waiting for its caller does not keep the whole read buffer alive")
    func smallStreamedMessagesAreCopiedOut() async throws {
        let (channel, handler) = try ClientConnectionHandler.embedded()
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        handler.startCall(
            token: RPCCallToken(), method: TestMethods.count, request: ByteBuffer(), timeout: nil, metadata: [:],
            sink: .stream(continuation, StreamBacklog(limit: 1 << 20))
        )
        var read = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        read.writeRPCFrame(.message(callID: 1, ByteBuffer(string: "small")))
        read.writeRPCFrame(.status(callID: 1, .ok, [:]))
        try channel.writeInbound(read)
        var iterator = stream.makeAsyncIterator()
        let message = try #require(try await iterator.next())
        #expect(String(buffer: message) == "small")
        #expect(message.storageCapacity < 4096, "holds \(message.storageCapacity) bytes of storage for 5 bytes")
        #expect(try await iterator.next() == nil)
    }
}
