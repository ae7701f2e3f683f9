import Logging
import LoomTLS
import LoomTestSupport
import MetricsTestKit
import NIOCore
import NIOPosix
import Testing

@testable import LoomRPC

/// An RPC server on 127.0.0.1 with connection limits, a captured log and its own metrics.
private struct LimitedServer {
    let server: RPCServer
    let logs: CapturedLogs
    let metrics: TestMetrics

    var port: Int { server.localAddress?.port ?? 0 }

    static func start(
        security: RPCTransportSecurity = .insecure,
        configure: (inout RPCServer.Configuration) -> Void
    ) async throws -> LimitedServer {
        let logs = CapturedLogs()
        let metrics = TestMetrics()
        var router = RPCRouter()
        router.registerUnary(TestMethods.whoAmI) { _, context in ByteBuffer(string: context.peer.identity?.value ?? "anonymous") }
        let configuration = RPCServer.Configuration.defaults(transportSecurity: security) {
            $0.connectionLimits.metricsFactory = metrics
            configure(&$0)
        }
        let server = try await RPCServer.bind(
            host: "127.0.0.1", port: 0, router: router, configuration: configuration, logger: logs.logger())
        return LimitedServer(server: server, logs: logs, metrics: metrics)
    }

    func client(_ security: RPCTransportSecurity = .insecure) -> RPCClient {
        RPCClient(host: "127.0.0.1", port: port, configuration: .defaults(transportSecurity: security), logger: TestServer.quietLogger)
    }

    func refusals(_ reason: String) -> Int64 {
        metrics.counterTotal(label: "loom_connections_refused_total", dimensions: [("listener", "rpc"), ("reason", reason)])
    }
}

@Suite("RPC connection limits over real sockets (127.0.0.1)", .timeLimit(.minutes(1)))
struct ConnectionLimitSocketTests {
    @Test("per address: the connection over the limit is closed at once; the others and another address are served")
    func perAddress() async throws {
        let server = try await LimitedServer.start { $0.connectionLimits.maxConnectionsPerPeer = 2 }
        let first = try await RawConnection.open(port: server.port)
        let second = try await RawConnection.open(port: server.port)
        try await first.ping()
        try await second.ping()
        let third = try await RawConnection.open(port: server.port)
        try await third.waitClosed()
        let elsewhere = try await RawConnection.open(port: server.port, from: "127.0.0.2")
        try await elsewhere.ping()
        try await first.ping()
        #expect(server.refusals("per_address") == 1)
        for connection in [first, second, elsewhere] { await connection.close() }
        await server.server.close()
    }

    @Test("per certificate identity after the handshake: a third operator connection is closed; a viewer from the same address is served")
    func perIdentity() async throws {
        let ca = try TestTLS.ca
        let server = try await LimitedServer.start(security: try TestTLS.server()) { $0.connectionLimits.maxConnectionsPerPeer = 2 }
        let operators = try (0..<3).map { _ in server.client(try TestTLS.client(ca.operatorClient)) }
        for client in operators.prefix(2) {
            #expect(String(buffer: try await client.unary(method: TestMethods.whoAmI, request: ByteBuffer())) == "spiffe://loom.dev/operator")
        }
        await #expect(throws: RPCError.self) {
            _ = try await operators[2].unary(method: TestMethods.whoAmI, request: ByteBuffer(), options: .init(timeout: .seconds(10)))
        }
        #expect(server.refusals("per_identity") == 1)
        let viewer = server.client(try TestTLS.client(ca.viewerClient))
        #expect(String(buffer: try await viewer.unary(method: TestMethods.whoAmI, request: ByteBuffer())) == "spiffe://loom.dev/viewer")
        #expect(String(buffer: try await operators[0].unary(method: TestMethods.whoAmI, request: ByteBuffer())) == "spiffe://loom.dev/operator")
        for client in operators + [viewer] { await client.close() }
        await server.server.close()
    }

    @Test("handshakes: clients that send no ClientHello fill the slots; each newcomer closes the oldest; new and established clients are served")
    func silentHandshakes() async throws {
        let ca = try TestTLS.ca
        let server = try await LimitedServer.start(security: try TestTLS.server()) { $0.connectionLimits.maxHandshakes = 2 }
        let established = server.client(try TestTLS.client(ca.operatorClient))
        _ = try await established.unary(method: TestMethods.whoAmI, request: ByteBuffer())

        let silent = [try await RawConnection.open(port: server.port), try await RawConnection.open(port: server.port)]
        let third = try await RawConnection.open(port: server.port)
        try await silent[0].waitClosed()
        #expect(server.refusals("max_handshakes") == 1)

        // The slots are still full of silent clients; a real client takes the oldest one's and is served.
        let newcomer = server.client(try TestTLS.client(ca.viewerClient))
        #expect(String(buffer: try await newcomer.unary(method: TestMethods.whoAmI, request: ByteBuffer())) == "spiffe://loom.dev/viewer")
        try await silent[1].waitClosed()
        #expect(server.refusals("max_handshakes") == 2)
        #expect(String(buffer: try await established.unary(method: TestMethods.whoAmI, request: ByteBuffer())) == "spiffe://loom.dev/operator")
        for client in [established, newcomer] { await client.close() }
        await third.close()
        await server.server.close()
    }

    @Test("200 plaintext clients on the TLS port: a bounded number of log lines carrying every failure, and a counter per reason")
    func rejectedHandshakesAreAggregated() async throws {
        let server = try await LimitedServer.start(security: try TestTLS.server()) { $0.connectionLimits.logInterval = .seconds(1) }
        let interval = 1.0
        let failures = 200
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<(failures / 20) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let connection = try await RawConnection.open(port: server.port)
                        try await connection.send(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: loom\r\n\r\n"))
                        try await connection.waitClosed()
                    }
                }
                try await group.waitForAll()
            }
        }
        let elapsed = started.duration(to: clock.now)
        await server.logs.wait { entries in Self.reported(entries) >= failures }
        // Each failure still gets a debug line of its own (for a debugging session); at notice, the server's
        // default level and above, the failures are aggregated.
        let lines = server.logs.notices("TLS handshake rejected")
        #expect(Self.reported(lines) == failures, "every failure is counted in exactly one line")
        // One full line, then at most one summary per interval (plus one for the interval in progress).
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(lines.count <= 2 + Int((seconds / interval).rounded(.up)), "\(lines.count) lines in \(seconds) s")
        #expect(lines.allSatisfy { $0.metadata["reason"] == "not_tls" })
        #expect(
            server.metrics.counterTotal(
                label: "loom_tls_handshake_failures_total", dimensions: [("listener", "rpc"), ("reason", "not_tls")]) == Int64(failures))
        await server.server.close()
    }

    /// Failures a list of log lines stands for (at notice): 1 per full line, `count` per summary.
    static func reported(_ entries: [CapturedLogs.Entry]) -> Int {
        entries.filter { $0.message == "TLS handshake rejected" && $0.level >= .notice }.reduce(0) { sum, entry in
            sum + (entry.metadata["count"].flatMap { Int($0) } ?? 1)
        }
    }

    @Test("a unary call without a deadline ends with DEADLINE_EXCEEDED at the server's longest duration, and its handler is cancelled")
    func longestUnary() async throws {
        let server = try await TestServer.start { $0.maxUnaryDuration = .milliseconds(300) }
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.hang, request: ByteBuffer())
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(error?.message == "the call ran longer than the server allows a unary call (300 ms)")
        try await server.cancelled.wait(for: 1)
        await client.close()
        await server.server.close()
    }
}
