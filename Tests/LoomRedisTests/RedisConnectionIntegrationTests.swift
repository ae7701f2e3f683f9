import LoomRedis
import LoomTestSupport
import NIOCore
import Testing

@Suite("Redis connection against a real redis-server", .timeLimit(.minutes(1)))
struct RedisConnectionIntegrationTests {
    @Test("connects over TCP with RESP3 and runs commands; server errors are typed with the server's text")
    func basics() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        #expect(connection.protocolVersion == 3)
        try await connection.set("greeting", to: "hello")
        #expect(try await connection.get("greeting").map { String(buffer: $0) } == "hello")
        #expect(try await connection.get("missing") == nil)
        #expect(try await connection.send(RedisCommand("INCRBY", "n", 41)) == .integer(41))
        await #expect {
            try await connection.send(RedisCommand("LPUSH", "greeting", "x"))
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .server && error.serverPrefix == "WRONGTYPE" && error.message.contains("wrong kind of value")
        }
        await #expect {
            try await connection.send(RedisCommand("NOSUCHCOMMAND"))
        } throws: { ($0 as? RedisError)?.serverPrefix == "ERR" }
        await connection.close()
    }

    @Test("every RESP3 reply type arrives from the server as the right value")
    func resp3Types() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        func debug(_ type: RESPArgument) async throws -> RESPValue {
            try await connection.send(RedisCommand("DEBUG", "PROTOCOL", type))
        }
        #expect(try await debug("string") == .bulk("Hello World"))
        #expect(try await debug("integer") == .integer(12345))
        #expect(try await debug("double") == .double(3.141))
        #expect(try await debug("bignum") == .bigNumber("1234567999999999999999999999999999999"))
        #expect(try await debug("null") == .null)
        #expect(try await debug("true") == .boolean(true))
        #expect(try await debug("false") == .boolean(false))
        #expect(try await debug("verbatim") == .verbatimString(format: "txt", text: ByteBuffer(string: "This is a verbatim\nstring")))
        #expect(try await debug("map").pairs?.count == 3)
        if case .map = try await debug("map") {} else { Issue.record("map is not a RESP3 map") }
        if case .set(let elements) = try await debug("set") { #expect(elements.count == 3) } else { Issue.record("set") }
        if case .array(let elements) = try await debug("array") { #expect(elements.count == 3) } else { Issue.record("array") }
        let attributed = try await debug("attrib")
        if case .attributed(let attributes, let value) = attributed {
            #expect(attributes.first?.key == .bulk("key-popularity"))
            #expect(value == .bulk("Some real reply following the attribute"))
        } else {
            Issue.record("attribute missing: \(attributed)")
        }
        // The push arrives out of band and is skipped; the reply after it still reaches the caller.
        #expect(try await debug("push") == .bulk("Some real reply following the push reply"))
        #expect(try await connection.send(RedisCommand("PING")) == .simpleString("PONG"))
        await connection.close()
    }

    @Test("unix socket, SELECT of a database and CLIENT SETNAME")
    func unixSelectName() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        var configuration = try RedisConfiguration(url: redis.unixURL + "?db=2")
        configuration.clientName = "loom-test"
        let connection = try await RedisConnection.connect(to: configuration)
        try await connection.set("k", to: "in-db-2")
        #expect(try await connection.send(RedisCommand("CLIENT", "GETNAME")).string == "loom-test")
        let db0 = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        #expect(try await db0.get("k") == nil)
        #expect(try await db0.send(RedisCommand("SELECT", 2)) == .simpleString("OK"))
        #expect(try await db0.get("k").map { String(buffer: $0) } == "in-db-2")
        await connection.close()
        await db0.close()
    }

    @Test("RESP2 when asked: no HELLO, name and database still applied, maps come as arrays")
    func resp2() async throws {
        let redis = try await RedisServerFixture.start(.init(password: "pw"))
        defer { redis.stop() }
        var configuration = try RedisConfiguration(url: redis.url.replacingOccurrences(of: "/0", with: "/1"))
        configuration.protocolVersion = .resp2
        configuration.clientName = "loom-resp2"
        let connection = try await RedisConnection.connect(to: configuration)
        #expect(connection.protocolVersion == 2)
        #expect(try await connection.send(RedisCommand("CLIENT", "GETNAME")).string == "loom-resp2")
        let config = try await connection.send(RedisCommand("CONFIG", "GET", "appendonly"))
        #expect(config == .array([.bulk("appendonly"), .bulk("no")]))
        #expect(try await connection.checkServerSettings().appendOnly == "no")
        await connection.close()
    }

    @Test("1000 concurrent commands on one connection are pipelined and each gets its own reply")
    func pipelining() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        let replies = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<1000 {
                group.addTask { try #require(try await connection.send(RedisCommand("INCR", "counter")).int) }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(Set(replies) == Set(1...1000))
        let batch = try await connection.pipeline([
            RedisCommand("SET", "s", "1"), RedisCommand("LPUSH", "s", "x"), RedisCommand("GET", "s"),
        ])
        #expect(batch.count == 3)
        #expect(batch[0] == .simpleString("OK"))
        if case .error(let text) = batch[1] { #expect(text.hasPrefix("WRONGTYPE")) } else { Issue.record("\(batch[1])") }
        #expect(batch[2] == .bulk("1"))
        await connection.close()
    }

    @Test("MULTI/EXEC returns the results; a command rejected while queueing aborts with a typed error")
    func transactions() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        let results = try await connection.transaction([RedisCommand("SET", "a", "1"), RedisCommand("INCR", "a")])
        #expect(results == [.simpleString("OK"), .integer(2)])
        await #expect {
            try await connection.transaction([RedisCommand("SET", "a", "9"), RedisCommand("SET")])
        } throws: { ($0 as? RedisError)?.code == .server }
        #expect(try await connection.get("a").map { String(buffer: $0) } == "2")
        await connection.close()
    }

    @Test("EVALSHA loads the script on NOSCRIPT, also after SCRIPT FLUSH; script errors are typed")
    func scripts() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await connection.evalScript(script, keys: ["c"], arguments: [5]) == .integer(5))
        #expect(try await connection.send(RedisCommand("SCRIPT", "EXISTS", .string(script.sha1))) == .array([.integer(1)]))
        try await connection.send(RedisCommand("SCRIPT", "FLUSH"))
        #expect(try await connection.evalScript(script, keys: ["c"], arguments: [5]) == .integer(10))
        let failing = RedisScript("return redis.error_reply('CONFLICT version 3')")
        await #expect {
            try await connection.evalScript(failing)
        } throws: { ($0 as? RedisError)?.message.hasPrefix("CONFLICT version 3") == true }
        await connection.close()
    }

    @Test("a command past its timeout fails with timeout; its late reply never reaches the next command")
    func commandTimeout() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        await #expect {
            try await connection.send(RedisCommand("DEBUG", "SLEEP", "0.3"), timeout: .milliseconds(50))
        } throws: { ($0 as? RedisError)?.code == .timeout }
        #expect(try await connection.send(RedisCommand("ECHO", "mine")) == .bulk("mine"))
        await connection.close()
    }

    @Test("server settings: no persistence and an evicting policy are reported; AOF with noeviction is not")
    func settings() async throws {
        let unsafe = try await RedisServerFixture.start(.init(extraArguments: ["--maxmemory-policy", "allkeys-lru"]))
        defer { unsafe.stop() }
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: unsafe.url))
        let settings = try await connection.checkServerSettings()
        #expect(settings.maxmemoryPolicy == "allkeys-lru")
        #expect(settings.warnings.contains { $0.contains("evict") })
        #expect(settings.warnings.contains { $0.contains("persistence is off") })
        await connection.close()

        let safe = try await RedisServerFixture.start(.init(persistence: true))
        defer { safe.stop() }
        let safeConnection = try await RedisConnection.connect(to: RedisConfiguration(url: safe.url))
        let safeSettings = try await safeConnection.checkServerSettings()
        #expect(safeSettings.appendOnly == "yes")
        #expect(safeSettings.warnings.isEmpty)
        await safeConnection.close()
    }
}
