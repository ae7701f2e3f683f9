import Foundation
import Logging
import LoomCore
import LoomRedis
@testable import LoomServer
import LoomStores
import LoomTestSupport
import Testing

/// The callback key kept in Redis is read as soon as Redis answers, not at start: a server
/// started while Redis is down stays up (unready) instead of exiting.
@Suite("Callback key loaded when Redis answers", .serialized, .timeLimit(.minutes(1)))
struct CallbackKeyLoadingTests {
    @Test("with Redis down the key is missing and the failure is logged once, not per attempt; then it loads")
    func loadsOnceRedisAnswers() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        redis.kill()
        let pool = RedisConnectionPool(
            configuration: try RedisConfiguration(url: redis.unixURL),
            options: .init(initialBackoff: .milliseconds(5), maximumBackoff: .milliseconds(20), checkServerSettingsOnConnect: false))
        defer { Task { await pool.shutdown() } }
        let store = RedisStore(client: pool)
        var configuration = ServerConfiguration()
        configuration.redisURL = redis.unixURL
        let key = try CallbackKey.make(configuration, store: store, logger: LoomHarness.quietLogger)
        #expect(!key.isLoaded)
        #expect(!CallbackKeySigner(key: key).isReady)
        #expect(key.pageTokenKey == nil)

        let logs = CapturedLogs()
        let loading = Task { await key.load(from: store, logger: logs.logger(), initialBackoff: .milliseconds(1)) }
        // Several attempts fail while Redis is down…
        await logs.wait { $0.filter { $0.message == "callback signing key not loaded; retrying" }.count >= 4 }
        let errors = logs.entries.filter { $0.level >= .warning }
        #expect(errors.count == 1, "\(errors.map(\.message))")
        #expect(errors.first?.message.contains("Redis is not reachable") == true)

        // …and the key loads once it answers, logged once.
        try await redis.restart()
        await loading.value
        #expect(key.isLoaded)
        #expect(CallbackKeySigner(key: key).isReady)
        #expect(logs.notices("callback signing key loaded from Redis; the server is ready").count == 1)
        // The key is the one kept in Redis: another server reading it signs the same tokens.
        let again = try CallbackKey.make(configuration, store: store, logger: LoomHarness.quietLogger)
        await again.load(from: store, logger: LoomHarness.quietLogger)
        let claims = CallbackClaims(runID: try RunID(parsing: "m__c"), generation: 1, stepName: "s", attempt: 1)
        #expect(again.signer?.verify(try #require(key.signer).issue(claims)) == claims)
        #expect(again.pageTokenKey == key.pageTokenKey)
    }

    @Test("a file key or the in-memory store's key is there at once")
    func immediateKeys() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loom-key-\(UUID().uuidString)").path
        try Data(repeating: 0x41, count: 32).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = ServerConfiguration()
        configuration.callbackSecretPath = path
        #expect(try CallbackKey.make(configuration, store: InMemoryStore(), logger: LoomHarness.quietLogger).isLoaded)
        #expect(try CallbackKey.make(ServerConfiguration(), store: InMemoryStore(), logger: LoomHarness.quietLogger).isLoaded)
    }
}
