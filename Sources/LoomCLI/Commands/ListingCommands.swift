import ArgumentParser
import LoomProto

/// Paging options shared by the listing commands.
public struct PagingOptions: ParsableArguments {
    /// Items per page.
    @Option(name: .customLong("page-size"), help: "Items per page (1-1000; the server default is 100).")
    public var pageSize: UInt32 = 100
    /// Resume a listing.
    @Option(name: .customLong("page-token"), help: "Continue a listing from the token a previous page printed.")
    public var pageToken: String = ""
    /// Every page.
    @Flag(help: "Fetch every page (streams page after page until the listing ends).")
    public var all = false

    /// Creates the options.
    public init() {}

    /// The most pages `--all` fetches; a server repeating tokens cannot make loomctl loop forever.
    static let maximumPages = 100_000

    /// Fetches one page, or every page with `--all`, handing each to `body` as it arrives.
    /// - Returns: The token of the next page (empty at the end, or after `--all`).
    func pages<Page>(
        fetch: (String) async throws -> Page, token: (Page) -> String, body: (Page) throws -> Void
    ) async throws -> String {
        var next = pageToken
        var seen: Set<String> = []
        for _ in 0..<Self.maximumPages {
            let page = try await fetch(next)
            try body(page)
            next = token(page)
            guard all, !next.isEmpty, seen.insert(next).inserted else { break }
        }
        return all ? "" : next
    }
}

/// Parses `NAME` as one of an enum's CLI names (`waiting_retry`, `not_started`…).
func parseEnum<Value: LoomEnum>(_ text: String, as: Value.Type, option: String) throws -> Value {
    let values = Value.allCases.filter { $0.rawValue != 0 }
    guard let value = values.first(where: { $0.cliName == text }) else {
        let names = values.map { $0.cliName }.joined(separator: ", ")
        throw ValidationError("\(option): unknown value \"\(text)\"; one of \(names)")
    }
    return value
}

extension CandidatesCommand {
    /// `candidates list MIGRATION [filters]`.
    public struct List: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "List a migration's candidates with their status, filtered, a page at a time (ListCandidates).",
            discussion: """
                Candidates are listed by id. Filters combine (all must match). A page may hold fewer rows than
                --page-size when --kind or --meta skip many; the command then prints the token of the next page.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// Paging.
        @OptionGroup(title: "Paging") public var paging: PagingOptions
        /// The migration id.
        @Argument(help: "Migration id.") public var migration: String
        /// Status filter.
        @Option(help: "Only candidates with this status: not_started, running, completed.") public var status: String?
        /// Kind filter.
        @Option(help: "Only candidates of this kind.") public var kind: String?
        /// Id prefix filter.
        @Option(help: "Only candidate ids starting with this text (e.g. acme/).") public var prefix: String = ""
        /// Metadata filters.
        @Option(name: .customLong("meta"), help: ArgumentHelp("Only candidates whose metadata has KEY=VALUE (repeatable).", valueName: "key=value"))
        public var metadata: [String] = []

        /// Creates the command.
        public init() {}

        /// Lists the candidates.
        public func execute(_ session: Session) async throws {
            var request = ListCandidatesRequest(migrationID: migration, pageSize: paging.pageSize)
            if let status { request.status = try parseEnum(status, as: CandidateStatus.self, option: "--status") }
            request.kind = kind ?? ""
            request.idPrefix = prefix
            request.metadata = try InputParsing.keyValues(metadata, option: "--meta")
            var all: [Candidate] = []
            let next = try await paging.pages(
                fetch: { token in
                    request.pageToken = token
                    return try await session.client.listCandidates(request, options: session.callOptions)
                },
                token: \.nextPageToken,
                body: { all += $0.candidates })
            session.emitPage(json: all.map(JSONOutput.candidate), table: session.tables.candidates(all), nextPageToken: next)
        }
    }
}

/// `loomctl runs …`
public struct RunsCommand: AsyncParsableCommand {
    /// `list`.
    public static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Query runs across a migration or the whole fleet.", subcommands: [List.self])

    /// Creates the command.
    public init() {}

    /// `runs list [MIGRATION] [filters]`.
    public struct List: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "List runs, most recently updated first, filtered, a page at a time (ListRuns).",
            discussion: """
                Without MIGRATION, lists the runs of every migration. Filters combine (all must match):
                  loomctl runs list --status waiting_retry
                  loomctl runs list app-chart --step review --step-status awaiting_review --all
                  loomctl runs list --stalled --all
                A listing lists the runs its first page selected, at the positions they held then: its pages
                neither skip nor repeat a run while runs change, and its tokens expire 5 minutes after its first page.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// Paging.
        @OptionGroup(title: "Paging") public var paging: PagingOptions
        /// The migration id.
        @Argument(help: "Migration id (every migration when omitted).") public var migration: String?
        /// Run status filter.
        @Option(help: "Only runs with this status: running, waiting_retry, completed, cancelled, failed.") public var status: String?
        /// Current step filter.
        @Option(help: "Only runs whose current step is this one.") public var step: String?
        /// Step status filter.
        @Option(name: .customLong("step-status"), help: "Only runs whose current step has this status (e.g. awaiting_review, failed, open).")
        public var stepStatus: String?
        /// Stalled filter.
        @Flag(
            help: """
                Only stalled runs: the migrator acknowledged the current step, sent no event for the server's \
                --step-silence, and has no POST /step-status, so the run waits for a callback or an operator.
                """)
        public var stalled = false
        /// Update-time filters.
        @Option(name: .customLong("updated-after"), help: "Only runs updated at or after this time (RFC 3339, or unix ms).")
        public var updatedAfter: String?
        /// Update-time filters.
        @Option(name: .customLong("updated-before"), help: "Only runs updated before this time (RFC 3339, or unix ms).")
        public var updatedBefore: String?

