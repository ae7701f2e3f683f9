import Testing

@testable import LoomRedis

@Suite("Redis configuration from URLs")
struct RedisConfigurationTests {
    @Test("redis:// with user, password, port and database")
    func full() throws {
        let configuration = try RedisConfiguration(url: "redis://loom:p%40ss@redis.internal:6380/3")
        #expect(configuration.endpoint == .tcp(host: "redis.internal", port: 6380))
        #expect(configuration.username == "loom")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == 3)
        #expect(!configuration.useTLS)
    }

    @Test("defaults: port 6379, database 0, no credentials")
    func defaults() throws {
        let configuration = try RedisConfiguration(url: "redis://localhost")
        #expect(configuration.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(configuration.database == 0)
        #expect(configuration.username == nil && configuration.password == nil)
    }

    @Test("password only, IPv6 host, rediss")
    func passwordOnlyIPv6TLS() throws {
        let configuration = try RedisConfiguration(url: "rediss://:secret@[::1]:7000/1")
        #expect(configuration.endpoint == .tcp(host: "::1", port: 7000))
        #expect(configuration.username == nil)
        #expect(configuration.password == "secret")
        #expect(configuration.useTLS)
    }

    @Test("unix socket with a database")
    func unix() throws {
        let configuration = try RedisConfiguration(url: "unix:///var/run/redis/redis.sock?db=2")
        #expect(configuration.endpoint == .unix(path: "/var/run/redis/redis.sock"))
        #expect(configuration.database == 2)
    }

    @Test("the description never shows the password")
    func redacted() throws {
        let configuration = try RedisConfiguration(url: "redis://loom:hunter2@h:1/0")
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description == "redis://loom:***@h:1/0")
    }

    @Test(
        "bad URLs are rejected with invalidURL and without echoing the password",
        arguments: ["http://h:1", "redis://", "redis://h:0", "redis://h/x", "redis://h/-1", "unix://", "not a url", "redis://:pw@h/db?x"])
    func invalid(url: String) {
        #expect {
            _ = try RedisConfiguration(url: url)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .invalidURL && !error.message.contains("pw")
        }
    }
}
