import LoomHTTP
import LoomTestSupport
import LoomTLS
import NIOPosix
import Testing

@Suite("Migrator HTTP client over TLS", .timeLimit(.minutes(1)))
struct MigratorHTTPClientTLSTests {
    static func serverTLS(_ ca: TestCertificateAuthority, requireClientCert: Bool = false) throws -> TLSContext {
        try TLSContext.server(.defaults {
            $0.certificates = .init(chainPath: ca.server.chainPath, privateKeyPath: ca.server.keyPath)
            if requireClientCert {
                $0.trustRootsPath = ca.caPath
                $0.clientAuthentication = .require
            }
        })
    }

    static func clientTLS(trust: String, certificate: TestCertificateAuthority.Credential? = nil) throws -> TLSContext {
        try TLSContext.client(.defaults {
            $0.trustRootsPath = trust
            if let certificate {
                $0.certificates = .init(chainPath: certificate.chainPath, privateKeyPath: certificate.keyPath)
            }
        })
    }

    @Test("https:// dispatch verifies the migrator's certificate and host name, and presents a client certificate")
    func httpsWithClientCertificate() async throws {
        let ca = try TestCertificateAuthority.shared()
        let migrator = try await TestMigrator.start(tls: try Self.serverTLS(ca, requireClientCert: true)) { _ in .respond(.ok, "{}") }
        let client = MigratorHTTPClient(
            group: MultiThreadedEventLoopGroup.singleton,
            tls: try Self.clientTLS(trust: ca.caPath, certificate: ca.operatorClient)
        )
        try await client.dispatchStep(MigratorHTTPClientTests.dispatch, migratorUrl: migrator.url)
        try await client.dispatchStep(MigratorHTTPClientTests.dispatch, migratorUrl: migrator.url)
        #expect(migrator.requests.count == 2)
        #expect(migrator.connectionCount == 1)
        await client.shutdown()
        await migrator.stop()
    }

    @Test("a migrator certificate from an untrusted CA fails with tlsFailed and sends nothing")
    func untrustedCertificate() async throws {
        let ca = try TestCertificateAuthority.shared()
        let migrator = try await TestMigrator.start(tls: try Self.serverTLS(ca)) { _ in .respond(.ok, "{}") }
        let client = MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton, tls: try Self.clientTLS(trust: ca.otherCAPath))
        let error = try await #require(throws: MigratorClientError.self) {
            try await client.dispatchStep(MigratorHTTPClientTests.dispatch, migratorUrl: migrator.url)
        }
        #expect(error.code == .tlsFailed)
        #expect(migrator.requests.isEmpty)
        await client.shutdown()
        await migrator.stop()
    }

    @Test("https:// without a client TLS context is refused before any I/O")
    func httpsWithoutContext() async throws {
        let client = MigratorHTTPClient(group: MultiThreadedEventLoopGroup.singleton)
        let error = try await #require(throws: MigratorClientError.self) {
            try await client.dispatchStep(MigratorHTTPClientTests.dispatch, migratorUrl: "https://localhost:1")
        }
        #expect(error.code == .tlsFailed)
    }
}
