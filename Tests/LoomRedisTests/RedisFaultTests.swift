import LoomRedis
import LoomTestSupport
import NIOCore
import Testing

@Suite("Redis faults: authentication, foreign servers, server restarts", .timeLimit(.minutes(1)))
struct RedisFaultTests {
    @Test("a wrong password is a clear authentication error (RESP3 and RESP2)", arguments: [RedisConfiguration.ProtocolVersion.resp3, .resp2])
    func wrongPassword(version: RedisConfiguration.ProtocolVersion) async throws {
        let redis = try await RedisServerFixture.start(.init(password: "right"))
        defer { redis.stop() }
        var configuration = try RedisConfiguration(url: "redis://:wrong@127.0.0.1:\(redis.port)")
        configuration.protocolVersion = version
        await #expect {
            _ = try await RedisConnection.connect(to: configuration)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .authentication && error.message.hasPrefix("WRONGPASS")
        }
        var right = configuration
        right.password = "right"
        let connection = try await RedisConnection.connect(to: right)
        #expect(try await connection.send(RedisCommand("PING")) == .simpleString("PONG"))
        await connection.close()
    }

    @Test("no password against a protected server fails with an authentication error, not later on the first command")
    func missingPassword() async throws {
        let redis = try await RedisServerFixture.start(.init(password: "right"))
        defer { redis.stop() }
        await #expect {
            _ = try await RedisConnection.connect(to: RedisConfiguration(url: "redis://127.0.0.1:\(redis.port)"))
        } throws: { ($0 as? RedisError)?.code == .authentication }
    }

    @Test("an ACL user with its own password")
    func aclUser() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let admin = try await RedisConnection.connect(to: RedisConfiguration(url: redis.url))
        try await admin.send(RedisCommand("ACL", "SETUSER", "loom", "on", ">l00m", "~loom:*", "+@all"))
        let connection = try await RedisConnection.connect(to: RedisConfiguration(url: "redis://loom:l00m@127.0.0.1:\(redis.port)"))
        try await connection.set("loom:x", to: "1")
        await #expect {
            try await connection.set("other", to: "1")
        } throws: { ($0 as? RedisError)?.serverPrefix == "NOPERM" }
        await connection.close()
        await admin.close()
    }

    @Test("a server that is not Redis is a clear protocol error, not a hang", arguments: [
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "SSH-2.0-OpenSSH_9.6\r\n", "\u{16}\u{03}\u{01}\u{00}\u{05}garbage",
    ])
    func foreignServer(banner: String) async throws {
        let server = try await FakeServer.start(.send(banner))
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)")
        configuration.connectTimeout = .seconds(10)
        await #expect {
            _ = try await RedisConnection.connect(to: configuration)
        } throws: { ($0 as? RedisError)?.code == .protocolViolation }
        await server.stop()
    }

    @Test("a server that never answers times out; one that hangs up is a closed connection")
    func silentAndClosing() async throws {
        let silent = try await FakeServer.start(.silent)
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(silent.port)")
        configuration.connectTimeout = .milliseconds(200)
        await #expect {
            _ = try await RedisConnection.connect(to: configuration)
        } throws: { ($0 as? RedisError)?.code == .timeout }
        await silent.stop()

        let closing = try await FakeServer.start(.close)
        configuration.endpoint = .tcp(host: "127.0.0.1", port: closing.port)
        await #expect {
            _ = try await RedisConnection.connect(to: configuration)
        } throws: { ($0 as? RedisError)?.code == .connectionClosed }
        await closing.stop()
    }

    @Test("nothing listening is a connect error")
    func refused() async throws {
        // Held bound but not listening for the whole test: no other process can start listening on it.
        let reserved = try ReservedPort()
        defer { reserved.close() }
        await #expect {
            _ = try await RedisConnection.connect(to: RedisConfiguration(url: "redis://127.0.0.1:\(reserved.port)"))
        } throws: { ($0 as? RedisError)?.code == .connectFailed }
    }

    @Test("server killed mid-use: in-flight commands fail clearly, the pool recovers once the server is back")
    func killAndRestart() async throws {
        let redis = try await RedisServerFixture.start(.init(persistence: true))
        defer { redis.stop() }
        // Through the unix socket: while the server is down, another process could take its TCP port.
        let pool = RedisConnectionPool(
            configuration: try RedisConfiguration(url: redis.unixURL),
            options: .init(size: 2, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(100)))
        try await pool.set("before", to: "1")
        // A command that blocks until the server dies. (It also holds up whatever the pool
        // pipelines behind it on that connection, so the observer uses its own connection.)
        let inFlight = Task { try await pool.send(RedisCommand("BLPOP", "never", 0), timeout: .seconds(30)) }
        let observer = try await RedisConnection.connect(to: RedisConfiguration(url: redis.unixURL))
        // Wait (bounded) until the blocked client is visible, then kill the server.
        try await waitUntil { try await observer.send(RedisCommand("INFO", "clients")).string?.contains("blocked_clients:1") == true }
        redis.kill()
        await #expect {
            try await inFlight.value
        } throws: { ($0 as? RedisError)?.code == .connectionClosed }
        // While the server is down, commands fail with a clear error instead of hanging.
        await #expect {
            try await pool.send(RedisCommand("PING"), timeout: .milliseconds(300))
        } throws: { error in
            let code = (error as? RedisError)?.code
            return code == .connectFailed || code == .connectionClosed
        }
        try await redis.restart()
        try await waitUntil { (try? await pool.send(RedisCommand("PING"))) == .simpleString("PONG") }
        #expect(try await pool.send(RedisCommand("PING")) == .simpleString("PONG"))
        await pool.shutdown()
        await #expect {
            try await pool.send(RedisCommand("PING"))
        } throws: { ($0 as? RedisError)?.code == .poolShutdown }
    }

    /// Polls `condition` until it holds, for at most 10 s (a generous bound; it normally takes milliseconds).
    private func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 10 s")
    }
}
