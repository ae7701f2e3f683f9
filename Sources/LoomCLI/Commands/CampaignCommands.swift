import ArgumentParser
import Foundation
import LoomProto

/// `loomctl campaign …`
public struct CampaignCommand: AsyncParsableCommand {
    /// The subcommands and what a campaign is.
    public static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Start a migration across many candidates: paced, with a failure budget, pausable (campaigns).",
        discussion: """
            A campaign starts runs of one migration for a set of candidates chosen once, when it is created (an \
            explicit list, or a filter over the migration's candidates), at most --max-in-flight at a time and \
            --max-starts-per-minute a minute. It pauses itself when its failure budget is spent (--max-failures \
            failed runs, or --max-failure-percent of finished runs). The server drives it: loomctl can exit.

            Creating, pausing, resuming, changing and cancelling are operator methods of their own in the \
            server's authorization policy (a role may start runs and not campaigns); reading needs the viewer role.

            Examples:
              loomctl campaign preview app --status not_started --meta team=payments \\
                  --max-in-flight 50 --max-starts-per-minute 200
              loomctl campaign create app --status not_started --meta team=payments \\
                  --input ticket=OPS-1 --max-in-flight 50 --max-starts-per-minute 200 \\
                  --max-failure-percent 5
              loomctl campaign watch c-1a2b3c4d5e6f
              loomctl campaign pause c-1a2b3c4d5e6f --reason "holiday freeze"
            """,
        subcommands: [Create.self, Preview.self, List.self, Show.self, Members.self, Pause.self, Resume.self, Update.self, Cancel.self, Watch.self]
    )

    /// Creates the command.
    public init() {}

    /// `campaign create MIGRATION …`.
    public struct Create: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            abstract: "Create and start a campaign (CreateCampaign); --preview shows it without creating it.",
            discussion: CampaignSpec.discussion)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// What the campaign is.
        @OptionGroup(title: "Campaign") public var spec: CampaignSpec
        /// Preview only.
        @Flag(help: "Validate and resolve the selection, show the members, create nothing (as `campaign preview`).")
        public var preview = false

        /// Creates the command.
        public init() {}

        /// Creates (or previews) the campaign.
        public func execute(_ session: Session) async throws {
            try await spec.create(session, preview: preview)
        }
    }

    /// `campaign preview MIGRATION …`.
    public struct Preview: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            abstract: "Show what `campaign create` would create: the member count and the first members (writes nothing).",
            discussion: CampaignSpec.discussion)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// What the campaign would be.
        @OptionGroup(title: "Campaign") public var spec: CampaignSpec

        /// Creates the command.
        public init() {}

        /// Previews the campaign.
        public func execute(_ session: Session) async throws {
            try await spec.create(session, preview: true)
        }
    }

    /// `campaign list [MIGRATION]`.
    public struct List: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "List campaigns by id, of one migration or all, a page at a time (ListCampaigns).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// Paging.
        @OptionGroup(title: "Paging") public var paging: PagingOptions
        /// The migration.
        @Argument(help: "Only this migration's campaigns.") public var migration: String?

        /// Creates the command.
        public init() {}

        /// Lists the campaigns.
        public func execute(_ session: Session) async throws {
            var request = ListCampaignsRequest(migrationID: migration ?? "", pageSize: paging.pageSize)
            var all: [Campaign] = []
            let next = try await paging.pages(
                fetch: { token in
                    request.pageToken = token
                    return try await session.client.listCampaigns(request, options: session.callOptions)
                },
                token: \.nextPageToken,
                body: { all += $0.campaigns })
            session.emitPage(json: all.map(JSONOutput.campaign), table: session.tables.campaigns(all), nextPageToken: next)
        }
    }

    /// `campaign show ID`.
    public struct Show: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "Show a campaign: state and reason, selection, pacing, budget, progress per member status, recent history.")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The campaign.
        @Argument(help: "Campaign id.") public var campaign: String
        /// How much history.
        @Option(help: "History events shown, newest (0: every kept event).") public var history: UInt32 = 10

        /// Creates the command.
        public init() {}

        /// Reads the campaign and its history.
        public func execute(_ session: Session) async throws {
            let found = try await session.client.getCampaign(GetCampaignRequest(campaignID: campaign), options: session.callOptions)
            let events = try await session.client.getCampaignHistory(
                GetCampaignHistoryRequest(campaignID: campaign, limit: history), options: session.callOptions
            ).events
            session.emit(
                json: JSONOutput.CampaignDetail(campaign: JSONOutput.campaign(found), history: events.map(JSONOutput.campaignEvent)),
                table: session.tables.campaign(found, history: events))
        }
    }

    /// `campaign members ID [--status S]`.
    public struct Members: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "List a campaign's members in start order, optionally of one status (ListCampaignMembers).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// Paging.
        @OptionGroup(title: "Paging") public var paging: PagingOptions
        /// The campaign.
        @Argument(help: "Campaign id.") public var campaign: String
        /// Status filter.
        @Option(help: "Only members in this status: pending, running, completed, failed, skipped, cancelled.")
        public var status: String?

        /// Creates the command.
        public init() {}

        /// Lists the members.
        public func execute(_ session: Session) async throws {
            var request = ListCampaignMembersRequest(campaignID: campaign, pageSize: paging.pageSize)
            if let status { request.status = try parseEnum(status, as: CampaignMemberStatus.self, option: "--status") }
            var all: [CampaignMember] = []
            let next = try await paging.pages(
                fetch: { token in
                    request.pageToken = token
                    return try await session.client.listCampaignMembers(request, options: session.callOptions)
                },
                token: \.nextPageToken,
                body: { all += $0.members })
            session.emitPage(json: all.map(JSONOutput.campaignMember), table: session.tables.campaignMembers(all), nextPageToken: next)
        }
    }

    /// `campaign pause ID [--reason R]`.
    public struct Pause: LoomCommand {
        /// Name and abstract.
        public static let configuration = CommandConfiguration(
            abstract: "Stop a campaign starting runs until it is resumed; its runs in flight go on (PauseCampaign).")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The campaign.
        @Argument(help: "Campaign id.") public var campaign: String
        /// Why.
        @Option(help: "Why, recorded in its state and history.") public var reason: String = ""

        /// Creates the command.
        public init() {}

        /// Pauses the campaign.
        public func execute(_ session: Session) async throws {
            let paused = try await session.client.pauseCampaign(
                PauseCampaignRequest(campaignID: campaign, reason: reason), options: session.callOptions)
            session.emitCampaignState(paused)
        }
    }

    /// `campaign resume ID`.
    public struct Resume: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            abstract: "Resume a paused campaign (ResumeCampaign).",
            discussion: """
                A campaign its budget paused keeps its failures counted: raise the budget first (campaign update) \
                or it pauses again at its next tick.
                """)
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The campaign.
        @Argument(help: "Campaign id.") public var campaign: String

        /// Creates the command.
        public init() {}

        /// Resumes the campaign.
        public func execute(_ session: Session) async throws {
            session.emitCampaignState(
                try await session.client.resumeCampaign(ResumeCampaignRequest(campaignID: campaign), options: session.callOptions))
        }
    }

    /// `campaign cancel ID [--cancel-runs] --yes`.
    public struct Cancel: LoomCommand {
        /// Name, abstract and discussion.
        public static let configuration = CommandConfiguration(
            abstract: "Cancel a campaign for good: it starts nothing more; with --cancel-runs its runs in flight are cancelled too.",
            discussion: "A cancelled campaign cannot be resumed, so the command needs --yes.")
        /// Connection and output options.
        @OptionGroup(title: "Connection and output options") public var global: GlobalOptions
        /// The campaign.
        @Argument(help: "Campaign id.") public var campaign: String
        /// Cancel the runs too.
        @Flag(name: .customLong("cancel-runs"), help: "Also cancel the campaign's runs still in flight (else they go on).")
        public var cancelRuns = false
        /// Confirmation.
        @Flag(help: "Confirm: the campaign cannot be resumed afterwards.") public var yes = false

        /// Creates the command.
        public init() {}

        /// Cancels the campaign.
        public func execute(_ session: Session) async throws {
            guard yes else {
                throw CLIError.usage(
                    "cancelling campaign \(campaign) cannot be undone\(cancelRuns ? " and cancels its runs in flight" : ""): add --yes to confirm")
            }
            let response = try await session.client.cancelCampaign(
                CancelCampaignRequest(campaignID: campaign, cancelRuns: cancelRuns), options: session.callOptions)
            let cancelled = response.campaign ?? Campaign(id: campaign)
            session.emit(
                json: JSONOutput.CampaignCancelled(campaign: JSONOutput.campaign(cancelled), runsCancelled: response.runsCancelled),
                table: [
                    "Campaign \(cancelled.id) is \(cancelled.state.cliName)"
                        + (cancelRuns ? "; \(response.runsCancelled) run\(response.runsCancelled == 1 ? "" : "s") cancelled." : "; its runs in flight go on.")
                ])
        }
    }
}

extension Session {
    /// Prints a campaign after a state change: the JSON campaign, or one line with its state and reason.
    func emitCampaignState(_ campaign: Campaign) {
        emit(
            json: JSONOutput.campaign(campaign),
            table: ["Campaign \(campaign.id) is \(campaign.state.cliName)" + (campaign.stateReason.isEmpty ? "." : ": \(campaign.stateReason)")])
    }
}
