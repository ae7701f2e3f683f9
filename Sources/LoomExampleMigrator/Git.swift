import Foundation

/// A failure of a `git` command run by the example migrator.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// The arguments given to git.
    public var arguments: [String]
    /// git's exit status.
    public var status: Int32
    /// What git wrote to standard error (trimmed).
    public var stderr: String

    public var description: String { "git \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
}

/// A local git repository driven through the `git` command line.
///
/// The example migrator makes real changes the way a real migrator would: on a
/// branch, committed, then merged into the default branch when its "pull request"
/// merges. Only `git` is needed; no hosting service.
public struct GitRepository: Sendable {
    /// The repository's working tree.
    public var directory: URL

    /// Opens the repository at `directory` (it must already exist).
    public init(directory: URL) {
        self.directory = directory
    }

    /// Runs `git -C directory arguments` and returns its standard output (trimmed).
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_AUTHOR_NAME"] = environment["GIT_AUTHOR_NAME"] ?? "Loom example migrator"
        environment["GIT_AUTHOR_EMAIL"] = environment["GIT_AUTHOR_EMAIL"] ?? "migrator@loom.invalid"
        environment["GIT_COMMITTER_NAME"] = environment["GIT_COMMITTER_NAME"] ?? "Loom example migrator"
        environment["GIT_COMMITTER_EMAIL"] = environment["GIT_COMMITTER_EMAIL"] ?? "migrator@loom.invalid"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GitError(
                arguments: arguments, status: process.terminationStatus,
                stderr: String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The current branch name.
    public func currentBranch() throws -> String { try run(["rev-parse", "--abbrev-ref", "HEAD"]) }
}
