import LoomTLS
import LoomTestSupport
import NIOCore
import NIOEmbedded
import Testing

@Suite("TLS handler pumped in memory")
struct InMemoryTLSTests {
    @Test("a full mTLS handshake negotiates TLS 1.3, ALPN and both identities")
    func fullHandshake() throws {
        let pair = try InMemoryTLSPair(
            server: .server(TestTLS.serverConfig()),
            client: .client(TestTLS.clientConfig(credential: TestTLS.ca().operatorClient))
        )
        try pair.handshake()

        let server = try #require(pair.serverEvents.handshakes.first)
        #expect(server.protocolVersion == .tls1_3)
        #expect(server.negotiatedALPN == "loom/1")
        #expect(server.peerIdentity == PeerIdentity(value: "spiffe://loom.dev/operator", source: .uri))
        #expect(pair.serverHandler.peerIdentity?.spiffeID == "spiffe://loom.dev/operator")

        let client = try #require(pair.clientEvents.handshakes.first)
        #expect(client.negotiatedALPN == "loom/1")
        #expect(client.peerIdentity == PeerIdentity(value: "localhost", source: .dns))
        #expect(pair.clientEvents.errors.isEmpty && pair.serverEvents.errors.isEmpty)
    }

    @Test("application data written before the handshake completes is delivered after it, in order")
    func dataBothWays() throws {
        let pair = try InMemoryTLSPair(
            server: .server(TestTLS.serverConfig()),
            client: .client(TestTLS.clientConfig(credential: TestTLS.ca().viewerClient))
        )
        try pair.activate()
        let early = pair.client.writeAndFlush(ByteBuffer(string: "hello "))
        let second = pair.client.writeAndFlush(ByteBuffer(string: "server"))
        try pair.pump()
        #expect(early.currentValue() != nil)
        #expect(second.currentValue() != nil)
        #expect(pair.serverEvents.received == ByteBuffer(string: "hello server"))

        let payload = ByteBuffer(repeating: 0xAB, count: 300_000)
        let sent = pair.server.writeAndFlush(payload)
        try pair.pump()
        #expect(sent.currentValue() != nil)
        #expect(pair.clientEvents.received == payload)
    }

    @Test("small writes flushed together travel as one network write and one TLS record, in order")
    func writeBatching() throws {
        let pair = try InMemoryTLSPair(
            server: .server(TestTLS.serverConfig()),
            client: .client(TestTLS.clientConfig(credential: TestTLS.ca().operatorClient))
        )
        try pair.handshake()
        var expected = ByteBuffer()
        var promises: [EventLoopFuture<Void>] = []
        for index in 0..<100 {
            let chunk = ByteBuffer(string: "message-\(index);")
            expected.writeImmutableBuffer(chunk)
            promises.append(pair.client.write(chunk))
        }
        pair.client.flush()
        let ciphertext = try #require(try pair.client.readOutbound(as: ByteBuffer.self))
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)
        #expect(Self.recordCount(ciphertext) == 1)
        try pair.server.writeInbound(ciphertext)
        #expect(pair.serverEvents.received == expected)
        #expect(promises.allSatisfy { $0.currentValue() != nil })

        // A large write between small ones keeps the order.
        let large = ByteBuffer(repeating: 0x61, count: 40_000)
        let small = ByteBuffer(string: "tail")
        pair.client.write(ByteBuffer(string: "head"), promise: nil)
        pair.client.write(large, promise: nil)
        pair.client.write(small, promise: nil)
        pair.client.flush()
        try pair.pump()
        var tail = pair.serverEvents.received.getSlice(at: expected.readableBytes, length: 40_008)
        #expect(tail?.readString(length: 4) == "head")
        #expect(tail?.readSlice(length: 40_000) == large)
        #expect(tail?.readString(length: 4) == "tail")
    }

    /// Counts TLS records (5-byte header: type, version, length) in a buffer of whole records.
    static func recordCount(_ buffer: ByteBuffer) -> Int {
        var buffer = buffer
        var count = 0
        while buffer.readableBytes >= 5 {
            buffer.moveReaderIndex(forwardBy: 3)
            guard let length = buffer.readInteger(as: UInt16.self), buffer.readableBytes >= Int(length) else { break }
            buffer.moveReaderIndex(forwardBy: Int(length))
            count += 1
        }
        return count
    }

    @Test("close sends close_notify, the peer answers and both channels close cleanly")
    func closeNotifyExchange() throws {
        let pair = try InMemoryTLSPair(
            server: .server(TestTLS.serverConfig()),
            client: .client(TestTLS.clientConfig(credential: TestTLS.ca().operatorClient))
        )
        try pair.handshake()
        let closed = pair.client.close()
        try pair.pump()
        #expect(closed.currentValue() != nil)
        #expect(!pair.client.isActive)
        #expect(!pair.server.isActive)
        #expect(pair.serverEvents.errors.isEmpty)
        #expect(pair.clientEvents.errors.isEmpty)
    }
}

