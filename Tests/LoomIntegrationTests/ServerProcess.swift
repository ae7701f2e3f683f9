import Foundation
import LoomProto
import LoomRPC
import NIOCore

/// A `loom-server` child process (the binary built next to the test bundle), restartable on
/// the same ports, killable with SIGKILL.
final class ServerProcess: @unchecked Sendable {
    let rpcPort: Int
    let httpPort: Int
    let arguments: [String]
    let logPath: String
    private var process: Process?

    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("loom-server")
    }

    let security: RPCTransportSecurity

    /// A server process; plaintext RPC unless `security` is TLS (then `extraArguments` carry the server's TLS flags).
    init(
        rpcPort: Int, httpPort: Int, extraArguments: [String], logPath: String,
        security: RPCTransportSecurity = .insecure
    ) {
        self.rpcPort = rpcPort
        self.httpPort = httpPort
        self.logPath = logPath
        self.security = security
        self.arguments =
            (security.isInsecure ? ["--insecure"] : [])
            + ["--rpc-listen", "127.0.0.1:\(rpcPort)", "--http-listen", "127.0.0.1:\(httpPort)"] + extraArguments
    }

    /// Starts the process and waits (bounded) until it answers RPCs.
    func start() async throws {
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
