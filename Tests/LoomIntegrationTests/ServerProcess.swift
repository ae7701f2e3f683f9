import Foundation
import LoomAPI
import LoomProto
import LoomRPC
import NIOCore

/// A `loom-server` child process (the binary built next to the test bundle), restartable on
/// the same ports, killable with SIGKILL.
///
/// Ports are race-free: unless given, the first start listens on port 0 (`127.0.0.1:0`), the kernel
/// picks free ports, and they are read back from the server's `listening` log lines; restarts
/// listen on the same ports again.
final class ServerProcess: @unchecked Sendable {
    /// The RPC port (known once the first ``start()`` returned).
    private(set) var rpcPort: Int
    /// The REST shim port (known once the first ``start()`` returned).
    private(set) var httpPort: Int
    let extraArguments: [String]
    let logPath: String
    private var process: Process?

    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("loom-server")
    }

    let security: RPCTransportSecurity

    /// A server process; plaintext RPC unless `security` is TLS (then `extraArguments` carry the server's TLS flags).
    /// Ports 0 (the default) are chosen by the kernel at the first start.
    init(
        rpcPort: Int = 0, httpPort: Int = 0, extraArguments: [String], logPath: String,
        security: RPCTransportSecurity = .insecure
    ) {
        self.rpcPort = rpcPort
        self.httpPort = httpPort
        self.logPath = logPath
        self.security = security
        self.extraArguments = extraArguments
    }

    /// The command line: the ports in use (0 before the first start chose them).
    var arguments: [String] {
        (security.isInsecure ? ["--insecure"] : [])
            + ["--rpc-listen", "127.0.0.1:\(rpcPort)", "--http-listen", "127.0.0.1:\(httpPort)"] + extraArguments
    }

    /// Starts the process and waits (bounded) until it answers RPCs — or, with
    /// `waitForRPC: false`, only until it has logged its listeners (a server that cannot serve
    /// yet, e.g. while Redis is down).
    func start(waitForRPC: Bool = true) async throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        if rpcPort == 0 || httpPort == 0 || !waitForRPC { try await readListeningPorts(of: process) }
        if !waitForRPC { return }
        let client = LoomClient(host: "127.0.0.1", port: rpcPort, configuration: .init(transportSecurity: security))
        defer { Task { await client.close() } }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            do {
                _ = try await client.listMigrations(ListMigrationsRequest(), options: RPCCallOptions(timeout: .seconds(1)))
                return
            } catch let error as RPCError where error.code == .permissionDenied || error.code == .unauthenticated {
                return  // it answers; the readiness caller just may not list
            } catch {}
            guard process.isRunning else { throw ServerExited(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerExited(log: "not ready within 30 s")
    }

    /// Reads the ports the kernel chose from the server's `listening` log lines (the log is written
    /// by the server as it starts; read until both lines are there, bounded).
    private func readListeningPorts(of process: Process) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let lines = log.split(separator: "\n").filter { $0.contains("listening") }
            let rpc = lines.first { $0.contains("listener=rpc") || $0.contains(#""listener":"rpc""#) }
                .flatMap { Self.value(after: "address", in: $0) }.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } }
            let http = lines.first { $0.contains("listener=http") || $0.contains(#""listener":"http""#) }
                .flatMap { Self.value(after: "port", in: $0) }.flatMap { Int($0) }
            if let rpc, let http, rpc > 0, http > 0 {
                rpcPort = rpc
                httpPort = http
                return
            }
            guard process.isRunning else { throw ServerExited(log: log) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServerExited(log: "no listening ports logged within 30 s")
    }

    /// The value of metadata `key` in a text (`key=value`) or JSON (`"key":"value"`) log line.
    private static func value(after key: String, in line: Substring) -> String? {
        for prefix in ["\(key)=", #""\#(key)":""#, #""\#(key)":"#] {
            guard let range = line.range(of: prefix) else { continue }
            let rest = line[range.upperBound...]
            return String(rest.prefix { !$0.isWhitespace && $0 != "\"" && $0 != "," && $0 != "}" })
        }
        return nil
    }

    /// Whether the process is running.
    var isRunning: Bool { process?.isRunning ?? false }

    /// Waits (bounded; polled: a child process gives no async signal) until the process exits on
    /// its own: its exit status, or `nil` when it still runs after `limit`.
    func waitForExit(within limit: Duration) async throws -> Int32? {
        guard let process else { return nil }
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// SIGKILL: no shutdown, no drain — a crash.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait: a graceful stop.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { kill() }

    struct ServerExited: Error, CustomStringConvertible {
        var log: String
        var description: String { "loom-server exited: \(log.suffix(3000))" }
    }
}
