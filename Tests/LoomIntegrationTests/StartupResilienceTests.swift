import Foundation
import LoomAPI
import LoomProto
import LoomRPC
import LoomTestSupport
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real processes: a server started while Redis is down waits for it instead of exiting; a
/// listener that cannot bind releases the other; two live processes cannot share a replica id.
@Suite("Server start: without Redis, port taken, replica id taken (real processes)", .serialized, .timeLimit(.minutes(3)))
struct StartupResilienceTests {
    /// `GET path` on the plaintext shim: the status code and body.
    static func get(port: Int, path: String) throws -> (status: Int, body: String) {
        try PlainHTTP.get(port: port, path: path)
    }

    /// Polls `GET /readyz` (bounded, 60 s) until it answers `status`: the server offers no other
    /// signal of becoming ready.
    static func waitForReadiness(port: Int, status: Int) async throws -> Bool {
        for _ in 0..<600 {
            if (try? get(port: port, path: "/readyz").status) == status { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("started with Redis down: stays up unready, refuses calls needing the key with a clear message, then serves a run once Redis starts")
    func startWithoutRedis() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        redis.kill()
        let server = ServerProcess(
            extraArguments: ["--redis", redis.unixURL, "--replica-id", "no-redis-yet"],
            logPath: redis.directory.path + "/server.log")
        try await server.start(waitForRPC: false)
        defer { server.kill() }

        #expect(try Self.get(port: server.httpPort, path: "/healthz").status == 200)
        #expect(try Self.get(port: server.httpPort, path: "/readyz").status == 503)
        let client = LoomClient(host: "127.0.0.1", port: server.rpcPort, configuration: .init(transportSecurity: .insecure))
        defer { Task { await client.close() } }
        do {
            _ = try await client.startRun(StartRunRequest(migrationID: "m", candidateID: "c"))
            Issue.record("a start without the callback key succeeded")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("callback signing key is not loaded yet"), "\(error.message)")
        }
        let body = #"{"stepName":"s","candidateId":"c","success":true}"#
        let event = try PlainHTTP.post(
            port: server.httpPort, path: "/event/m__c", body: body, headers: ["Authorization": "Bearer v1.x.y"])
        #expect(event.status == 503)
        #expect(event.body.contains("callback signing key is not loaded yet"), "\(event.body)")
        #expect(server.isRunning)

        try await redis.restart()
        #expect(try await Self.waitForReadiness(port: server.httpPort, status: 200), "not ready after Redis started")
        let migrator = try await InstantMigrator.start(rpcPorts: [server.rpcPort])
        defer { Task { try? await migrator.server.close() } }
        try await CrashRecoveryTests.announce(client, migratorURL: migrator.url, candidates: 1)
        _ = try await client.startRun(StartRunRequest(migrationID: "crash", candidateID: "c0"))
        try await CrashRecoveryTests.expectAllCompleted(client, candidates: 1)
        let log = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
        #expect(log.components(separatedBy: "Redis is not reachable: the callback signing key cannot be read yet").count == 2, "logged once")
    }

    @Test("the shim's port is taken: exit 1 naming the shim listener, and the RPC port is free again")
    func shimPortTaken() async throws {
        let occupied = try ReservedPort()
        defer { occupied.close() }
        // The RPC listener takes a port of the kernel's choosing; the server logs which (it starts before the shim).
        let outcome = try ServerConfigurationErrorTests.run([
            "--insecure", "--rpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:\(occupied.port)",
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("the REST shim listener (--http-listen 127.0.0.1:\(occupied.port))"), "\(outcome.stderr)")
        let listening = try #require(
            outcome.stderr.split(separator: "\n").first { $0.contains("RPC server listening") }, "\(outcome.stderr)")
        let address = try #require(listening.split(separator: " ").first { $0.hasPrefix("address=") }, "\(listening)")
        let rpcPort = try #require(address.split(separator: ":").last.flatMap { Int($0) }, "\(listening)")
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: rpcPort).get()
        try await channel.close()
    }

    @Test("--replica-id is checked at start: 253 host-name characters pass, 254 or a bad character exit 1 naming the flag")
    func replicaIDValidated() async throws {
        let listen = ["--insecure", "--rpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"]
        for bad in [String(repeating: "a", count: 254), "two words", "a/b"] {
            let outcome = try ServerConfigurationErrorTests.run(listen + ["--replica-id", bad])
            #expect(outcome.status == 1)
            #expect(outcome.stderr.contains("--replica-id must be 1 to 253 characters of A-Z a-z 0-9 . _ -"), "\(outcome.stderr)")
        }
        // At the limit the server starts and serves.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("loom-replica-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let server = ServerProcess(extraArguments: ["--replica-id", String(repeating: "a", count: 253)], logPath: log)
        try await server.start()
        defer { server.kill() }
        #expect(server.isRunning)
    }

    @Test("a second live process with the same --replica-id exits 1 naming it; the first keeps running")
    func replicaIDTaken() async throws {
        let redis = try await RedisServerFixture.start()
        defer { redis.stop() }
        let common = ["--redis", redis.unixURL, "--replica-id", "twin"]
        let first = ServerProcess(extraArguments: common, logPath: redis.directory.path + "/first.log")
        try await first.start()
        defer { first.kill() }
        // Registered once its log says so (the second must find a live registration).
        for _ in 0..<300 where !((try? String(contentsOfFile: first.logPath, encoding: .utf8)) ?? "").contains("replica registered") {
            try await Task.sleep(for: .milliseconds(20))
        }
        let second = ServerProcess(extraArguments: common, logPath: redis.directory.path + "/second.log")
        try await second.start(waitForRPC: false)
        defer { second.kill() }
        #expect(try await second.waitForExit(within: .seconds(30)) == 1)
        let log = (try? String(contentsOfFile: second.logPath, encoding: .utf8)) ?? ""
        #expect(log.contains("--replica-id: replica id \"twin\" is in use by another live process"), "\(log.suffix(2000))")
        #expect(first.isRunning)
    }
}
