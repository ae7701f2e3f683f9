import ArgumentParser
import LoomProto

/// `loomctl migrations …`
public struct MigrationsCommand: AsyncParsableCommand {
    /// `list` and `show`.
    public static let configuration = CommandConfiguration(
        commandName: "migrations",
        abstract: "List and inspect migrations, check their counts.",
        subcommands: [List.self, Show.self, Recount.self]
    )

    /// Creates the command.
    public init() {}

    /// `migrations list`: every migration (all pages).
    public struct List: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(abstract: "List every migration (ListMigrations, all pages).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions

        /// Creates the command.
        public init() {}

        /// The most pages fetched; a server repeating tokens cannot make loomctl loop forever.
        static let maximumPages = 10_000

        /// Lists migrations page by page.
        public func execute(_ session: Session) async throws {
            var migrations: [Migration] = []
            var token = ""
            var seenTokens: Set<String> = []
            for _ in 0..<Self.maximumPages {
                let page = try await session.client.listMigrations(
                    ListMigrationsRequest(pageSize: 1000, pageToken: token),
                    options: session.callOptions
                )
                migrations += page.migrations
                token = page.nextPageToken
                guard !token.isEmpty, seenTokens.insert(token).inserted else { break }
            }
            session.emit(json: migrations.map(JSONOutput.migration), table: session.tables.migrations(migrations))
        }
    }

    /// `migrations show ID`.
    public struct Show: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "Show a migration: its progress per status, steps with their active runs, inputs (GetMigration).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The migration id.
        @Argument(help: "Migration id.") public var migration: String

        /// Creates the command.
        public init() {}

        /// Reads the migration.
        public func execute(_ session: Session) async throws {
            let migration = try await session.client.getMigration(GetMigrationRequest(migrationID: migration), options: session.callOptions)
            session.emit(json: JSONOutput.migration(migration), table: session.tables.migration(migration))
        }
    }
}

/// `loomctl announce FILE.json`
public struct AnnounceCommand: LoomCommand {
    /// Name, abstract and the file format.
    public static let configuration = CommandConfiguration(
        commandName: "announce",
        abstract: "Register or update a migration from a JSON file (Announce).",
        discussion: """
            The file (or - for standard input) is a MigrationAnnouncement in the REST contract's camelCase shape:
              {"id": "...", "name": "...", "description": "...", "migratorUrl": "https://...",
               "requiredInputs": [{"name": "repoName", "label": "Repository"}],
               "steps": [{"name": "...", "migratorApp": "...", "type": "...", "description": "...", "config": {}}],
               "candidates": [{"id": "...", "kind": "...", "metadata": {}, "files": []}]}
            """
    )
    /// Connection and output options.
    @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
    /// The JSON file.
    @Argument(help: ArgumentHelp("MigrationAnnouncement JSON file, or - for standard input.", valueName: "file.json"), completion: .file(extensions: ["json"]))
    public var file: String

    /// Creates the command.
    public init() {}

    /// Reads the file and announces the migration.
    public func execute(_ session: Session) async throws {
        let migration = try JSONInput.migration(from: JSONInput.read(path: file))
        let response = try await session.client.announce(AnnounceRequest(migration: migration), options: session.callOptions)
        let stored = response.migration ?? migration
        session.emit(json: JSONOutput.migration(stored), table: ["Announced \(stored.id) (\(stored.steps.count) steps)."])
    }
}

/// `loomctl candidates …`
public struct CandidatesCommand: AsyncParsableCommand {
    /// `list` and `submit`.
    public static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "List and submit the candidates of a migration.",
        subcommands: [List.self, Submit.self, SetInputs.self]
    )

    /// Creates the command.
    public init() {}

    /// `candidates submit MIGRATION FILE.json`.
    public struct Submit: LoomCommand {
        /// Name, abstract and the file format.
        public static let configuration = CommandConfiguration(
            abstract: "Add or refresh candidates from a JSON file (SubmitCandidates).",
            discussion: """
                The file (or - for standard input) is {"candidates": [...]} or a bare array, each candidate
                {"id": "...", "kind": "...", "metadata": {"k": "v"}, "files": [{"name": "prod", "repo": "...",
                "files": [{"path": "...", "url": "..."}]}]}. Statuses are ignored.
                """
        )
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The migration id.
        @Argument(help: "Migration id.") public var migration: String
        /// The JSON file.
        @Argument(help: ArgumentHelp("Candidates JSON file, or - for standard input.", valueName: "file.json"), completion: .file(extensions: ["json"]))
        public var file: String

        /// Creates the command.
        public init() {}

        /// Reads the file and submits the candidates.
        public func execute(_ session: Session) async throws {
            let candidates = try JSONInput.candidates(from: JSONInput.read(path: file))
            let response = try await session.client.submitCandidates(
                SubmitCandidatesRequest(migrationID: migration, candidates: candidates),
                options: session.callOptions
            )
            session.emit(
                json: JSONOutput.SubmitResult(
                    accepted: response.accepted, skippedIds: response.skippedIDs,
                    rejected: response.rejected.map { JSONOutput.Rejected(id: $0.id, reason: $0.reason) }),
                table: session.tables.submitted(response)
            )
        }
    }

    /// `candidates set-inputs MIGRATION CANDIDATE --input k=v …`.
    public struct SetInputs: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            commandName: "set-inputs",
            abstract: "Set the inputs of a candidate before it starts (UpdateCandidateInputs).",
            discussion: """
                Replaces the candidate's inputs (no --input clears them). Each key must be a required input of the                 migration. A later `run start` or `dry-run` uses them unless it gives its own --input for a key.                 Only a not_started candidate's inputs can change.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The migration id.
        @Argument(help: "Migration id.") public var migration: String
        /// The candidate id.
        @Argument(help: "Candidate id.") public var candidate: String
        /// The inputs.
        @Option(name: .customLong("input"), help: ArgumentHelp("An input of the migration (repeatable).", valueName: "key=value"))
        public var inputs: [String] = []

        /// Creates the command.
        public init() {}

        /// Sets the inputs.
        public func execute(_ session: Session) async throws {
            let request = UpdateCandidateInputsRequest(
                migrationID: migration, candidateID: candidate, inputs: try InputParsing.inputs(inputs))
            let stored = try await session.client.updateCandidateInputs(request, options: session.callOptions)
            session.emit(
                json: JSONOutput.candidate(stored),
                table: ["Inputs of \(stored.id): " + (stored.inputs.isEmpty ? "none" : stored.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))])
        }
    }
}
