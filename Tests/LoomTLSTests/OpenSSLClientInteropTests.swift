import Foundation
import LoomTLS
import LoomTestSupport
import NIOCore
import Testing

/// `openssl s_client` against a Loom TLS server (run as a subprocess, bounded by a deadline).
@Suite("openssl s_client interoperability")
struct OpenSSLClientInteropTests {
    private func startServer(minimumVersion: TLSConfig.ProtocolVersion) async throws -> TestTLSServer {
        let config = try TestTLS.serverConfig { config in
            config.minimumVersion = minimumVersion
            config.timeouts.handshake = .seconds(5)
        }
        return try await TestTLSServer.start(context: .server(config))
    }

    private func sClient(port: Int, trusting roots: String? = nil, _ extra: [String]) async throws -> BoundedProcess.Output {
        let ca = try TestTLS.ca()
        let arguments =
            [
                "openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost",
                "-CAfile", roots ?? ca.caPath, "-verify_return_error",
                "-cert", ca.operatorClient.chainPath, "-key", ca.operatorClient.keyPath,
            ] + extra
        let output = try await BoundedProcess.run(arguments, stdin: "", timeout: .seconds(15))
        #expect(!output.timedOut, "openssl s_client did not finish in time")
        return output
    }

    private func nextOutcome(_ server: TestTLSServer) async throws -> Result<TLSHandshakeCompleted, any Error> {
        var iterator = server.outcomes.makeAsyncIterator()
        return try #require(await iterator.next())
    }

    @Test("openssl s_client -alpn loom/1 completes an mTLS handshake and negotiates ALPN loom/1")
    func alpnWithSClient() async throws {
        let server = try await startServer(minimumVersion: .tls1_3)
        defer { Task { try await server.stop() } }
        let output = try await sClient(port: server.port, ["-alpn", "loom/1"])
        #expect(output.text.contains("ALPN protocol: loom/1"), "\(output.text)")
        #expect(output.text.contains("Verify return code: 0 (ok)"), "\(output.text)")
        let outcome = try await nextOutcome(server).get()
        #expect(outcome.negotiatedALPN == "loom/1")
        #expect(outcome.protocolVersion == .tls1_3)
        #expect(outcome.peerIdentity?.spiffeID == "spiffe://loom.dev/operator")
    }

    @Test("a client offering only unknown ALPN protocols is refused with no_application_protocol")
    func unknownALPNRefused() async throws {
        let server = try await startServer(minimumVersion: .tls1_3)
        defer { Task { try await server.stop() } }
        let output = try await sClient(port: server.port, ["-alpn", "h2,http/1.1"])
        #expect(output.status != 0)
        #expect(output.text.contains("no application protocol"), "\(output.text)")
        guard case .failure(let error as TLSError) = try await nextOutcome(server) else {
            Issue.record("the server must reject the handshake")
            return
        }
        #expect(error.code == .handshakeFailed)
    }

    @Test("a TLS 1.2-only client is rejected when the minimum version is TLS 1.3, with the reason logged")
    func tls12ClientRejected() async throws {
        let server = try await startServer(minimumVersion: .tls1_3)
        defer { Task { try await server.stop() } }
        let output = try await sClient(port: server.port, ["-tls1_2"])
        #expect(output.status != 0)
        guard case .failure(let error as TLSError) = try await nextOutcome(server) else {
            Issue.record("the server must reject a TLS 1.2 client")
            return
        }
        #expect(error.code == .handshakeFailed)
        #expect(error.reason.contains("unsupported protocol"), "\(error)")
        #expect(server.logs.notices("TLS handshake rejected").contains { $0.metadata["tls.reason"] == error.reason })
    }

    @Test("a TLS 1.2 client is accepted when the minimum version allows it")
    func tls12ClientAllowed() async throws {
        let server = try await startServer(minimumVersion: .tls1_2)
        defer { Task { try await server.stop() } }
        let output = try await sClient(port: server.port, ["-tls1_2", "-alpn", "loom/1"])
        #expect(output.text.contains("Protocol  : TLSv1.2"), "\(output.text)")
        let outcome = try await nextOutcome(server).get()
        #expect(outcome.protocolVersion == .tls1_2)
        #expect(outcome.negotiatedALPN == "loom/1")
        #expect(outcome.peerIdentity?.spiffeID == "spiffe://loom.dev/operator")
    }

    /// The certificates s_client printed with `-showcerts`.
    private func presentedCertificates(_ output: BoundedProcess.Output) -> Int {
        output.text.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1
    }

    /// The chain files a server can be given, and how many certificates s_client must then see.
    enum ChainFile: String, CaseIterable, Sendable {
        /// The dev server certificate alone, issued by the dev CA: no root is appended from the trust store.
        case leafFromRoot
        /// A leaf issued by an intermediate, followed by the intermediate: both are sent.
        case leafAndIntermediate
    }

    @Test("the server sends its chain file as it is, and a client trusting only the root verifies it", arguments: ChainFile.allCases)
    func chainFileSentAsIs(_ chain: ChainFile) async throws {
        let ca = try TestTLS.ca()
        let (credential, roots, presented) =
            switch chain {
            case .leafFromRoot: (ca.server, ca.caPath, 1)
            case .leafAndIntermediate: (ca.chainServer, ca.chainRootPath, 2)
            }
        let config = try TestTLS.serverConfig { $0.certificates = TestTLS.certificates(credential) }
        let server = try await TestTLSServer.start(context: .server(config))
        defer { Task { try await server.stop() } }
        let output = try await sClient(port: server.port, trusting: roots, ["-alpn", "loom/1", "-showcerts"])
        #expect(output.text.contains("Verify return code: 0 (ok)"), "\(output.text)")
        #expect(presentedCertificates(output) == presented, "\(output.text)")
        _ = try await nextOutcome(server).get()
    }

    @Test("a leaf-only chain file is not completed from the trust roots, so a root-only client cannot verify it")
    func leafOnlyChainNotCompleted() async throws {
        let ca = try TestTLS.ca()
        // The server trusts the whole hierarchy; OpenSSL's auto-chain would have sent the intermediate.
        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent("loom-chain-bundle-\(UUID().uuidString).pem")
        let roots = try String(contentsOfFile: ca.caPath, encoding: .utf8) + String(contentsOfFile: ca.chainRootPath, encoding: .utf8)
            + String(contentsOfFile: ca.chainIntermediatePath, encoding: .utf8)
        try roots.write(to: bundle, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bundle) }
        let config = try TestTLS.serverConfig {
            $0.certificates = TestTLS.certificates(ca.chainServerLeafOnly)
            $0.trustRootsPath = bundle.path
        }
        let server = try await TestTLSServer.start(context: .server(config))
        defer { Task { try await server.stop() } }
        let output = try await sClient(port: server.port, trusting: ca.chainRootPath, ["-alpn", "loom/1", "-showcerts"])
        #expect(output.status != 0)
        #expect(output.text.contains("unable to get local issuer certificate"), "\(output.text)")
        #expect(presentedCertificates(output) == 1, "\(output.text)")
    }
}