@Suite("TLS handler failure paths, in memory")
struct InMemoryTLSFailureTests {
    private func pair(
        serverTimeouts: TLSConfig.Timeouts = .init(), clientTimeouts: TLSConfig.Timeouts = .init()
    ) throws -> InMemoryTLSPair {
        try InMemoryTLSPair(
            server: .server(TestTLS.serverConfig { $0.timeouts = serverTimeouts }),
            client: .client(TestTLS.clientConfig(credential: TestTLS.ca().operatorClient) { $0.timeouts = clientTimeouts })
        )
    }

    @Test("a silent peer is disconnected when the handshake timeout expires")
    func handshakeTimeout() throws {
        let pair = try pair(serverTimeouts: .init(handshake: .seconds(2)))
        try pair.server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        pair.server.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(pair.server.isActive)
        pair.server.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!pair.server.isActive)
        #expect(pair.serverEvents.tlsErrors.map(\.code) == [.handshakeTimedOut])
        guard case .failure(let error as TLSError) = pair.serverHandler.handshakeFuture.currentResult() else {
            Issue.record("the handshake future must fail")
            return
        }
        #expect(error.code == .handshakeTimedOut)
    }

    @Test("garbage instead of a ClientHello fails the handshake, sends an alert and closes")
    func garbage() throws {
        let pair = try pair()
        try pair.server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try pair.server.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00]))
        #expect(!pair.server.isActive)
        #expect(pair.serverEvents.tlsErrors.first?.code == .handshakeFailed)
        let alert = try #require(try pair.server.readOutbound(as: ByteBuffer.self))
        #expect(alert.getInteger(at: alert.readerIndex, as: UInt8.self) == 0x15)  // content type: alert
    }

    @Test("random bytes after the handshake fail the connection with readFailed")
    func corruptRecord() throws {
        let pair = try pair()
        try pair.handshake()
        try pair.server.writeInbound(ByteBuffer(bytes: [0x17, 0x03, 0x03, 0x00, 0x20] + Array(repeating: 0x42, count: 32)))
        #expect(!pair.server.isActive)
        #expect(pair.serverEvents.tlsErrors.map(\.code) == [.readFailed])
    }

    @Test("a TCP close without close_notify is reported as an unclean shutdown")
    func uncleanShutdown() throws {
        let pair = try pair()
        try pair.handshake()
        pair.server.pipeline.fireChannelInactive()
        #expect(pair.serverEvents.tlsErrors.map(\.code) == [.uncleanShutdown])
        #expect(pair.serverEvents.inactive)
    }

    @Test("EOF during the handshake is reported as a failed handshake")
    func eofDuringHandshake() throws {
        let pair = try pair()
        try pair.activate()
        pair.server.pipeline.fireChannelInactive()
        #expect(pair.serverEvents.tlsErrors.map(\.code) == [.handshakeFailed])
        #expect(pair.serverHandler.handshakeFuture.currentValue() == nil)
    }

    @Test("a peer that never answers close_notify is closed after the close timeout")
    func closeNotifyTimeout() throws {
        let pair = try pair(clientTimeouts: .init(closeNotify: .seconds(1)))
        try pair.handshake()
        let closed = pair.client.close()
        #expect(closed.currentResult() == nil)
        #expect(pair.client.isActive)
        // close_notify was sent, but the server never sees it (no pump) and never answers.
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) != nil)
        pair.client.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(closed.currentValue() != nil)
        #expect(!pair.client.isActive)
    }

    @Test("writes pending when the connection closes are failed, and later writes fail at once")
    func writesFailAfterClose() throws {
        let pair = try pair()
        try pair.handshake()
        let unflushed = pair.client.write(ByteBuffer(string: "never flushed"))
        let closed = pair.client.close()
        guard case .failure(let error as TLSError) = unflushed.currentResult() else {
            Issue.record("an unflushed write must fail on close")
            return
        }
        #expect(error.code == .writeFailed)
        let late = pair.client.writeAndFlush(ByteBuffer(string: "late"))
        guard case .failure = late.currentResult() else {
            Issue.record("a write after close must fail")
            return
        }
        try pair.pump()
        #expect(closed.currentValue() != nil)
        #expect(pair.serverEvents.received.readableBytes == 0)
    }
}
