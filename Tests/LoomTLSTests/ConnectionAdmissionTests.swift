import Logging
import LoomTestSupport
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import LoomTLS

/// A listening channel (an `EmbeddedChannel` standing in for the server socket) with a ``ConnectionAdmission``
/// installed, fed accepted connections by hand.
private struct Listener {
    let server: EmbeddedChannel
    let admission: ConnectionAdmission
    let metrics: TestMetrics
    let logs: CapturedLogs

    init(_ name: String = "rpc", limits: ConnectionLimits, tls: Bool, loop: EmbeddedEventLoop = EmbeddedEventLoop()) throws {
        var limits = limits
        let metrics = TestMetrics()
        limits.metricsFactory = metrics
        let logs = CapturedLogs()
        self.metrics = metrics
        self.logs = logs
        server = EmbeddedChannel(loop: loop)
        admission = ConnectionAdmission(listener: name, limits: limits, tls: tls, logger: logs.logger(), eventLoop: loop)
        try admission.configureServerChannel(server).wait()
    }

    /// Offers a connection accepted from `ip`; returns it and whether it reached the accept handler.
    func accept(from ip: String) throws -> (channel: EmbeddedChannel, admitted: Bool) {
        let child = EmbeddedChannel(loop: server.embeddedEventLoop)
        child.remoteAddress = try SocketAddress(ipAddress: ip, port: 40_000)
        server.pipeline.fireChannelRead(NIOAny(child as any Channel))
        let admitted = try server.readInbound(as: (any Channel).self) != nil
        return (child, admitted)
    }

    func refusals(_ reason: ConnectionAdmission.Refusal) -> Int64 {
        metrics.counterTotal(label: "loom_connections_refused_total", dimensions: [("listener", admission.listener), ("reason", reason.rawValue)])
    }
}

/// A server-side connection admitted by a listener with TLS, and a client to handshake with it in memory.
private struct TLSConnection {
    let server: EmbeddedChannel
    let client: EmbeddedChannel

    init(_ listener: Listener, from ip: String, credential: TestCertificateAuthority.Credential?) throws {
        let (server, admitted) = try listener.accept(from: ip)
        try #require(admitted)
        let tls = try server.pipeline.syncOperations.addTLSServerHandlers(
            context: .server(TestTLS.serverConfig(clientAuthentication: .optional)), rejections: listener.admission)
        listener.admission.trackHandshake(of: server, tls: tls)
        client = EmbeddedChannel(loop: server.embeddedEventLoop)
        try client.pipeline.syncOperations.addTLSClientHandlers(context: .client(TestTLS.clientConfig(credential: credential)))
        self.server = server
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 7443)
        try server.connect(to: address).wait()
    }

    /// Runs the handshake to its end.
    func handshake() throws {
        try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7443)).wait()
        var quiet = false
        while !quiet {
            quiet = true
            while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                quiet = false
                if server.isActive { try server.writeInbound(bytes) }
            }
            while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                quiet = false
                if client.isActive { try client.writeInbound(bytes) }
            }
        }
    }
}

@Suite("Connection admission (EmbeddedChannel)")
struct ConnectionAdmissionTests {
    @Test("per address: at the limit admitted, one over closed at once; another address admitted; a close frees the slot")
    func perAddress() throws {
        let listener = try Listener(limits: ConnectionLimits(maxConnectionsPerPeer: 2), tls: false)
        let first = try listener.accept(from: "10.0.0.1")
        let second = try listener.accept(from: "10.0.0.1")
        #expect(first.admitted && second.admitted)
        let third = try listener.accept(from: "10.0.0.1")
        #expect(!third.admitted)
        #expect(third.channel.closeFuture.currentResult() != nil, "a refused connection is closed at once")
        #expect(try listener.accept(from: "10.0.0.2").admitted)
        #expect(listener.refusals(.perAddress) == 1)
        #expect(listener.admission.openConnections == 3)

        try first.channel.close().wait()
        listener.server.embeddedEventLoop.run()
        #expect(listener.admission.openConnections == 2)
        #expect(try listener.accept(from: "10.0.0.1").admitted, "the closed connection's slot is free again")
        let refused = listener.logs.entries("connection refused")
        #expect(refused.count == 1)
        #expect(refused.first?.metadata["reason"] == "per_address")
        #expect(refused.first?.metadata["peer"] == "10.0.0.1")
        #expect(refused.first?.metadata["limit"] == "2")
    }

