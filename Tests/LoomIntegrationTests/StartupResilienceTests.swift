import Foundation
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
        try HTTPRequest.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", port: port)
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
        let event = try HTTPRequest.send(
            "POST /event/m__c HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer v1.x.y\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
            port: server.httpPort)
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
        let rpcPort = try RedisServerFixture.freePort()
        let outcome = try ServerConfigurationErrorTests.run([
            "--insecure", "--rpc-listen", "127.0.0.1:\(rpcPort)", "--http-listen", "127.0.0.1:\(occupied.port)",
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("the REST shim listener (--http-listen 127.0.0.1:\(occupied.port))"), "\(outcome.stderr)")
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

/// One HTTP/1.1 request over a blocking socket to 127.0.0.1 (`Connection: close`).
enum HTTPRequest {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func send(_ request: String, port: Int) throws -> (status: Int, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect to port \(port): errno \(errno)") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
        let fields = (head.split(separator: "\r\n").first ?? "").split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else { throw Failure(description: "no HTTP response: \(text)") }
        return (status, text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
    }
}
