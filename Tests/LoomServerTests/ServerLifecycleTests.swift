import Foundation
import Logging
import LoomRedis
@testable import LoomServer
import LoomTestSupport
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// One owner starts and stops every resource of the server: a failed start releases what was
/// already bound or connected, and a stop releases everything.
@Suite("Server lifecycle", .serialized, .timeLimit(.minutes(1)))
struct ServerLifecycleTests {
    static func configuration(redis: RedisServerFixture, rpcPort: Int, httpPort: Int) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.insecure = true
        configuration.rpcAddress = .init(host: "127.0.0.1", port: rpcPort)
        configuration.httpAddress = .init(host: "127.0.0.1", port: httpPort)
        configuration.redisURL = redis.url
        configuration.replicaID = "lifecycle-test"
        return configuration
    }

    /// The names of the server's connections (`CLIENT SETNAME`) open on `redis`, waiting (bounded)
    /// until they are `expected`: Redis notices a closed connection on its next event-loop turn
    /// and offers no signal, so this is polled.
    static func serverConnections(_ redis: RedisServerFixture, expectingNone: Bool) async throws -> [String] {
        let connection = try await RedisConnection.connect(to: try RedisConfiguration(url: redis.url))
        defer { Task { await connection.close() } }
        var names: [String] = []
        for _ in 0..<100 {
            let list = try await connection.send(RedisCommand("CLIENT", "LIST")).string ?? ""
            names = list.split(separator: "\n").compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("name=") }.map { String($0.dropFirst(5)) }
            }.filter { $0.hasPrefix("loom-server") }
            if names.isEmpty == expectingNone { return names }
            try await Task.sleep(for: .milliseconds(20))
        }
        return names
    }

    /// Whether `port` on 127.0.0.1 can be bound now (it is free).
    static func canBind(_ port: Int) async -> Bool {
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: port).get()
            try await channel.close()
            return true
        } catch {
            return false
        }
    }

    @Test("a shim whose port is taken: the start fails naming the shim listener, and the RPC port and Redis are released")
    func shimPortTaken() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let occupant = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let httpPort = try #require(occupant.localAddress?.port)
        // The RPC listener takes a port of the kernel's choosing; the server logs which.
        let configuration = try Self.configuration(redis: redis, rpcPort: 0, httpPort: httpPort)
        let logs = CapturedLogs()
        do {
            try await LoomServerApp.run(configuration, logger: logs.logger(), shutdownSignals: []) { group, _, _ in
                Issue.record("the server started although its shim port is taken")
                await group.triggerGracefulShutdown()
            }
        } catch let error as StartError {
            #expect(error.what == "the REST shim listener (--http-listen 127.0.0.1:\(httpPort))")
        }
        try await occupant.close()
        let address = try #require(logs.entries("RPC server listening").first?.metadata["address"], "the RPC listener did not start")
        let rpcPort = try #require(address.split(separator: ":").last.flatMap { Int($0) }, "\(address)")
        #expect(await Self.canBind(rpcPort), "the RPC listener is still bound")
        #expect(try await Self.serverConnections(redis, expectingNone: true).isEmpty)
    }

    @Test("a graceful stop closes the listeners, the migrator client and every Redis connection")
    func gracefulStopReleasesEverything() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let configuration = try Self.configuration(redis: redis, rpcPort: 0, httpPort: 0)
        let ports = Locked<(rpc: Int, http: Int)?>(nil)
        let connectionsWhileRunning = Locked<[String]>([])
        try await LoomServerApp.run(configuration, logger: LoomHarness.quietLogger, shutdownSignals: []) { group, rpc, http in
            ports.withLock { $0 = (rpc, http) }
            let open = (try? await Self.serverConnections(redis, expectingNone: false)) ?? []
            connectionsWhileRunning.withLock { $0 = open }
            await group.triggerGracefulShutdown()
        }
        #expect(!connectionsWhileRunning.current.isEmpty)
        #expect(try await Self.serverConnections(redis, expectingNone: true).isEmpty)
        let (rpc, http) = try #require(ports.current)
        #expect(await Self.canBind(rpc))
        #expect(await Self.canBind(http))
    }
}
