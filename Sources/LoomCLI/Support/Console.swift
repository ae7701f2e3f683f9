#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers

/// Where a command writes: standard output (results), standard error (warnings, errors), and whether standard
/// output is a terminal (colours, progress bars).
public struct Console: Sendable {
    /// Writes text to standard output as given (callers add newlines).
    public let writeOutput: @Sendable (String) -> Void
    /// Writes text to standard error as given.
    public let writeError: @Sendable (String) -> Void
    /// Whether standard output is a terminal.
    public let isTerminal: Bool

    /// Creates a console from two sinks.
    public init(isTerminal: Bool, writeOutput: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.writeOutput = writeOutput
        self.writeError = writeError
    }

    /// The process's standard output and error; terminal detection with `isatty(1)`.
    public static var standard: Console {
        Console(
            isTerminal: isatty(STDOUT_FILENO) == 1,
            writeOutput: { writeAll($0, to: STDOUT_FILENO) },
            writeError: { writeAll($0, to: STDERR_FILENO) }
        )
    }

    /// Writes every byte of `text` to a file descriptor with write(2), retrying on EINTR and partial writes.
    private static func writeAll(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Prints lines to standard output, each followed by a newline.
    public func print(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        writeOutput(lines.joined(separator: "\n") + "\n")
    }

    /// Prints one line to standard output.
    public func print(_ line: String) {
        writeOutput(line + "\n")
    }

    /// Prints `loomctl: <message>` to standard error.
    public func error(_ message: String) {
        writeError("loomctl: \(message)\n")
    }
}

/// A console that records what is written, for tests.
public final class CapturedConsole: Sendable {
    private let state = NIOLockedValueBox((output: "", error: ""))

    /// Creates an empty capture.
    public init() {}

    /// The console writing into this capture.
    public func console(isTerminal: Bool = false) -> Console {
        Console(
            isTerminal: isTerminal,
            writeOutput: { [state] text in state.withLockedValue { $0.output += text } },
            writeError: { [state] text in state.withLockedValue { $0.error += text } }
        )
    }

    /// Everything written to standard output.
    public var output: String { state.withLockedValue { $0.output } }
    /// Everything written to standard error.
    public var error: String { state.withLockedValue { $0.error } }
}
