import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
///
/// Input and output go through temporary files, so no pipe can fill up and block. It uses
/// `posix_spawn` rather than Foundation's `Process`, and reads files without `Data`, because
/// both leak a little on Linux and the suite must stay clean under LeakSanitizer.
func runCommand(_ executable: String, _ arguments: [String], input: [UInt8] = []) throws -> CommandResult {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("loom-proto-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let stdinPath = directory.appendingPathComponent("stdin").path
    let stdoutPath = directory.appendingPathComponent("stdout").path
    let stderrPath = directory.appendingPathComponent("stderr").path
    try writeFile(stdinPath, input)

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw ToolError("cannot start \(executable): error \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { throw ToolError("waitpid failed: \(errno)") }
    }
    // WIFEXITED / WEXITSTATUS are macros; a signal-terminated child reports 128 + signal.
    let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return CommandResult(
        status: exitStatus,
        stdout: try readFile(stdoutPath),
        stderr: String(decoding: try readFile(stderrPath), as: UTF8.self)
    )
}

/// The bytes of the file at `path`.
func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw ToolError("cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count == 0 { break }
        bytes += chunk[..<count]
    }
    return bytes
}

/// Writes `bytes` to a new file at `path`.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    guard let file = fopen(path, "wb") else { throw ToolError("cannot create \(path)") }
    defer { fclose(file) }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    guard written == bytes.count else { throw ToolError("short write to \(path)") }
}

/// Debian's `protoc` (package protobuf-compiler), an implementation independent of Loom's.
enum Protoc {
    static let path = executableOnPath("protoc")

    private static var baseArguments: [String] {
        let protos = repositoryRoot.appendingPathComponent("Protos").path
        return ["--proto_path=\(protos)", "\(protos)/loom/v1/loom.proto"]
    }

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
