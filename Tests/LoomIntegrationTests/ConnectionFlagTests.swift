import Foundation
import Testing

/// The connection-limit and RPC-timeout flags of the built `loom-server`: environment fallbacks, validation with a
/// message naming the flag, and `--help`.
@Suite("loom-server connection and RPC timeout flags", .timeLimit(.minutes(1)))
struct ConnectionFlagTests {
    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs `loom-server` with `arguments` and extra environment variables; returns its exit status and everything it
    /// printed.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = ServerProcess.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("loom-flags-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return Outcome(status: process.terminationStatus, output: (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }

    static let listen = ["--insecure", "--rpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"]

    @Test("bad values stop the server with exit 1 and a message naming the flag, from flags and from LOOM_* variables")
    func refusals() throws {
        let cases: [(arguments: [String], environment: [String: String], message: String)] = [
            (["--max-connections", "1"], [:], "--max-connections must be between 2 and 1000000"),
            ([], ["LOOM_MAX_CONNECTIONS": "many"], "--max-connections must be a whole number, not \"many\""),
            ([], ["LOOM_MAX_CONNECTIONS": "999999"], "--max-connections 999999 needs more file descriptors than the open-file limit"),
            (["--max-connections", "100", "--max-connections-per-peer", "101"], [:],
             "--max-connections-per-peer (101) must not exceed --max-connections (100)"),
            ([], ["LOOM_MAX_CONNECTIONS_PER_PEER": "0"], "--max-connections-per-peer must be between 1 and 1000000"),
            ([], ["LOOM_MAX_HANDSHAKES": "0"], "--max-handshakes must be between 1 and 1000000"),
            (["--rpc-request-timeout", "0"], [:], "--rpc-request-timeout must be between 0 and 30 days in seconds"),
            ([], ["LOOM_RPC_REQUEST_TIMEOUT": "soon"], "--rpc-request-timeout must be a number of seconds, not \"soon\""),
            ([], ["LOOM_RPC_MAX_UNARY_DURATION": "10"], "--rpc-max-unary-duration"),
        ]
        for (arguments, environment, message) in cases {
            let outcome = try Self.run(Self.listen + arguments, environment: environment)
            #expect(outcome.status == 1, "\(arguments) \(environment)")
            #expect(outcome.output.contains(message), "\(arguments) \(environment): \(outcome.output)")
        }
    }

    @Test("--help documents every connection and RPC timeout flag with its variable")
    func help() throws {
        let outcome = try Self.run(["--help"])
        #expect(outcome.status == 0)
        for (flag, variable) in [
            ("--max-connections", "LOOM_MAX_CONNECTIONS"), ("--max-connections-per-peer", "LOOM_MAX_CONNECTIONS_PER_PEER"),
            ("--max-handshakes", "LOOM_MAX_HANDSHAKES"), ("--rpc-request-timeout", "LOOM_RPC_REQUEST_TIMEOUT"),
            ("--rpc-max-unary-duration", "LOOM_RPC_MAX_UNARY_DURATION"),
        ] {
            #expect(outcome.output.contains(flag), "\(flag)")
            #expect(outcome.output.contains(variable), "\(variable)")
        }
    }
}
