import ArgumentParser
import Foundation
import LoomProto

/// What `campaign create` and `campaign preview` ask for: the migration, the selection, inputs, pacing and budget.
public struct CampaignSpec: ParsableArguments {
    /// How the options combine, shown by both commands' `--help`.
    static let discussion = """
        Members are chosen once, at creation, by exactly one of:
          --candidates a,b,c       these candidates, started in this order
          --candidates-file FILE   one id per line (# comments) or a JSON array;
                                   - reads standard input
          --status, --kind, --prefix, --meta
                                   a filter: every candidate it matches then

        Inputs: --input k=v goes to every member's run (over the candidate's own inputs); --member-inputs \
        FILE gives members their own, over the shared ones: CSV rows candidate,key,value (optional header) \
        or JSON {"candidate": {"key": "value"}}. Every member must end up with every required input of the \
        migration.

        Pacing: --max-in-flight (1-10000) runs not yet finished, --max-starts-per-minute (1-100000) starts.

        Budget (optional): pause when --max-failures runs failed, or when --max-failure-percent of finished \
        runs failed once --minimum-finished (default 20) have finished.
        """

    /// The migration.
    @Argument(help: "Migration id.") public var migration: String
    /// The campaign id.
    @Option(help: "Campaign id (an identifier); the server makes one when omitted.") public var id: String = ""
    /// What it is for.
    @Option(help: "What the campaign is for.") public var description: String = ""
    /// Explicit candidates.
    @Option(help: ArgumentHelp("Candidate ids, comma-separated, started in this order.", valueName: "a,b,c"))
    public var candidates: String?
    /// Candidates from a file.
    @Option(name: .customLong("candidates-file"), help: ArgumentHelp("Candidate ids, one per line or a JSON array (- for standard input).", valueName: "file"))
    public var candidatesFile: String?
    /// Filter: status.
    @Option(help: "Filter: candidates with this status (not_started, running, completed).") public var status: String?
    /// Filter: kind.
    @Option(help: "Filter: candidates of this kind.") public var kind: String?
    /// Filter: id prefix.
    @Option(help: "Filter: candidate ids starting with this text.") public var prefix: String?
    /// Filter: metadata.
    @Option(name: .customLong("meta"), help: ArgumentHelp("Filter: metadata KEY=VALUE (repeatable).", valueName: "key=value"))
    public var metadata: [String] = []
    /// Shared inputs.
    @Option(name: .customLong("input"), help: ArgumentHelp("An input every member's run gets (repeatable).", valueName: "key=value"))
    public var inputs: [String] = []
    /// Per-member inputs.
    @Option(name: .customLong("member-inputs"), help: ArgumentHelp("Per-member inputs: CSV candidate,key,value or JSON {candidate: {key: value}}.", valueName: "file"))
    public var memberInputs: String?
    /// Cap.
    @Option(name: .customLong("max-in-flight"), help: "Runs of the campaign not yet finished, at most (1-10000).")
    public var maxInFlight: UInt32
    /// Rate.
    @Option(name: .customLong("max-starts-per-minute"), help: "Runs started in any 60 seconds, at most (1-100000).")
    public var maxStartsPerMinute: UInt32
    /// Budget: count.
    @Option(name: .customLong("max-failures"), help: "Pause when this many runs failed (default: no limit).")
    public var maxFailures: UInt32?
    /// Budget: share.
    @Option(name: .customLong("max-failure-percent"), help: "Pause when this percentage (0-100] of finished runs failed (default: no limit).")
    public var maxFailurePercent: Double?
    /// Budget: when the share is judged.
    @Option(name: .customLong("minimum-finished"), help: "Finished runs before --max-failure-percent is judged (default 20).")
    public var minimumFinished: UInt32?

    /// Creates the options.
    public init() {}

