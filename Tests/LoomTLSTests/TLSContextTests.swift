import Foundation
import LoomTLS
import LoomTestSupport
import NIOCore
import Testing

@Suite("TLS contexts: loading, validation and reload")
struct TLSContextTests {
    private func loadError(_ role: TLSContext.Role, _ config: TLSConfig) -> TLSError? {
        do {
            _ = try TLSContext(configuration: config, role: role)
            return nil
        } catch {
            return error
        }
    }

    @Test("contradictory configurations are rejected with invalidConfiguration")
    func invalidConfigurations() throws {
        let ca = try TestTLS.ca()
        #expect(loadError(.server, .defaults)?.code == .invalidConfiguration)
        let mTLSWithoutRoots = TLSConfig.defaults {
            $0.certificates = TestTLS.certificates(ca.server)
            $0.clientAuthentication = .require
        }
        #expect(loadError(.server, mTLSWithoutRoots)?.code == .invalidConfiguration)
        let emptyALPN = try TestTLS.serverConfig { $0.alpnProtocols = [""] }
        #expect(loadError(.server, emptyALPN)?.code == .invalidConfiguration)
        let longALPN = try TestTLS.serverConfig { $0.alpnProtocols = [String(repeating: "x", count: 256)] }
        #expect(loadError(.server, longALPN)?.code == .invalidConfiguration)
        let badCiphers = try TestTLS.serverConfig { $0.tls12CipherList = "NOT-A-CIPHER" }
        #expect(loadError(.server, badCiphers)?.code == .invalidConfiguration)
        let badSuites = try TestTLS.serverConfig { $0.tls13CipherSuites = "TLS_NOPE" }
        #expect(loadError(.server, badSuites)?.code == .invalidConfiguration)
    }

    @Test("unreadable or mismatched files are reported with the file's name")
    func fileErrors() throws {
        let ca = try TestTLS.ca()
        let missing = try TestTLS.serverConfig {
            $0.certificates = .init(chainPath: "/nonexistent/server.pem", privateKeyPath: ca.server.keyPath)
        }
        let missingError = try #require(loadError(.server, missing))
        #expect(missingError.code == .certificateLoadFailed)
        #expect(missingError.reason.contains("/nonexistent/server.pem"))
        #expect(!missingError.openSSLErrors.isEmpty)

        let wrongKey = try TestTLS.serverConfig {
            $0.certificates = .init(chainPath: ca.server.chainPath, privateKeyPath: ca.operatorClient.keyPath)
        }
        #expect(loadError(.server, wrongKey)?.code == .privateKeyLoadFailed)

        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("loom-garbage-\(UUID()).pem")
        try Data("not a certificate".utf8).write(to: garbage)
        defer { try? FileManager.default.removeItem(at: garbage) }
        let badRoots = try TestTLS.serverConfig { $0.trustRootsPath = garbage.path }
        #expect(loadError(.server, badRoots)?.code == .trustRootsLoadFailed)
        let badChain = try TestTLS.serverConfig {
            $0.certificates = .init(chainPath: garbage.path, privateKeyPath: ca.server.keyPath)
        }
        #expect(loadError(.server, badChain)?.code == .certificateLoadFailed)
    }

    @Test("a client under full verification needs a server name")
    func clientNeedsServerName() throws {
        let context = try TLSContext.client(TestTLS.clientConfig(credential: nil) { $0.serverName = nil })
        #expect(throws: TLSError.self) { try TLSHandler(context: context) }
        #expect(throws: Never.self) { try TLSHandler(context: context, serverHostname: "localhost") }
        let unchecked = try TLSContext.client(
            TestTLS.clientConfig(credential: nil) {
                $0.serverName = nil
                $0.serverVerification = .chainOnly
            })
        #expect(throws: Never.self) { try TLSHandler(context: unchecked) }
    }

    @Test("a failed reload throws and keeps the previous certificates in use")
    func failedReloadKeepsOldContext() throws {
        let server = try TLSContext.server(TestTLS.serverConfig())
        let before = server.configuration
        var broken = before
        broken.certificates?.chainPath = "/nonexistent/rotated.pem"
        #expect(throws: TLSError.self) { try server.reload(configuration: broken) }
        #expect(server.configuration == before)

        let pair = try InMemoryTLSPair(
            server: server, client: .client(TestTLS.clientConfig(credential: TestTLS.ca().operatorClient)))
        try pair.handshake()
        #expect(pair.serverHandler.peerIdentity?.spiffeID == "spiffe://loom.dev/operator")
    }

    @Test("after a reload new connections use the new files while open ones continue")
    func reloadAffectsOnlyNewConnections() throws {
        let ca = try TestTLS.ca()
        let server = try TLSContext.server(TestTLS.serverConfig())
        let client = try TLSContext.client(TestTLS.clientConfig(credential: ca.operatorClient))
        let open = try InMemoryTLSPair(server: server, client: client)
        try open.handshake()

        // Rotate the trust roots to a CA that did not sign the operator's certificate.
        try server.reload(configuration: TestTLS.serverConfig { $0.trustRootsPath = ca.otherCAPath })
        #expect(server.configuration.trustRootsPath == ca.otherCAPath)

        let fresh = try InMemoryTLSPair(server: server, client: client)
        try fresh.handshake()
        #expect(fresh.serverEvents.handshakes.isEmpty)
        #expect(fresh.serverEvents.tlsErrors.first?.code == .handshakeFailed)

        // The connection opened before the reload still carries data.
        let sent = open.client.writeAndFlush(ByteBuffer(string: "still here"))
        try open.pump()
        #expect(sent.currentValue() != nil)
        #expect(open.serverEvents.received == ByteBuffer(string: "still here"))

        // Reloading the files of the current configuration works too.
        try server.reload()
    }
}
