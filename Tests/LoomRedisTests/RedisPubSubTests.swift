import LoomRedis
import LoomTestSupport
import NIOCore
import Testing

@Suite("Redis pub/sub", .timeLimit(.minutes(1)))
struct RedisPubSubTests {
    @Test("subscribed channels and patterns deliver messages as an async sequence", arguments: [RedisConfiguration.ProtocolVersion.resp3, .resp2])
    func messages(version: RedisConfiguration.ProtocolVersion) async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        var configuration = try RedisConfiguration(url: redis.url)
        configuration.protocolVersion = version
        let pubSub = try await RedisPubSub.connect(to: configuration)
        try await pubSub.subscribe(["loom:a", "loom:b"])
        try await pubSub.psubscribe(["loom:p:*"])
        let publisher = try await RedisConnection.connect(to: configuration)
        #expect(try await publisher.send(RedisCommand("PUBLISH", "loom:a", "one")) == .integer(1))
        #expect(try await publisher.send(RedisCommand("PUBLISH", "loom:p:x", "two")) == .integer(1))
        var iterator = pubSub.messages.makeAsyncIterator()
        #expect(try await iterator.next() == RedisPubSubMessage(channel: "loom:a", payload: ByteBuffer(string: "one")))
        #expect(try await iterator.next() == RedisPubSubMessage(pattern: "loom:p:*", channel: "loom:p:x", payload: ByteBuffer(string: "two")))
        try await pubSub.unsubscribe(["loom:a"])
        #expect(try await publisher.send(RedisCommand("PUBLISH", "loom:a", "lost")) == .integer(0))
        #expect(try await publisher.send(RedisCommand("PUBLISH", "loom:b", "three")) == .integer(1))
        #expect(try await iterator.next()?.payload == ByteBuffer(string: "three"))
        await pubSub.close()
        #expect(try await iterator.next() == nil)
        await publisher.close()
    }
}
