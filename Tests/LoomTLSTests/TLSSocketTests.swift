import LoomTLS
import LoomTestSupport
import NIOCore
import NIOPosix
import Testing

/// Real sockets on 127.0.0.1. Every wait is bounded by the TLS handshake timeout.
@Suite("TLS over loopback sockets")
struct TLSSocketTests {
    private static let timeouts = TLSConfig.Timeouts(handshake: .seconds(5), closeNotify: .seconds(2))

    private func startServer(
        clientAuthentication: TLSConfig.ClientAuthentication = .require,
        configure: (inout TLSConfig) -> Void = { _ in }
    ) async throws -> TestTLSServer {
        let config = try TestTLS.serverConfig(clientAuthentication: clientAuthentication) { config in
            config.timeouts = Self.timeouts
            configure(&config)
        }
        return try await TestTLSServer.start(context: .server(config))
    }

    private func clientContext(
        _ credential: TestCertificateAuthority.Credential?,
        configure: (inout TLSConfig) -> Void = { _ in }
    ) throws -> TLSContext {
        try .client(
            TestTLS.clientConfig(credential: credential) { config in
                config.timeouts = Self.timeouts
                configure(&config)
            })
    }

    /// Waits for the server's verdict on the next connection.
    private func nextOutcome(_ server: TestTLSServer) async throws -> Result<TLSHandshakeCompleted, any Error> {
        var iterator = server.outcomes.makeAsyncIterator()
        return try #require(await iterator.next())
    }

