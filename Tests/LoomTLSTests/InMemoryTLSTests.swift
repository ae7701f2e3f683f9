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
