import ArgumentParser
import Foundation

/// The root command, `loomctl`.
public struct LoomctlCommand: AsyncParsableCommand {
    /// Command name, abstract, discussion (environment, exit codes, completions) and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "loomctl",
        abstract: "Operate Loom: inspect migrations and candidates, start, watch, retry and cancel runs, preview diffs.",
        discussion: """
            CONNECTION
              Every subcommand connects over TLS (ALPN loom/1) and presents a
              client certificate when one is given. Flags win over environment:
                --server   LOOM_SERVER  host:port (default 127.0.0.1:7443)
                --ca       LOOM_CA      CAs trusted for the server certificate
                --cert     LOOM_CERT    client certificate chain (mTLS identity)
                --key      LOOM_KEY     client private key
              --insecure: plaintext, development only; ignores LOOM_CA/CERT/KEY.

            OUTPUT
              Tables by default. --json prints sorted-key JSON: camelCase keys
              named after the proto fields, enums as lower snake strings
              ("waiting_retry"), times as Unix milliseconds. List commands print
              a JSON array; run watch --json prints one JSON object per line.
              Colours only on a terminal, never with --json or NO_COLOR set.

            EXIT CODES
              0      success (run watch: the run completed)
              1-16   the RPC failed with that gRPC status code: 3
                     INVALID_ARGUMENT, 4 DEADLINE_EXCEEDED, 5 NOT_FOUND,
                     7 PERMISSION_DENIED, 9 FAILED_PRECONDITION,
                     14 UNAVAILABLE, 16 UNAUTHENTICATED, ...
              20     run watch: the run ended failed
              21     run watch: the run ended cancelled; campaign watch: the
                     campaign was cancelled
              22     run watch, campaign watch: the stream ended before the
                     run (campaign) finished
              24     migrator check: a check failed
              64     usage error: bad flags or arguments, unreadable or
                     invalid files, TLS setup failure
              Errors go to standard error as "loomctl: STATUS: message".

            SHELL COMPLETION
              loomctl --generate-completion-script bash > loomctl.bash
              loomctl --generate-completion-script zsh > _loomctl
              loomctl --generate-completion-script fish > loomctl.fish
            """,
        subcommands: [
            MigrationsCommand.self,
            CandidatesCommand.self,
            RunCommand.self,
            RunsCommand.self,
            DryRunCommand.self,
            AnnounceCommand.self,
            MigratorCommand.self,
            CampaignCommand.self,
        ]
    )

    /// Creates the command.
    public init() {}
}

/// Runs loomctl: parses arguments, executes the chosen subcommand and returns the process exit code.
public enum Loomctl {
    /// The process environment.
    public static var processEnvironment: [String: String] { ProcessInfo.processInfo.environment }

    /// Parses `arguments` (without the program name) and runs the command; help, `--generate-completion-script`
    /// and usage errors are handled like swift-argument-parser's `main()` does.
    /// - Returns: The exit code (see the EXIT CODES section of `loomctl --help`).
    public static func run(arguments: [String], environment: [String: String], console: Console) async -> Int32 {
        let parsed: any ParsableCommand
        do {
            parsed = try LoomctlCommand.parseAsRoot(arguments)
        } catch {
            return report(parserError: error, console: console)
        }
        if let local = parsed as? any LocalCommand {
            return await local.execute(environment: environment, console: console)
        }
        guard let command = parsed as? any LoomCommand else {
            // `help`, `--help` and command groups without a subcommand: their run() throws the help request.
            do {
                if var command = parsed as? any AsyncParsableCommand {
                    try await command.run()
                } else {
                    var command = parsed
                    try command.run()
                }
                return 0
            } catch {
                return report(parserError: error, console: console)
            }
        }
        return await execute(command, environment: environment, console: console)
    }

    /// Prints a help request or parse error as swift-argument-parser's `main()` does; returns its exit code.
    private static func report(parserError error: any Error, console: Console) -> Int32 {
        let code = LoomctlCommand.exitCode(for: error).rawValue
        let message = LoomctlCommand.fullMessage(for: error)
        if code == 0 {
            if !message.isEmpty { console.print(message) }
        } else {
            console.writeError(message + "\n")
        }
        return code
    }

    /// Runs a parsed command against the server it names.
    public static func execute(_ command: some LoomCommand, environment: [String: String], console: Console) async -> Int32 {
        do {
            let settings = try ConnectionSettings.resolve(command.global, environment: environment)
            if settings.insecure {
                console.error("warning: --insecure: plaintext connection; the server is not authenticated and traffic is readable")
            }
            let client = try settings.makeClient()
            let session = Session(
                client: client,
                settings: settings,
                console: console,
                palette: Palette(isTerminal: console.isTerminal, json: settings.json, environment: environment)
            )
            do {
                try await command.execute(session)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
            return 0
        } catch {
            let failure = CLIError(error)
            console.error(failure.description)
            return failure.exitCode
        }
    }
}
