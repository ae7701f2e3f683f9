import Foundation

/// The repository root, found from this file's path (Tests/LoomProtoTests/Support/).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Support
    .deletingLastPathComponent()  // LoomProtoTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

/// The full path of an executable on `PATH`, or nil.
func executableOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// What a finished external command produced.
struct CommandResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
}

/// Runs `executable` with `arguments`, feeding `input` on stdin, and waits for it.
/// Input and output go through temporary files, so no pipe can fill up and block.
func runCommand(_ executable: String, _ arguments: [String], input: [UInt8] = []) throws -> CommandResult {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("loom-proto-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let stdinURL = directory.appendingPathComponent("stdin")
    let stdoutURL = directory.appendingPathComponent("stdout")
    let stderrURL = directory.appendingPathComponent("stderr")
    try Data(input).write(to: stdinURL)
    _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)

    let stdin = try FileHandle(forReadingFrom: stdinURL)
    let stdout = try FileHandle(forWritingTo: stdoutURL)
    let stderr = try FileHandle(forWritingTo: stderrURL)
    defer {
        try? stdin.close()
        try? stdout.close()
        try? stderr.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: [UInt8](try Data(contentsOf: stdoutURL)),
        stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
    )
}

/// Debian's `protoc` (package protobuf-compiler), an implementation independent of Loom's.
enum Protoc {
    static let path = executableOnPath("protoc")

    private static var baseArguments: [String] { ["--proto_path=Protos", "Protos/loom/v1/loom.proto"] }

    /// `protoc --decode=<message>`: the text format of `bytes`.
    static func decode(_ messageName: String, _ bytes: [UInt8]) throws -> String {
        let result = try run(["--decode=\(messageName)"] + baseArguments, input: bytes)
        return String(decoding: result, as: UTF8.self)
    }

    /// `protoc --encode=<message>`: the binary encoding of `text`.
    static func encode(_ messageName: String, _ text: String) throws -> [UInt8] {
        try run(["--encode=\(messageName)"] + baseArguments, input: Array(text.utf8))
    }

    private static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        guard let path else { throw ToolError("protoc is not on PATH; Tools/test installs protobuf-compiler") }
        let result = try runCommand(path, arguments, input: input)
        guard result.status == 0 else { throw ToolError("protoc \(arguments.first ?? "") failed: \(result.stderr)") }
        return result.stdout
    }
}

/// An external tool failed.
struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
