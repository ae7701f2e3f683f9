import ArgumentParser
import LoomAPI
import LoomRPC

/// Everything a command needs while it runs: the client, the settings, and where to print.
public struct Session: Sendable {
    /// The typed client of the server.
    public let client: LoomClient
    /// The resolved connection and output settings.
    public let settings: ConnectionSettings
    /// Where output goes.
    public let console: Console
    /// Colours for tables and diffs (plain unless on a terminal, without `--json` and `NO_COLOR`).
    public let palette: Palette

    /// Per-call options (the timeout).
    public var callOptions: RPCCallOptions { settings.callOptions }

    /// Prints `json` (with `--json`) or the `table` lines.
    public func emit(json: some Encodable, table: @autoclosure () -> [String]) {
        if settings.json {
            console.print(JSONOutput.encode(json))
        } else {
            console.print(table())
        }
    }

    /// Prints one listing: a bare JSON array (with `--json`) or the table; when more pages
    /// follow, how to get the next one goes to standard error, so the JSON stays an array.
    public func emitPage(json: some Encodable, table: @autoclosure () -> [String], nextPageToken: String) {
        emit(json: json, table: table())
        if !nextPageToken.isEmpty {
            console.error("more results: add --page-token \(nextPageToken) (or --all)")
        }
    }

    /// The table renderer with this session's palette.
    public var tables: TableRenderer { TableRenderer(palette: palette) }
}

/// A loomctl subcommand that talks to the server.
public protocol LoomCommand: AsyncParsableCommand {
    /// The connection and output options.
    var global: GlobalOptions { get }
    /// Runs the command; throws ``CLIError`` or ``RPCError`` to fail with its exit code.
    func execute(_ session: Session) async throws
}

extension LoomCommand {
    /// Runs the command in this process, with the real standard output and environment, and exits with its code.
    public mutating func run() async throws {
        let code = await Loomctl.execute(self, environment: Loomctl.processEnvironment, console: .standard)
        if code != 0 { throw ExitCode(code) }
    }
}