    /// The request these options describe.
    func request(preview: Bool) throws -> CreateCampaignRequest {
        var request = CreateCampaignRequest(
            campaignID: id, migrationID: migration, description: description, maxInFlight: maxInFlight,
            maxStartsPerMinute: maxStartsPerMinute, maxFailures: maxFailures ?? 0, maxFailurePercent: maxFailurePercent ?? 0,
            minimumFinished: minimumFinished ?? 0, preview: preview)
        let filtering = status != nil || kind != nil || prefix != nil || !metadata.isEmpty
        let ways = [candidates != nil, candidatesFile != nil, filtering].filter { $0 }.count
        guard ways == 1 else {
            throw CLIError.usage(
                ways == 0
                    ? "choose the members: --candidates, --candidates-file, or a filter (--status, --kind, --prefix, --meta)"
                    : "--candidates, --candidates-file and the filter options (--status, --kind, --prefix, --meta) exclude each other")
        }
        if let candidates {
            request.candidateIDs = CampaignInput.candidateList(candidates)
            guard !request.candidateIDs.isEmpty else { throw CLIError.usage("--candidates lists no candidate") }
        } else if let candidatesFile {
            request.candidateIDs = try CampaignInput.candidateFile(JSONInput.read(path: candidatesFile), path: candidatesFile)
            guard !request.candidateIDs.isEmpty else { throw CLIError.usage("\(candidatesFile) lists no candidate") }
        } else {
            if let status { request.status = try parseEnum(status, as: CandidateStatus.self, option: "--status") }
            request.kind = kind ?? ""
            request.idPrefix = prefix ?? ""
            request.metadata = try InputParsing.keyValues(metadata, option: "--meta")
        }
        if let maxFailurePercent, !(maxFailurePercent > 0 && maxFailurePercent <= 100) {
            throw CLIError.usage("--max-failure-percent must be in (0, 100], got \(maxFailurePercent)")
        }
        request.inputs = try InputParsing.inputs(inputs)
        if let memberInputs {
            request.memberInputs = try CampaignInput.memberInputs(JSONInput.read(path: memberInputs), path: memberInputs)
        }
        return request
    }

    /// Creates (or previews) the campaign and prints it.
    func create(_ session: Session, preview: Bool) async throws {
        let response = try await session.client.createCampaign(request(preview: preview), options: session.callOptions)
        session.emit(
            json: JSONOutput.CampaignCreated(
                preview: preview, campaign: JSONOutput.campaign(response.campaign ?? Campaign()), memberCount: response.memberCount,
                members: response.members.map(JSONOutput.campaignMember)),
            table: session.tables.campaignCreated(response, preview: preview))
    }
}

