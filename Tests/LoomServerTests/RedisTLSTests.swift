import Foundation
import Logging
import LoomRedis
@testable import LoomServer
import LoomTLS
import LoomTestSupport
import Testing

/// `rediss://` through LoomTLS (the provider `loom-server` installs) against a TLS-enabled redis-server.
@Suite("rediss:// through LoomTLS", .timeLimit(.minutes(1)))
struct RedisTLSTests {
    static func provider(trusting caPath: String) throws -> LoomTLSRedisProvider {
        let context = try TLSContext.client(.defaults {
            $0.trustRootsPath = caPath
            $0.minimumVersion = .tls1_2
        })
        return LoomTLSRedisProvider(context: context, logger: Logger(label: "test"))
    }

    @Test("commands run over TLS when the server's certificate verifies; another CA is refused")
    func tls() async throws {
        let ca = try TestCertificateAuthority.shared()
        let redis = try await RedisServerFixture.start(
            RedisServerFixture.Options(tls: .init(certificatePath: ca.server.chainPath, keyPath: ca.server.keyPath, caPath: ca.caPath)))
        defer { redis.stop() }
        let tlsPort = try #require(redis.tlsPort)

        var configuration = try RedisConfiguration(url: "rediss://localhost:\(tlsPort)/0")
        configuration.tlsProvider = try Self.provider(trusting: ca.caPath)
        let connection = try await RedisConnection.connect(to: configuration)
        _ = try await connection.send(RedisCommand("SET", "over-tls", "yes"))
        #expect(try await connection.send(RedisCommand("GET", "over-tls")).string == "yes")
        await connection.close()

        var untrusted = try RedisConfiguration(url: "rediss://localhost:\(tlsPort)/0")
        untrusted.tlsProvider = try Self.provider(trusting: ca.otherCAPath)
        await #expect(throws: (any Error).self) {
            let refused = try await RedisConnection.connect(to: untrusted)
            await refused.close()
        }
    }
}
