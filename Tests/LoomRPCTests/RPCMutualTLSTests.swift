import LoomTLS
import LoomTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import LoomRPC

@Suite("RPC over mutual TLS (127.0.0.1)")
struct RPCMutualTLSTests {
    @Test("the verified client identity reaches the handler")
    func identityReachesHandler() async throws {
        let server = try await TestServer.start(security: try TestTLS.server())
        let client = server.client(security: try TestTLS.client(try TestTLS.ca.operatorClient))
        let reply = try await client.unary(method: TestMethods.whoAmI, request: ByteBuffer(), options: .init(metadata: ["x-caller": "t"]))
        #expect(String(buffer: reply) == "spiffe://loom.dev/operator|t")
        await client.close()
        await server.server.close()
    }

    @Test("500 concurrent calls on one mTLS connection are all answered with their own response")
    func concurrentCallsOverTLS() async throws {
        let server = try await TestServer.start(security: try TestTLS.server())
        let client = server.client(security: try TestTLS.client(try TestTLS.ca.operatorClient))
        let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask {
                    let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "tls-\(index)"))
                    return String(buffer: reply) == "tls-\(index)"
                }
            }
            var mismatches = 0
            for try await matched in group where !matched { mismatches += 1 }
            return mismatches
        }
        #expect(mismatches == 0)
        await client.close()
        await server.server.close()
    }

    @Test("the authorizer sees the certificate identity")
    func authorizerSeesIdentity() async throws {
        struct OperatorsOnly: RPCAuthorizer {
            func authorize(peer: RPCPeer, method: String, metadata: RPCMetadata) async -> RPCAuthorizationDecision {
                guard let identity = peer.identity else { return .unauthenticated("no client certificate") }
                return identity.value.hasSuffix("/operator") ? .allow : .permissionDenied("\(identity.value) may not call \(method)")
            }
        }
        let server = try await TestServer.start(security: try TestTLS.server()) { $0.authorizer = OperatorsOnly() }
        let viewer = server.client(security: try TestTLS.client(try TestTLS.ca.viewerClient))
        let denied = await #expect(throws: RPCError.self) {
            _ = try await viewer.unary(method: TestMethods.echo, request: ByteBuffer())
        }
        #expect(denied?.code == .permissionDenied)
        let operatorClient = server.client(security: try TestTLS.client(try TestTLS.ca.operatorClient))
        _ = try await operatorClient.unary(method: TestMethods.echo, request: ByteBuffer())
        await viewer.close()
        await operatorClient.close()
        await server.server.close()
    }

    @Test(
        "a client without an acceptable certificate is refused",
        arguments: ["none", "other CA", "expired"]
    )
    func refusedClients(kind: String) async throws {
        let ca = try TestTLS.ca
        let credential: TestCertificateAuthority.Credential? =
            switch kind {
            case "other CA": ca.otherCAClient
            case "expired": ca.expiredClient
            default: nil
            }
        let server = try await TestServer.start(security: try TestTLS.server())
        let client = server.client(security: try TestTLS.client(credential))
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.echo, request: ByteBuffer(), options: .init(timeout: .seconds(10)))
        }
        // The server's alert becomes UNAUTHENTICATED with its reason, not a bare "connection closed".
        let alert =
            switch kind {
            case "other CA": "unknown_ca (48)"
            case "expired": "certificate_expired (45)"
            default: "certificate_required (116)"
            }
        #expect(error?.code == .unauthenticated, "\(String(describing: error))")
        #expect(error?.message.contains(alert) == true, "\(String(describing: error))")
        #expect(server.started.count == 0)
        await client.close()
        await server.server.close()
    }

    @Test("the client refuses a server whose certificate does not match the expected name")
    func hostnameMismatch() async throws {
        let server = try await TestServer.start(security: try TestTLS.server())
        let client = server.client(security: try TestTLS.client(try TestTLS.ca.operatorClient, serverHostname: "loom.example.com"))
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.echo, request: ByteBuffer())
        }
        #expect(error?.code == .unavailable)
        // Usually the client's own verification failure is the cause; when the server's close of the aborted
        // handshake wins the race, the call fails on the lost connection instead (the cause is then not a
        // TLSError). Either way the call is UNAVAILABLE and nothing is served.
        #expect(server.started.count == 0)
        await client.close()
        await server.server.close()
    }

    @Test("a plaintext RPC client is refused by a TLS server, which keeps serving TLS clients")
    func plaintextClient() async throws {
        let server = try await TestServer.start(security: try TestTLS.server())
        let plaintext = server.client(security: .insecure) { $0.keepaliveInterval = nil }
        let error = await #expect(throws: RPCError.self) {
            _ = try await plaintext.unary(method: TestMethods.echo, request: ByteBuffer(), options: .init(timeout: .seconds(15)))
        }
        #expect(error?.code == .unavailable)
        let client = server.client(security: try TestTLS.client(try TestTLS.ca.operatorClient))
        _ = try await client.unary(method: TestMethods.echo, request: ByteBuffer())
        await plaintext.close()
        await client.close()
        await server.server.close()
    }

    @Test("a server whose TLS configuration lacks ALPN loom/1 refuses to start")
    func alpnRequired() async throws {
        let security = try TestTLS.server(alpn: [])
        await #expect(throws: RPCConfigurationError.self) {
            _ = try await TestServer.start(security: security)
        }
    }
}