        /// Creates the command.
        public init() {}

        /// Lists the runs.
        public func execute(_ session: Session) async throws {
            var request = ListRunsRequest(migrationID: migration ?? "", stepName: step ?? "", pageSize: paging.pageSize, stalled: stalled)
            if let status { request.status = try parseEnum(status, as: RunStatus.self, option: "--status") }
            if let stepStatus { request.stepStatus = try parseEnum(stepStatus, as: StepStatus.self, option: "--step-status") }
            if let updatedAfter { request.updatedAfterUnixMs = try InputParsing.timestamp(updatedAfter, option: "--updated-after") }
            if let updatedBefore { request.updatedBeforeUnixMs = try InputParsing.timestamp(updatedBefore, option: "--updated-before") }
            var all: [Run] = []
            let next = try await paging.pages(
                fetch: { token in
                    request.pageToken = token
                    return try await session.client.listRuns(request, options: session.callOptions)
                },
                token: \.nextPageToken,
                body: { all += $0.runs })
            session.emitPage(json: all.map(JSONOutput.run), table: session.tables.runs(all), nextPageToken: next)
        }
    }
}

extension MigrationsCommand {
    /// `migrations recount ID [--repair]`.
    public struct Recount: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "Recompute a migration's counts from its records and report any drift (RecountMigration).",
            discussion: """
                Loom keeps the counts in the same atomic step as every transition, so this should always report
                no drift. --repair also rewrites the stored counts and listing indexes from the records. Exit code
                0 when there is no drift (or it was repaired), 23 when drift was found and not repaired.
                The recount walks every candidate of the migration inside Redis: run it off-peak on large ones.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The migration id.
        @Argument(help: "Migration id.") public var migration: String
        /// Repair.
        @Flag(help: "Rewrite the stored counts and indexes from the records.") public var repair = false

        /// Creates the command.
        public init() {}

        /// Recounts.
        public func execute(_ session: Session) async throws {
            let response = try await session.client.recountMigration(
                RecountMigrationRequest(migrationID: migration, repair: repair), options: session.callOptions)
            session.emit(
                json: JSONOutput.Recount(drift: response.drift, repaired: response.repaired),
                table: session.tables.recount(response, migration: migration))
            if !response.drift.isEmpty && !response.repaired { throw CLIError.countsDrifted(response.drift.count) }
        }
    }
}
