import ArgumentParser
import LoomProto

/// `loomctl dry-run MIGRATION [CANDIDATE] [--input k=v ...] [--candidate-json FILE]`
public struct DryRunCommand: LoomCommand {
    /// Name, abstract and discussion.
    public static let configuration = CommandConfiguration(
        commandName: "dry-run",
        abstract: "Preview what a run would change, as unified diffs per file (DryRun).",
        discussion: """
            Either name a stored CANDIDATE, or preview a candidate that is not stored with --candidate-json FILE \
            (one candidate in the REST contract's shape: {"id", "kind", "metadata", "files"}).

            The exit code is 0 when the RPC succeeds, even if a step reports an error (shown in the output).
            """
    )
    /// Connection and output options.
    @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
    /// The migration id.
    @Argument(help: "Migration id.") public var migration: String
    /// The stored candidate id.
    @Argument(help: "Candidate id (omit with --candidate-json).") public var candidate: String?
    /// Operator inputs.
    @Option(name: .customLong("input"), help: ArgumentHelp("Operator input merged into the candidate's metadata (repeatable).", valueName: "key=value"))
    public var inputs: [String] = []
    /// An unstored candidate to preview.
    @Option(name: .customLong("candidate-json"), help: ArgumentHelp("Preview this candidate (JSON file, - for standard input) instead of a stored one.", valueName: "file"), completion: .file(extensions: ["json"]))
    public var candidateJSON: String?

    /// Creates the command.
    public init() {}

    /// Exactly one of CANDIDATE and `--candidate-json`.
    public func validate() throws {
        switch (candidate, candidateJSON) {
        case (nil, nil): throw ValidationError("give a CANDIDATE id or --candidate-json FILE")
        case (.some, .some): throw ValidationError("give either a CANDIDATE id or --candidate-json, not both")
        default: break
        }
    }

    /// Builds the request, calls DryRun and prints the diffs.
    public func execute(_ session: Session) async throws {
        var request = DryRunRequest(migrationID: migration, candidateID: candidate ?? "", inputs: try InputParsing.inputs(inputs))
        if let candidateJSON {
            request.candidate = try JSONInput.candidate(from: JSONInput.read(path: candidateJSON))
        }
        let result = try await session.client.dryRun(request, options: session.callOptions)
        session.emit(json: JSONOutput.dryRun(result), table: DryRunRenderer(palette: session.palette).render(result))
    }
}
