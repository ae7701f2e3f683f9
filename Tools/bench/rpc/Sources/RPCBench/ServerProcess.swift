import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Raises the open-file limit to its hard maximum (2,000 connections need more than the usual 1,024).
func raiseFileLimit() {
    var limit = rlimit()
    if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// A benchmark server running in its own process (`RPCBench serve KIND CERTDIR`).
final class ServerProcess {
    let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private(set) var port = 0

    var pid: Int32 { process.processIdentifier }

    init(kind: String, certs: Certificates) throws {
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", kind, certs.directory]
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdoutPipe.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw BenchError("\(kind) server exited before it was ready") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else { throw BenchError("unexpected server output: \(text)") }
        self.port = port
    }

    /// Resident set size of the server process, in bytes (from /proc/PID/status).
    func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return (digits.first ?? -1) * 1024
        }
        return -1
    }

    func stop() {
        try? stdinPipe.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// In a server process: exits when the parent closes stdin.
func exitWhenStdinCloses() {
    let thread = Thread {
        _ = FileHandle.standardInput.readDataToEndOfFile()
        exit(0)
    }
    thread.start()
}