extension CampaignCommand {
    /// `campaign update ID --max-in-flight N …`.
    public struct Update: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            abstract: "Change a campaign's pacing or failure budget while it runs (UpdateCampaign).",
            discussion: """
                Options not given keep their value. --max-failures 0 or --max-failure-percent 0 removes that \
                limit. The change takes effect at the campaign's next tick.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The campaign.
        @Argument(help: "Campaign id.") public var campaign: String
        /// Cap.
        @Option(name: .customLong("max-in-flight"), help: "Runs not yet finished, at most (1-10000).") public var maxInFlight: UInt32?
        /// Rate.
        @Option(name: .customLong("max-starts-per-minute"), help: "Runs started in any 60 seconds, at most (1-100000).")
        public var maxStartsPerMinute: UInt32?
        /// Budget: count.
        @Option(name: .customLong("max-failures"), help: "Pause when this many runs failed (0: no limit).") public var maxFailures: UInt32?
        /// Budget: share.
        @Option(name: .customLong("max-failure-percent"), help: "Pause at this percentage of finished runs failed (0: no limit).")
        public var maxFailurePercent: Double?
        /// Budget: when the share is judged.
        @Option(name: .customLong("minimum-finished"), help: "Finished runs before the percentage is judged (at least 1).")
        public var minimumFinished: UInt32?

        /// Creates the command.
        public init() {}

        /// Changes the campaign; budget options not given are read from the campaign first.
        public func execute(_ session: Session) async throws {
            let changesBudget = maxFailures != nil || maxFailurePercent != nil || minimumFinished != nil
            guard maxInFlight != nil || maxStartsPerMinute != nil || changesBudget else {
                throw CLIError.usage("nothing to change: give --max-in-flight, --max-starts-per-minute, --max-failures, --max-failure-percent or --minimum-finished")
            }
            if let maxFailurePercent, !(maxFailurePercent >= 0 && maxFailurePercent <= 100) {
                throw CLIError.usage("--max-failure-percent must be in [0, 100], got \(maxFailurePercent)")
            }
            if maxInFlight == 0 || maxStartsPerMinute == 0 || minimumFinished == 0 {
                throw CLIError.usage("--max-in-flight, --max-starts-per-minute and --minimum-finished must be at least 1")
            }
            var request = UpdateCampaignRequest(campaignID: campaign, maxInFlight: maxInFlight ?? 0, maxStartsPerMinute: maxStartsPerMinute ?? 0)
            if changesBudget {
                let current = try await session.client.getCampaign(GetCampaignRequest(campaignID: campaign), options: session.callOptions)
                request.updateBudget = true
                request.maxFailures = maxFailures ?? current.maxFailures
                request.maxFailurePercent = maxFailurePercent ?? current.maxFailurePercent
                request.minimumFinished = minimumFinished ?? current.minimumFinished
            }
            let changed = try await session.client.updateCampaign(request, options: session.callOptions)
            session.emit(
                json: JSONOutput.campaign(changed),
                table: [
                    "Campaign \(changed.id): at most \(changed.maxInFlight) in flight, \(changed.maxStartsPerMinute) starts a minute; budget: "
                        + TableRenderer.budget(changed)
                ])
        }
    }
}

extension CampaignCommand {
    /// `campaign watch ID`.
    public struct Watch: LoomCommand {
        /// Name, abstract and exit codes.
        public static let configuration = CommandConfiguration(
            abstract: "Follow a campaign live until it completes or is cancelled (WatchCampaign).",
            discussion: """
                On a terminal: a progress bar of settled members with the counts, the rate (members settled a \
                minute since the watch started) and the time left at that rate, redrawn in place. Otherwise one \
                plain line per update; with --json one JSON campaign per line.

                Exit codes: 0 the campaign completed, 21 it was cancelled, 22 the stream ended before it finished, \
                1-16 the call failed with that gRPC status. --timeout bounds connecting only.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The campaign.
        @Argument(help: "Campaign id.") public var campaign: String

        /// Creates the command.
        public init() {}

        /// Streams the campaign until the server ends the call.
        public func execute(_ session: Session) async throws {
            let mode: WatchRenderer.Mode = session.settings.json ? .json : (session.console.isTerminal ? .live : .plain)
            var renderer = CampaignWatchRenderer(mode: mode, palette: session.palette)
            let clock = ContinuousClock()
            let started = clock.now
            var last: Campaign?
            do {
                // The timeout bounds the connection, not the (long-lived) stream.
                for try await update in try await session.client.watchCampaign(WatchCampaignRequest(campaignID: campaign)) {
                    guard let campaign = update.campaign else { continue }
                    last = campaign
                    let elapsed = started.duration(to: clock.now)
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    session.console.writeOutput(renderer.render(campaign, at: seconds))
                }
            } catch {
                session.console.writeOutput(renderer.finish())
                throw error
            }
            session.console.writeOutput(renderer.finish())
            try Self.outcome(of: last)
        }

        /// Maps the last state seen to success or a ``CLIError``.
        static func outcome(of campaign: Campaign?) throws(CLIError) {
            guard let campaign else { throw .campaignEnded(.unspecified, reason: "") }
            switch campaign.state {
            case .completed: return
            default: throw .campaignEnded(campaign.state, reason: campaign.stateReason)
            }
        }
    }
}
