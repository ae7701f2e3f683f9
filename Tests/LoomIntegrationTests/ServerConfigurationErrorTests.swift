import Foundation
import LoomTestSupport
import Testing

/// The built `loom-server` refuses bad configuration: a clear message, a non-zero exit, nothing started.
@Suite("loom-server refuses bad configuration", .timeLimit(.minutes(1)))
struct ServerConfigurationErrorTests {
    struct Outcome {
        var status: Int32
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = ServerProcess.binary
        process.arguments = arguments
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("loom-config-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let handle = try FileHandle(forWritingTo: errors)
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return Outcome(status: process.terminationStatus, stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    static func writeFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loom-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("missing certificate, mismatched key, bad policy, bad Redis URL, bad executor, bad step silence, unknown flag")
    func refusals() throws {
        let ca = try TestCertificateAuthority.shared()
        let listen = ["--rpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"]
        let missingCert = try Self.run(listen + ["--tls-cert", "/nonexistent/server.pem", "--tls-key", "/nonexistent/server.key"])
        #expect(missingCert.status == 1)
        #expect(missingCert.stderr.contains("--tls-cert /nonexistent/server.pem: no such file"))

        let mismatched = try Self.run(
            listen + ["--tls-cert", ca.server.chainPath, "--tls-key", ca.operatorClient.keyPath, "--tls-ca", ca.caPath])
        #expect(mismatched.status == 1)
        #expect(mismatched.stderr.contains("TLS setup failed"))

        let policy = try Self.writeFile(#"{"identities": [{"uri": "x", "roles": ["admin"]}]}"#)
        let badPolicy = try Self.run(listen + ["--insecure", "--policy", policy])
        #expect(badPolicy.status == 1)
        #expect(badPolicy.stderr.contains("unknown role \"admin\""))

        let badRedis = try Self.run(listen + ["--insecure", "--redis", "http://localhost"])
        #expect(badRedis.status == 1)
        #expect(badRedis.stderr.contains("--redis"))

        let badExecutor = try Self.run(listen + ["--insecure", "--executor", "threads"])
        #expect(badExecutor.status == 1)
        #expect(badExecutor.stderr.contains("--executor must be nio or dispatch"))

        let badSilence = try Self.run(listen + ["--insecure", "--step-silence", "soon"])
        #expect(badSilence.status == 1)
        #expect(badSilence.stderr.contains("--step-silence must be a duration"))

        let unknownFlag = try Self.run(["--no-such-flag"])
        #expect(unknownFlag.status != 0)
        #expect(unknownFlag.stderr.contains("no-such-flag"))
    }
}
