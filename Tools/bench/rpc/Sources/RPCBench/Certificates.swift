import Foundation

/// Development certificates from Tools/dev-certs, generated into a temporary directory.
struct Certificates: Sendable {
    let directory: String

    var ca: String { directory + "/ca.pem" }
    var serverChain: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientChain: String { directory + "/client-operator.pem" }
    var clientKey: String { directory + "/client-operator.key" }

    /// Generates fresh certificates with the repository's Tools/dev-certs.
    static func generate() throws -> Certificates {
        let directory = NSTemporaryDirectory() + "loom-rpc-bench-\(getpid())"
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("dev-certs").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script, "--out", directory]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("Tools/dev-certs failed with status \(process.terminationStatus)")
        }
        return Certificates(directory: directory)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