    @Test("the shared budget: a listener holds all but the reserve, the other gets the reserve, the total is capped")
    func sharedBudget() throws {
        let budget = ConnectionBudget(limit: 4, reserve: 1)
        let loop = EmbeddedEventLoop()
        let rpc = try Listener("rpc", limits: ConnectionLimits(budget: budget), tls: false, loop: loop)
        let http = try Listener("http", limits: ConnectionLimits(budget: budget), tls: false, loop: loop)
        var held: [EmbeddedChannel] = []
        for index in 0..<3 {
            let connection = try rpc.accept(from: "10.0.1.\(index)")
            #expect(connection.admitted)
            held.append(connection.channel)
        }
        #expect(try !rpc.accept(from: "10.0.1.9").admitted, "one over the listener's share")
        #expect(rpc.refusals(.maxConnections) == 1)
        #expect(try http.accept(from: "10.0.2.1").admitted, "the reserve is the other listener's")
        #expect(try !http.accept(from: "10.0.2.2").admitted, "the total is used up")
        #expect(http.refusals(.maxConnections) == 1)
        #expect(budget.openConnections == 4)

        try held[0].close().wait()
        loop.run()
        #expect(budget.openConnections(listener: "rpc") == 2)
        #expect(try http.accept(from: "10.0.2.2").admitted)
        #expect(try rpc.metrics.expectGauge("loom_connections_open", [("listener", "rpc")]).lastValue == 2)
    }

    @Test("handshakes: at most the limit in progress; one that completes or fails frees its slot")
    func handshakes() throws {
        let listener = try Listener(limits: ConnectionLimits(maxHandshakes: 2), tls: true)
        let ca = try TestTLS.ca()
        let first = try TLSConnection(listener, from: "10.0.0.1", credential: ca.operatorClient)
        let second = try TLSConnection(listener, from: "10.0.0.2", credential: nil)
        #expect(listener.admission.pendingHandshakes == 2)
        #expect(try !listener.accept(from: "10.0.0.3").admitted)
        #expect(listener.refusals(.maxHandshakes) == 1)

        try first.handshake()
        #expect(first.server.isActive)
        #expect(listener.admission.pendingHandshakes == 1)
        let third = try TLSConnection(listener, from: "10.0.0.3", credential: nil)

        // Plaintext HTTP instead of a ClientHello: rejected, counted by reason, and the slot is free at once.
        try second.server.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: loom\r\n\r\n"))
        #expect(!second.server.isActive)
        #expect(listener.admission.pendingHandshakes == 1)
        _ = try TLSConnection(listener, from: "10.0.0.4", credential: nil)
        #expect(try !listener.accept(from: "10.0.0.5").admitted)
        #expect(
            listener.metrics.counterTotal(label: "loom_tls_handshake_failures_total", dimensions: [("listener", "rpc"), ("reason", "not_tls")]) == 1)
        #expect(listener.logs.notices("TLS handshake rejected").map { $0.metadata["reason"] } == ["not_tls"])
        _ = third
    }

    @Test("per peer: by address until the handshake, by certificate identity after it")
    func perIdentity() throws {
        let listener = try Listener(limits: ConnectionLimits(maxConnectionsPerPeer: 1), tls: true)
        let ca = try TestTLS.ca()
        let first = try TLSConnection(listener, from: "10.0.0.1", credential: ca.operatorClient)
        #expect(try !listener.accept(from: "10.0.0.1").admitted, "one handshake per address at a time")
        try first.handshake()
        #expect(first.server.isActive)

        // The first connection now counts against its identity: its address may connect again.
        let second = try TLSConnection(listener, from: "10.0.0.1", credential: ca.operatorClient)
        try second.handshake()
        #expect(!second.server.isActive, "a second connection of the same identity is closed after its handshake")
        #expect(listener.refusals(.perIdentity) == 1)
        listener.server.embeddedEventLoop.run()

        let viewer = try TLSConnection(listener, from: "10.0.0.1", credential: ca.viewerClient)
        try viewer.handshake()
        #expect(viewer.server.isActive, "another identity from the same address is served")
        #expect(first.server.isActive)
        #expect(listener.admission.openConnections == 2)
    }

    @Test("accept fails with EMFILE: the listener pauses accepting for the back-off, and the error is counted and logged once")
    func acceptBackoff() throws {
        var limits = ConnectionLimits()
        limits.acceptBackoff = .milliseconds(500)
        let listener = try Listener(limits: limits, tls: false)
        let reads = ReadCounter()
        try listener.server.pipeline.syncOperations.addHandler(reads, position: .first)
        for _ in 0..<50 {
            listener.server.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept(descriptor:addr:size:)"))
        }
        listener.server.read()
        #expect(reads.count == 0, "no accept during the back-off")
        listener.server.embeddedEventLoop.advanceTime(by: .milliseconds(499))
        #expect(reads.count == 0)
        listener.server.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(reads.count == 1)

        listener.server.pipeline.fireErrorCaught(IOError(errnoCode: ECONNABORTED, reason: "accept(descriptor:addr:size:)"))
        listener.server.read()
        #expect(reads.count == 2, "an aborted connection is no reason to pause")
        #expect(listener.metrics.counterTotal(label: "loom_accept_errors_total", dimensions: [("listener", "rpc"), ("error", "EMFILE")]) == 50)
        let logged = listener.logs.entries("accepting a connection failed")
        #expect(logged.map { $0.metadata["reason"] } == ["EMFILE", "ECONNABORTED"])
        #expect(logged.first?.level == .error)
    }
}

/// Counts the `read()` calls that reach the head of a pipeline.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    private(set) var count = 0

    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}
