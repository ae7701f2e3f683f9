import Logging
import LoomTestSupport
import MetricsTestKit
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
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
        server.pipeline.syncOperations.fireChannelRead(NIOAny(child as any Channel))
        server.embeddedEventLoop.run()
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

    @Test("room for a newcomer is taken first from clients that have not sent a byte, then from the oldest handshake")
    func silentFirst() throws {
        let listener = try Listener(limits: ConnectionLimits(maxHandshakes: 2), tls: true)
        let speaking = try TLSConnection(listener, from: "10.0.5.1", credential: nil)
        // Part of a ClientHello: this client is in its handshake, not silent.
        _ = try? speaking.server.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01]))
        let silent = try TLSConnection(listener, from: "10.0.5.2", credential: nil)
        let third = try TLSConnection(listener, from: "10.0.5.3", credential: nil)
        #expect(speaking.server.isActive, "the older connection has spoken: it keeps its place")
        #expect(!silent.server.isActive)
        let fourth = try TLSConnection(listener, from: "10.0.5.4", credential: nil)
        #expect(!third.server.isActive, "then the oldest silent one")
        #expect(speaking.server.isActive)
        _ = try? fourth.server.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01]))
        _ = try TLSConnection(listener, from: "10.0.5.5", credential: nil)
        #expect(!speaking.server.isActive, "with every client in its handshake, the oldest one goes")
        #expect(fourth.server.isActive)
        #expect(listener.refusals(.maxHandshakes) == 3)
    }

    @Test("at the budget, a newcomer takes the place of the oldest connection still in its handshake; with none left, it is refused")
    func budgetTakenFromHandshakes() throws {
        let budget = ConnectionBudget(limit: 2, reserve: 0)
        let listener = try Listener(limits: ConnectionLimits(budget: budget), tls: true)
        let ca = try TestTLS.ca()
        let established = try TLSConnection(listener, from: "10.0.4.1", credential: ca.operatorClient)
        try established.handshake()
        let silent = try TLSConnection(listener, from: "10.0.4.2", credential: nil)
        let newcomer = try TLSConnection(listener, from: "10.0.4.3", credential: ca.viewerClient)
        #expect(!silent.server.isActive, "the silent connection gave its place to the newcomer")
        #expect(established.server.isActive)
        try newcomer.handshake()
        #expect(newcomer.server.isActive)
        listener.server.embeddedEventLoop.run()
        #expect(budget.openConnections == 2)
        #expect(listener.refusals(.maxConnections) == 1)
        #expect(try !listener.accept(from: "10.0.4.4").admitted, "every connection has completed its handshake: nothing to take")
        #expect(listener.refusals(.maxConnections) == 2)
        #expect(budget.openConnections == 2)
    }

    @Test("past the budget, a listener with a probe lane admits connections for probes only, closing the oldest for room")
    func probeLane() throws {
        var limits = ConnectionLimits(budget: ConnectionBudget(limit: 2, reserve: 0))
        limits.probeLane = 2
        let listener = try Listener("http", limits: limits, tls: false)
        var connections: [EmbeddedChannel] = []
        for index in 0..<5 {
            let connection = try listener.accept(from: "10.0.3.\(index)")
            #expect(connection.admitted)
            connections.append(connection.channel)
        }
        // The third, probe-only, was closed (and forgotten) when the fifth needed its room.
        #expect(connections.map { listener.admission.isProbeOnly($0) } == [false, false, false, true, true])
        #expect(connections[2].closeFuture.currentResult() != nil, "the oldest probe-only connection made room")
        #expect(connections[3].closeFuture.currentResult() == nil)
        #expect(listener.refusals(.maxConnections) == 3, "each probe-only connection counts as refused for everything else")
        #expect(listener.logs.entries("connection refused").first?.metadata["served"] == "health probes only")

        // A probe-only connection that closes frees lane room but no budget; a budget connection frees budget.
        try connections[3].close().wait()
        try connections[0].close().wait()
        listener.server.embeddedEventLoop.run()
        let budgeted = try listener.accept(from: "10.0.3.9")
        #expect(budgeted.admitted && !listener.admission.isProbeOnly(budgeted.channel))
        let next = try listener.accept(from: "10.0.3.10")
        #expect(listener.admission.isProbeOnly(next.channel))
        #expect(connections[4].closeFuture.currentResult() == nil, "the lane had room")
    }

    @Test("handshakes: at the limit, a newcomer closes the one waiting longest; one that completes or fails frees its slot")
    func handshakes() throws {
        let listener = try Listener(limits: ConnectionLimits(maxHandshakes: 2), tls: true)
        let ca = try TestTLS.ca()
        let silent = try TLSConnection(listener, from: "10.0.0.1", credential: nil)
        let second = try TLSConnection(listener, from: "10.0.0.2", credential: nil)
        #expect(listener.admission.pendingHandshakes == 2)

        // One over the limit: the newcomer is admitted, the connection that waited longest is closed.
        let newcomer = try TLSConnection(listener, from: "10.0.0.3", credential: ca.operatorClient)
        #expect(!silent.server.isActive)
        #expect(second.server.isActive)
        #expect(listener.admission.pendingHandshakes == 2)
        #expect(listener.refusals(.maxHandshakes) == 1)
        let refused = listener.logs.entries("connection refused")
        #expect(refused.map { $0.metadata["peer"] } == ["10.0.0.1"])

        try newcomer.handshake()
        #expect(newcomer.server.isActive)
        #expect(listener.admission.pendingHandshakes == 1, "a completed handshake frees its slot")

        // Plaintext HTTP instead of a ClientHello: rejected, counted by reason, and the slot is free at once.
        #expect(throws: TLSError.self) { try second.server.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: loom\r\n\r\n")) }
        #expect(!second.server.isActive)
        #expect(listener.admission.pendingHandshakes == 0)
        #expect(
            listener.metrics.counterTotal(label: "loom_tls_handshake_failures_total", dimensions: [("listener", "rpc"), ("reason", "not_tls")]) == 1)
        #expect(listener.logs.notices("TLS handshake rejected").map { $0.metadata["reason"] } == ["not_tls"])
        #expect(listener.refusals(.maxHandshakes) == 1)
        listener.server.embeddedEventLoop.run()
        #expect(listener.admission.openConnections == 1)
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

    @Test("accept errors: EMFILE holds the next accept back, ECONNABORTED does not; each is counted, and logged once")
    func acceptErrors() throws {
        let listener = try Listener(limits: ConnectionLimits(), tls: false)
        let reads = ReadCounter()
        try listener.server.pipeline.syncOperations.addHandler(reads, position: .first)
        listener.server.pipeline.fireErrorCaught(IOError(errnoCode: ECONNABORTED, reason: "accept(descriptor:addr:size:)"))
        listener.server.read()
        #expect(reads.count == 1, "an aborted connection is no reason to pause")
        for _ in 0..<50 {
            listener.server.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept(descriptor:addr:size:)"))
        }
        listener.server.read()
        #expect(reads.count == 1, "no accept right after EMFILE")
        #expect(listener.metrics.counterTotal(label: "loom_accept_errors_total", dimensions: [("listener", "rpc"), ("error", "EMFILE")]) == 50)
        let logged = listener.logs.entries("accepting a connection failed")
        #expect(logged.map { $0.metadata["reason"] } == ["ECONNABORTED", "EMFILE"])
        #expect(logged.last?.level == .error)
        #expect(logged.last?.metadata["backoff"] == "\(ConnectionLimits().acceptBackoff)")
    }

    @Test("a live listener whose accept failed with EMFILE accepts again only after the back-off")
    func acceptBackoffOnALiveListener() async throws {
        var limits = ConnectionLimits()
        limits.acceptBackoff = .milliseconds(300)
        let group = MultiThreadedEventLoopGroup.singleton
        let admission = ConnectionAdmission(
            listener: "test", limits: limits, tls: false, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            eventLoop: group.any())
        let accepts = [group.any().makePromise(of: Void.self), group.any().makePromise(of: Void.self)]
        let count = NIOLockedValueBox(0)
        let listener = try await ServerBootstrap(group: group)
            .serverChannelInitializer { admission.configureServerChannel($0) }
            .childChannelInitializer { channel in
                let index = count.withLockedValue { count in
                    defer { count += 1 }
                    return count
                }
                if index < accepts.count { accepts[index].succeed() }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = listener.localAddress?.port ?? 0
        let clock = ContinuousClock()
        let failed = clock.now
        // As NIO reports a failed accept: the read already asked for still accepts; the next one waits.
        try await listener.eventLoop.submit {
            listener.pipeline.syncOperations.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept(descriptor:addr:size:)"))
        }.get()
        let first = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        try await accepts[0].futureResult.get()
        let second = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        try await accepts[1].futureResult.get()
        #expect(failed.duration(to: clock.now) >= .milliseconds(300), "the second connection waited in the backlog")
        try await first.close()
        try await second.close()
        try await listener.close()
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
