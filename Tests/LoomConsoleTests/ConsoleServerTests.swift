import LoomAPIService
import LoomConsole
import LoomTLS
import LoomTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// Collects everything a connection receives, and signals each time `marker` has arrived.
private final class Collector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let received = NIOLockedValueBox("")
    let closed: EventLoopPromise<Void>

    init(closed: EventLoopPromise<Void>) { self.closed = closed }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        received.withLockedValue { $0 += String(buffer: buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) { closed.succeed() }
}

@Suite("Console server on a socket")
struct ConsoleServerTests {
    /// Starts a console (auth none on loopback) over the fixture, runs `body` with its port, stops it.
    private func withServer(
        configure: (inout ConsoleConfiguration) -> Void = { _ in }, tls: TLSContext? = nil, policy: AuthorizationPolicy? = nil,
        _ body: (ConsoleFixture, Int) async throws -> Void
    ) async throws {
        var configuration = ConsoleConfiguration()
        configure(&configuration)
        let captured = configuration
        let fixture = try await ConsoleFixture(configure: { $0 = captured }, policy: policy)
        let server = ConsoleServer(
            configuration: configuration, router: fixture.router, tls: tls, limits: ConnectionLimits(),
            group: MultiThreadedEventLoopGroup.singleton, logger: LoomHarness.quietLogger)
        try await server.start()
        do {
            try await body(fixture, try #require(server.localPort))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// Sends `request` raw and returns what arrived until the server closed the connection.
    private func exchange(_ request: String, port: Int, tls: TLSContext? = nil) async throws -> String {
        let group = MultiThreadedEventLoopGroup.singleton
        let closed = group.any().makePromise(of: Void.self)
        let collector = Collector(closed: closed)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { _ = try channel.pipeline.syncOperations.addTLSClientHandlers(context: tls, serverHostname: "localhost") }
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: request))
        try await closed.futureResult.get()
        return collector.received.withLockedValue { $0 }
    }

    @Test("a page over the wire: status, length, security headers, then the connection closes when asked")
    func page() async throws {
        try await withServer { _, port in
            let response = try await exchange("GET / HTTP/1.1\r\nhost: x\r\naccept: text/html\r\nconnection: close\r\n\r\n", port: port)
            #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(response.lowercased().contains("content-security-policy: default-src 'none'; script-src 'self'"))
            #expect(response.lowercased().contains("x-frame-options: deny"))
            #expect(response.contains("<h1>Fleet</h1>"))
        }
    }

    @Test("a GET with a body is 413; a POST form up to 8 KiB passes, one byte more is 413, chunked 411; oversized headers 431")
    func bodiesAndHeaders() async throws {
        try await withServer(configure: { $0.maxHeaderSize = 1024 }) { _, port in
            let withBody = try await exchange("GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello", port: port)
            #expect(withBody.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
            #expect(withBody.contains(#"{"error":"this console request has no body"}"#))
            // A POST form: at the limit it reaches the router (405 here: / takes no POST); one byte over, 413.
            let atLimit = String(repeating: "a", count: 8192)
            let limited = try await exchange("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 8192\r\nconnection: close\r\n\r\n\(atLimit)", port: port)
            #expect(limited.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
            let over = try await exchange("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 8193\r\n\r\n\(atLimit)a", port: port)
            #expect(over.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
            // The operator API takes JSON bodies up to 256 KiB: at the limit the router answers (400: not JSON), over it 413.
            let apiLimit = 256 * 1024
            let apiBody = String(repeating: "a", count: apiLimit)
            let apiHead = "POST /api/migrations/m/dry-run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            let apiAt = try await exchange(apiHead + "content-length: \(apiLimit)\r\nconnection: close\r\n\r\n\(apiBody)", port: port)
            #expect(apiAt.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            let apiOver = try await exchange(apiHead + "content-length: \(apiLimit + 1)\r\n\r\n\(apiBody)a", port: port)
            #expect(apiOver.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
            let patchPage = try await exchange("PATCH / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}", port: port)
            #expect(patchPage.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
            let chunked = try await exchange("POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", port: port)
            #expect(chunked.hasPrefix("HTTP/1.1 411 Length Required\r\n"))
            let big = String(repeating: "a", count: 2000)
            let tooBig = try await exchange("GET / HTTP/1.1\r\nhost: x\r\nx-big: \(big)\r\n\r\n", port: port)
            #expect(tooBig.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        }
    }

    @Test("an event stream over the wire ends when the run finishes, and frees its place")
    func eventStream() async throws {
        try await withServer { fixture, port in
            let service = fixture.harness.service
            _ = try await service.startRun(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api", inputs: ["repoName": "x"])
            await fixture.harness.settle()
            _ = try await service.cancelRun(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api", reason: "test")
            let response = try await exchange(
                "GET /events/migrations/app-chart-migration/candidates/billing-api HTTP/1.1\r\nhost: x\r\n\r\n", port: port)
            #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(response.lowercased().contains("content-type: text/event-stream"))
            #expect(response.contains("retry: 3000"))
            #expect(response.contains("event: run\ndata: {"))
            #expect(response.contains(#""status":"cancelled""#))
            #expect(response.contains("event: end"))
            #expect(fixture.router.streams.openStreams == 0)
        }
    }

    @Test("mtls over a real TLS connection: the certificate's identity and roles; a viewer gets no buttons; no certificate, no page")
    func mutualTLS() async throws {
        let ca = try TestCertificateAuthority.shared()
        let serverTLS = try TLSContext.server(.defaults {
            $0.certificates = .init(chainPath: ca.server.chainPath, privateKeyPath: ca.server.keyPath)
            $0.trustRootsPath = ca.caPath
            $0.clientAuthentication = .require
            $0.alpnProtocols = ["http/1.1"]
        })
        func client(_ credential: TestCertificateAuthority.Credential?) throws -> TLSContext {
            try TLSContext.client(.defaults {
                $0.trustRootsPath = ca.caPath
                if let credential { $0.certificates = .init(chainPath: credential.chainPath, privateKeyPath: credential.keyPath) }
            })
        }
        let policy = AuthorizationPolicy(rules: [
            .init(kind: .uri, pattern: "spiffe://loom.dev/operator*", roles: [.operator]),
            .init(kind: .uri, pattern: "spiffe://loom.dev/viewer*", roles: [.viewer]),
        ])
        try await withServer(configure: { $0.auth = .mtls }, tls: serverTLS, policy: policy) { fixture, port in
            _ = try await fixture.harness.service.startRun(migrationId: ConsoleFixture.migrationId, candidateId: "billing-api", inputs: ["repoName": "x"])
            let get = "GET /migrations/app-chart-migration/candidates/billing-api HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
            let asOperator = try await exchange(get, port: port, tls: try client(ca.operatorClient))
            #expect(asOperator.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(asOperator.contains("Signed in as <strong>spiffe://loom.dev/operator"))
            #expect(asOperator.contains("Cancel run…"))
            let asViewer = try await exchange(get, port: port, tls: try client(ca.viewerClient))
            #expect(asViewer.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(asViewer.contains("(viewer)"))
            #expect(!asViewer.contains("Cancel run…"))
            #expect(!asViewer.contains("method=\"post\""))
            let anonymous = (try? await exchange(get, port: port, tls: try client(nil))) ?? ""
            #expect(!anonymous.contains("HTTP/1.1 200"))
        }
    }
}
