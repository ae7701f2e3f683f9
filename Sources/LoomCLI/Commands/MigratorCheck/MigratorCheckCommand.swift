import ArgumentParser
import Foundation
import Logging
import LoomMigratorKit

/// A loomctl subcommand that needs no Loom server (it plays one, like `migrator check`).
public protocol LocalCommand: AsyncParsableCommand {
    /// Runs the command and returns its exit code; output goes to `console`.
    func execute(environment: [String: String], console: Console) async -> Int32
}

extension LocalCommand {
    /// Runs the command in this process, with the real standard output and environment, and exits with its code.
    public mutating func run() async throws {
        let code = await execute(environment: Loomctl.processEnvironment, console: .standard)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `loomctl migrator …`: tools for migrator authors.
public struct MigratorCommand: AsyncParsableCommand {
    /// Name, abstract and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "migrator",
        abstract: "Tools for migrator authors: check that a migrator keeps Loom's contract.",
        subcommands: [MigratorCheckCommand.self]
    )

    /// Creates the command.
    public init() {}
}

/// `loomctl migrator check [URL]`: plays Loom against a migrator and prints a pass/fail table.
public struct MigratorCheckCommand: LocalCommand {
    /// Exit code when at least one check failed.
    public static let failedExitCode: Int32 = 24

    /// Name, abstract and how to run it.
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Play Loom against a migrator and check it keeps the contract (pass/fail table).",
        discussion: """
            The checker serves a fake Loom REST shim on --listen (printed on standard error as \
            "loomctl: shim listening on URL") and waits --announce-timeout for the migrator to POST \
            /registry/announce to it. Start the migrator pointed at that URL, for example:

              loomctl migrator check --listen 127.0.0.1:18080 &
              python3 Examples/python-migrator/migrator.py \\
                --loom-url http://127.0.0.1:18080

            or, for a migrator already announced elsewhere, give its announcement body with --announcement FILE \
            (callbacks still come to --listen, handed to the migrator as the dispatch's callbackUrl; use \
            --public-url when the migrator reaches the checker by another address). URL overrides the \
            announcement's migratorUrl.

            The checks, one row each: the announcement (id, named steps, migratorUrl, candidates; a bearer \
            credential, which must be --token-file's when given); candidates (announced, or POSTed to \
            /migrations/{id}/candidates); a dispatch of the candidate's first step (--candidate, --step) with a \
            fresh callback token and Idempotency-Key, answered 2xx; an event on the shim within --callback-timeout \
            carrying exactly that token, a well-formed StepCompletedEvent for that step and candidate; the same \
            dispatch again, answered 2xx, and no event repeating an earlier one within --grace (no second \
            execution); POST /step-status for that key (optional: 404 is a warning) and for an unknown key (404); \
            a dry run answered exactly 200 with one DryRunResult entry per step; malformed requests (not JSON, \
            missing fields, GET) answered 4xx; and a last dry run, to show the migrator still answers.

            Limits: the shim accepts request bodies up to 1 MiB (413 above, as Loom); the checker reads answers \
            up to 1 MiB and bounds every request by --request-timeout.

            Exit status: 0 when no check failed (warnings allowed), 24 when one did, 64 for usage errors.
            """
    )

    /// The migrator's base URL.
    @Argument(help: "The migrator's base URL (default: the announcement's migratorUrl).")
    public var url: String?
    /// `--listen`.
    @Option(help: ArgumentHelp("Address of the fake Loom shim; port 0 picks a free one.", valueName: "host:port"))
    public var listen = "127.0.0.1:0"
    /// `--public-url`.
    @Option(name: .customLong("public-url"), help: ArgumentHelp("The shim's URL as the migrator reaches it (default http://<listen>).", valueName: "url"))
    public var publicURL: String?
    /// `--announcement`.
    @Option(help: ArgumentHelp("Read the announcement from this JSON file instead of waiting for POST /registry/announce.", valueName: "file"), completion: .file(extensions: ["json"]))
    public var announcement: String?
    /// `--token-file`.
    @Option(name: .customLong("token-file"), help: ArgumentHelp("File holding the bearer credential the announce must carry (default: any or none, a warning).", valueName: "file"))
    public var tokenFile: String?
    /// `--candidate`.
    @Option(help: ArgumentHelp("Candidate to dispatch (default: the first announced or submitted).", valueName: "id"))
    public var candidate: String?
    /// `--step`.
    @Option(help: ArgumentHelp("Step to dispatch (default: the candidate's first).", valueName: "name"))
    public var step: String?
    /// `--input`.
    @Option(name: .customLong("input"), help: ArgumentHelp("Operator input merged into the candidate's metadata (repeatable).", valueName: "key=value"))
    public var inputs: [String] = []
    /// `--announce-timeout`.
    @Option(name: .customLong("announce-timeout"), help: ArgumentHelp("Seconds to wait for the announce (and for submitted candidates).", valueName: "seconds"))
    public var announceTimeout: Double = 60
    /// `--callback-timeout`.
    @Option(name: .customLong("callback-timeout"), help: ArgumentHelp("Seconds the dispatch's first event may take.", valueName: "seconds"))
    public var callbackTimeout: Double = 30
    /// `--grace`.
    @Option(help: ArgumentHelp("Seconds to watch for a second execution after the re-sent dispatch.", valueName: "seconds"))
    public var grace: Double = 2
    /// `--request-timeout`.
    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Seconds each request to the migrator may take.", valueName: "seconds"))
    public var requestTimeout: Double = 10
    /// `--json`.
    @Flag(help: "Print the report as JSON: {\"migratorUrl\", \"passed\", \"checks\": [{\"name\", \"status\", \"detail\"}]}.")
    public var json = false

