import LoomRedis
import LoomTestSupport
import NIOCore
import NIOPosix
import Testing

/// A caller isolated to the connection's event loop: `send` and `pipeline` then hand the
/// handler the caller's continuation directly (no future). Each path that completes a
/// request — reply, error reply, timeout, late reply, connection closed — must resume it
/// exactly once.
private actor OnLoopCaller {
    let connection: RedisConnection
    nonisolated var unownedExecutor: UnownedSerialExecutor { connection.eventLoop.executor.asUnownedSerialExecutor() }

    init(_ connection: RedisConnection) { self.connection = connection }

    func send(_ command: RedisCommand, timeout: TimeAmount? = nil) async throws -> RESPValue {
        connection.eventLoop.preconditionInEventLoop()
        return try await connection.send(command, timeout: timeout)
    }

    func pipeline(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        connection.eventLoop.preconditionInEventLoop()
        return try await connection.pipeline(commands)
    }
}

/// Runs code on one event loop of a group.
private actor LoopBound {
    let loop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
    init(_ loop: any EventLoop) { self.loop = loop }

    /// The loops of the connections `pool` hands out to this caller, `count` times.
    func loopsOfConnections(from pool: RedisConnectionPool, count: Int) async throws -> [ObjectIdentifier] {
        var loops: [ObjectIdentifier] = []
        for _ in 0..<count { loops.append(ObjectIdentifier(try await pool.connection().eventLoop)) }
        return loops
    }
}

@Suite("Redis callers on the connection's event loop", .timeLimit(.minutes(1)))
struct RedisOnLoopCallerTests {
    @Test("once the pool is up, a caller on an event loop gets connections of its own loop")
    func poolLoopAffinity() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let pool = RedisConnectionPool(
            configuration: try RedisConfiguration(url: redis.url), options: .init(size: 4, checkServerSettingsOnConnect: false),
            group: group)
        // Fill the pool (bounded): its connections are spread over both loops.
        var distinct: [ObjectIdentifier: RedisConnection] = [:]
        let deadline = ContinuousClock.now + .seconds(10)
        while distinct.count < 4 && ContinuousClock.now < deadline {
            let connection = try await pool.connection()
            distinct[ObjectIdentifier(connection)] = connection
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(distinct.count == 4)
        #expect(Set(distinct.values.map { ObjectIdentifier($0.eventLoop) }).count == 2)
        for loop in group.makeIterator() {
            let loops = try await LoopBound(loop).loopsOfConnections(from: pool, count: 8)
            #expect(Set(loops) == [ObjectIdentifier(loop)])
        }
        await pool.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("replies, error replies, pipelines, timeouts with late replies, and a closed connection")
    func everyCompletionPath() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        let caller = OnLoopCaller(connection)

        #expect(try await caller.send(RedisCommand("SET", "k", "v")) == .simpleString("OK"))
        #expect(try await caller.send(RedisCommand("GET", "k")) == .bulk("v"))
        await #expect { try await caller.send(RedisCommand("LPUSH", "k", "x")) } throws: {
            ($0 as? RedisError)?.message.hasPrefix("WRONGTYPE") == true
        }
        let batch = try await caller.pipeline([RedisCommand("INCR", "n"), RedisCommand("LPUSH", "k", "x"), RedisCommand("INCR", "n")])
        #expect(batch.count == 3 && batch[0] == .integer(1) && batch[2] == .integer(2))
        #expect(try await caller.pipeline([]) == [])

        // Many at once from the loop, then a timeout whose late reply must not leak to the next one.
        let sums = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<200 { group.addTask { try await caller.send(RedisCommand("INCR", "c")).int ?? 0 } }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(sums == Set(1...200))
        await #expect { try await caller.send(RedisCommand("DEBUG", "SLEEP", "0.2"), timeout: .milliseconds(20)) } throws: {
            ($0 as? RedisError)?.code == .timeout
        }
        #expect(try await caller.send(RedisCommand("ECHO", "mine")) == .bulk("mine"))

        // The server drops the connection while a command is in flight: it fails, later ones too.
        let admin = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        let id = try #require(try await caller.send(RedisCommand("CLIENT", "ID")).int)
        let blocked = Task { try await caller.send(RedisCommand("BLPOP", "never", "5")) }
        // The signal that the BLPOP is in flight: Redis lists the connection as blocked (flag `b`).
        // (Each check is a round trip; the BLPOP lands within one or two.)
        var inFlight = false
        for _ in 0..<10_000 where !inFlight {
            inFlight = try await admin.send(RedisCommand("CLIENT", "LIST", "ID", .integer(id))).string?.contains(" flags=b ") == true
        }
        try #require(inFlight, "the BLPOP never blocked")
        _ = try await admin.send(RedisCommand("CLIENT", "KILL", "ID", .integer(id)))
        await #expect { _ = try await blocked.value } throws: { ($0 as? RedisError)?.code == .connectionClosed }
        await #expect { try await caller.send(RedisCommand("PING")) } throws: { ($0 as? RedisError)?.code == .connectionClosed }
        await admin.close()
    }
}