    private func expectRejected(
        _ outcome: Result<TLSHandshakeCompleted, any Error>,
        code: TLSError.Code,
        reasonContains fragment: String,
        logs: CapturedLogs,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .failure(let error) = outcome, let tlsError = error as? TLSError else {
            Issue.record("expected a TLSError, got \(outcome)", sourceLocation: sourceLocation)
            return
        }
        #expect(tlsError.code == code, sourceLocation: sourceLocation)
        let explanation = ([tlsError.reason] + tlsError.openSSLErrors).joined(separator: " ")
        #expect(explanation.contains(fragment), "\(tlsError)", sourceLocation: sourceLocation)
        let logged = logs.notices("TLS handshake rejected")
        #expect(
            logged.contains { $0.metadata["tls.reason"] == tlsError.reason },
            "rejection not logged with its reason: \(logs.entries.map(\.message))", sourceLocation: sourceLocation)
    }

    @Test("a valid client certificate is accepted and its SPIFFE id reaches the server's handler")
    func validClientAccepted() async throws {
        let server = try await startServer()
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(
            port: server.port, context: clientContext(TestTLS.ca().migratorClient), expectedBytes: 39)

        let reply = try await client.send("ping")
        #expect(reply == "spiffe://loom.dev/migrator/example|ping")
        let serverSide = try await nextOutcome(server).get()
        #expect(serverSide.peerIdentity?.spiffeID == "spiffe://loom.dev/migrator/example")
        #expect(serverSide.negotiatedALPN == "loom/1")
        let clientSide = try #require(try await client.handshake?.get())
        #expect(clientSide.peerIdentity == PeerIdentity(value: "localhost", source: .dns))
        #expect(clientSide.protocolVersion == .tls1_3)
        try await client.channel.close()
    }

    @Test("a client without a certificate is rejected when client authentication is required")
    func missingClientCertificate() async throws {
        let server = try await startServer()
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(port: server.port, context: clientContext(nil))
        _ = try? await client.send("ping")
        expectRejected(
            try await nextOutcome(server), code: .handshakeFailed, reasonContains: "peer did not return a certificate",
            logs: server.logs)
        let closed = try await client.closed.get()
        #expect(closed.bytes.readableBytes == 0)
        // TLS 1.3: the client finished its handshake before the server checked it, so the
        // rejection reaches the client as the server's alert on the next read.
        let clientError = try #require(closed.error as? TLSError)
        #expect(clientError.code == .readFailed)
        #expect(clientError.openSSLErrors.joined().contains("certificate required"), "\(clientError)")
        #expect(clientError.peerAlert == .certificateRequired)
        #expect(clientError.peerAlert?.refusesOurCertificate == true)
        #expect(clientError.reason.contains("certificate_required (116)"), "\(clientError)")
    }

    @Test("a client without a certificate is accepted, with no identity, when client authentication is optional")
    func optionalClientAuthentication() async throws {
        let server = try await startServer(clientAuthentication: .optional)
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(port: server.port, context: clientContext(nil), expectedBytes: 9)
        #expect(try await client.send("ping") == "none|ping")
        let outcome = try await nextOutcome(server).get()
        #expect(outcome.peerIdentity == nil)
        try await client.channel.close()
    }

    enum BadClientCertificate: String, CaseIterable, Sendable {
        case otherCA = "signed by another CA"
        case expired = "expired"

        func credential(_ ca: TestCertificateAuthority) -> TestCertificateAuthority.Credential {
            switch self {
            case .otherCA: ca.otherCAClient
            case .expired: ca.expiredClient
            }
        }

        var reason: String {
            switch self {
            case .otherCA: "unable to get local issuer certificate"
            case .expired: "certificate has expired"
            }
        }
    }

    @Test("client certificates the server must reject", arguments: BadClientCertificate.allCases)
    func rejectedClientCertificates(_ certificate: BadClientCertificate) async throws {
        let server = try await startServer()
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(
            port: server.port, context: clientContext(certificate.credential(TestTLS.ca())))
        _ = try? await client.send("ping")
        expectRejected(
            try await nextOutcome(server), code: .handshakeFailed, reasonContains: certificate.reason, logs: server.logs)
        let closed = try await client.closed.get()
        #expect(closed.bytes.readableBytes == 0, "a client with a certificate \(certificate.rawValue) must read nothing")
    }

    @Test("a client refuses a server presenting a client-only (EKU clientAuth) certificate")
    func clientOnlyCertificateAsServer() async throws {
        let ca = try TestTLS.ca()
        let server = try await startServer { $0.certificates = TestTLS.certificates(ca.clientOnly) }
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(port: server.port, context: clientContext(ca.operatorClient))
        let failure = await #expect(throws: TLSError.self) { try await client.handshake?.get() }
        #expect(failure?.code == .handshakeFailed)
        #expect(failure?.reason.contains("unsuitable certificate purpose") == true, "\(String(describing: failure))")
        guard case .failure = try await nextOutcome(server) else {
            Issue.record("the server must see the handshake fail too")
            return
        }
    }

    @Test("a client rejects a server whose certificate does not match the expected name")
    func hostnameMismatch() async throws {
        let server = try await startServer()
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(
            port: server.port, context: clientContext(TestTLS.ca().operatorClient), serverHostname: "db.example.com")
        let failure = await #expect(throws: TLSError.self) { try await client.handshake?.get() }
        #expect(failure?.code == .hostnameMismatch)
        _ = try await client.closed.get()
    }

    @Test("a client verifies an IP address against the server certificate's IP SANs")
    func ipAddressVerification() async throws {
        let server = try await startServer()
        defer { Task { try await server.stop() } }
        let context = try clientContext(TestTLS.ca().operatorClient)
        let good = try await TestClient.connect(port: server.port, context: context, serverHostname: "127.0.0.1")
        _ = try await good.handshake?.get()
        try await good.channel.close()
        let bad = try await TestClient.connect(port: server.port, context: context, serverHostname: "10.0.0.1")
        let failure = await #expect(throws: TLSError.self) { try await bad.handshake?.get() }
        #expect(failure?.code == .hostnameMismatch)
    }

    @Test("a plaintext client gets the connection closed, and the reason is logged")
    func plaintextClient() async throws {
        let server = try await startServer()
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(port: server.port, context: nil)
        try await client.channel.writeAndFlush(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        expectRejected(
            try await nextOutcome(server), code: .handshakeFailed, reasonContains: "http request", logs: server.logs)
        let closed = try await client.closed.get()
        // At most a TLS alert record comes back, never an HTTP answer.
        #expect(closed.bytes.readableBytes <= 7)
    }

    @Test("a client that sends nothing is disconnected when the handshake timeout expires")
    func silentClientTimesOut() async throws {
        let server = try await startServer { $0.timeouts.handshake = .milliseconds(200) }
        defer { Task { try await server.stop() } }
        let client = try await TestClient.connect(port: server.port, context: nil)
        expectRejected(
            try await nextOutcome(server), code: .handshakeTimedOut, reasonContains: "not completed", logs: server.logs)
        _ = try await client.closed.get()
    }
}