    /// Creates the command.
    public init() {}

    /// Checks the values that need no environment.
    public func validate() throws {
        for (name, value) in [("--announce-timeout", announceTimeout), ("--callback-timeout", callbackTimeout), ("--grace", grace), ("--request-timeout", requestTimeout)] {
            guard value > 0, value.isFinite, value <= 3600 else {
                throw ValidationError("\(name) must be a number of seconds between 0 and 3600")
            }
        }
        _ = try Self.parseListen(listen)
        if let url, !ConformanceRules.isHTTPURL(url) { throw ValidationError("URL \"\(url)\" is not an absolute http(s) URL") }
        if let publicURL, !ConformanceRules.isHTTPURL(publicURL) {
            throw ValidationError("--public-url \"\(publicURL)\" is not an absolute http(s) URL")
        }
    }

    /// `host:port` or `[ipv6]:port`, port 0-65535.
    static func parseListen(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen \"\(text)\" is not host:port (port 0-65535)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen \"\(text)\" has no host") }
        return (host, port)
    }

    static func duration(_ seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Starts the shim, runs the checks and prints the report.
    public func execute(environment: [String: String], console: Console) async -> Int32 {
        let logger = Logger(label: "loomctl.migrator-check") { _ in SwiftLogNoOpLogHandler() }
        let source: ConformanceChecker.AnnouncementSource
        var options = ConformanceChecker.Options()
        let token: String?
        let address: (host: String, port: Int)
        do {
            address = try Self.parseListen(listen)
            if let announcement {
                source = .file(Array(try JSONInput.read(path: announcement)))
            } else {
                source = .shim(timeout: Self.duration(announceTimeout))
            }
            token = try tokenFile.map { path throws(CLIError) in
                let text = String(decoding: try JSONInput.read(path: path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw CLIError.usage("--token-file \(path) is empty") }
                return text
            }
            options.inputs = try InputParsing.inputs(inputs)
        } catch {
            console.error(CLIError(error).description)
            return CLIError.usageExitCode
        }
        options.candidateID = candidate
        options.stepName = step
        options.requestTimeout = Self.duration(requestTimeout)
        options.callbackTimeout = Self.duration(callbackTimeout)
        options.duplicateGrace = Self.duration(grace)
        options.candidatesTimeout = Self.duration(announceTimeout)

        let shim: FakeLoomShim
        do {
            shim = try await FakeLoomShim.start(
                host: address.host, port: address.port, publicURL: publicURL, announceToken: token, logger: logger)
        } catch {
            console.error("cannot listen on \(listen): \(error)")
            return CLIError.usageExitCode
        }
        console.error("shim listening on \(shim.publicURL)")
        if announcement == nil {
            console.error("waiting \(ConformanceChecker.seconds(Self.duration(announceTimeout))) for the migrator to POST \(shim.publicURL)/registry/announce")
        }
        let client = JSONHTTPClient(maximumResponseSize: 1 << 20, logger: logger)
        let checker = ConformanceChecker(shim: shim, client: client, options: options)
        let report = await checker.run(announcement: source, migratorURL: url)
        await shim.close()
        if json {
            console.print(report.json())
        } else {
            console.print(report.render(palette: Palette(isTerminal: console.isTerminal, json: false, environment: environment)))
        }
        return report.passed ? 0 : Self.failedExitCode
    }
}
