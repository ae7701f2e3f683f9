import LoomProto

extension JSONOutput {
    /// A campaign: `{"id", "migrationId", "state": "paused", "stateReason", "pacing": {…}, "budget": {…},
    /// "selection": {…}, "counts": {"pending": N, …}, …}`. Limits the server reports as 0 (none) are `null`.
    public struct Campaign: Encodable, Hashable, Sendable {
        var id: String
        var migrationId: String
        var description: String
        var createdBy: String
        var createdAtUnixMs: Int64
        var updatedAtUnixMs: Int64
        var state: String
        var stateReason: String
        var pacing: Pacing
        var budget: Budget
        var inputs: [String: String]
        var selection: Selection
        var counts: [String: UInt64]
        var members: UInt64
        var version: UInt64
    }

    /// How fast a campaign starts runs.
    public struct Pacing: Encodable, Hashable, Sendable {
        var maxInFlight: UInt32
        var maxStartsPerMinute: UInt32
    }

    /// When a campaign pauses itself.
    public struct Budget: Encodable, Hashable, Sendable {
        var maxFailures: UInt32?
        var maxFailurePercent: Double?
        var minimumFinished: UInt32

        /// Encodes every key, `null` for a limit that is not set.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(maxFailures, forKey: .maxFailures)
            try container.encode(maxFailurePercent, forKey: .maxFailurePercent)
            try container.encode(minimumFinished, forKey: .minimumFinished)
        }

        private enum CodingKeys: String, CodingKey { case maxFailures, maxFailurePercent, minimumFinished }
    }

    /// How a campaign's members were selected: `explicit` (the operator listed them) or the filter.
    public struct Selection: Encodable, Hashable, Sendable {
        var explicit: Bool
        var status: String
        var kind: String
        var idPrefix: String
        var metadata: [String: String]
    }

    /// One member of a campaign.
    public struct CampaignMember: Encodable, Hashable, Sendable {
        var candidateId: String
        var status: String
        var inputs: [String: String]
        var startedAtUnixMs: Int64
        var runGeneration: UInt32
        var note: String
    }

    /// One event of a campaign's history.
    public struct CampaignEvent: Encodable, Hashable, Sendable {
        var atUnixMs: Int64
        var kind: String
        var by: String
        var detail: String
    }

    /// `campaign show`: the campaign and its recent history.
    public struct CampaignDetail: Encodable, Hashable, Sendable {
        var campaign: Campaign
        var history: [CampaignEvent]
    }

    /// `campaign create` and `campaign preview`: the campaign, its member count and (preview) its first members.
    public struct CampaignCreated: Encodable, Hashable, Sendable {
        var preview: Bool
        var campaign: Campaign
        var memberCount: UInt32
        var members: [CampaignMember]
    }

    /// `campaign cancel`: the campaign and how many of its runs were cancelled.
    public struct CampaignCancelled: Encodable, Hashable, Sendable {
        var campaign: Campaign
        var runsCancelled: UInt32
    }

    static func campaignCounts(_ counts: LoomProto.CampaignCounts?) -> [String: UInt64] {
        let counts = counts ?? CampaignCounts()
        return [
            "pending": counts.pending, "running": counts.running, "completed": counts.completed, "failed": counts.failed,
            "skipped": counts.skipped, "cancelled": counts.cancelled,
        ]
    }

    static func campaign(_ campaign: LoomProto.Campaign) -> Campaign {
        Campaign(
            id: campaign.id, migrationId: campaign.migrationID, description: campaign.description, createdBy: campaign.createdBy,
            createdAtUnixMs: campaign.createdAtUnixMs, updatedAtUnixMs: campaign.updatedAtUnixMs, state: campaign.state.cliName,
            stateReason: campaign.stateReason,
            pacing: Pacing(maxInFlight: campaign.maxInFlight, maxStartsPerMinute: campaign.maxStartsPerMinute),
            budget: Budget(
                maxFailures: campaign.maxFailures == 0 ? nil : campaign.maxFailures,
                maxFailurePercent: campaign.maxFailurePercent == 0 ? nil : campaign.maxFailurePercent,
                minimumFinished: campaign.minimumFinished),
            inputs: campaign.inputs,
            selection: Selection(
                explicit: campaign.explicitCandidates, status: campaign.filterStatus == .unspecified ? "" : campaign.filterStatus.cliName,
                kind: campaign.filterKind, idPrefix: campaign.filterIDPrefix, metadata: campaign.filterMetadata),
            counts: campaignCounts(campaign.counts), members: campaign.counts?.total ?? 0, version: campaign.version)
    }

    static func campaignMember(_ member: LoomProto.CampaignMember) -> CampaignMember {
        CampaignMember(
            candidateId: member.candidateID, status: member.status.cliName, inputs: member.inputs, startedAtUnixMs: member.startedAtUnixMs,
            runGeneration: member.runGeneration, note: member.note)
    }

    static func campaignEvent(_ event: LoomProto.CampaignEvent) -> CampaignEvent {
        CampaignEvent(atUnixMs: event.atUnixMs, kind: event.kind.cliName, by: event.by, detail: event.detail)
    }
}

extension LoomProto.CampaignCounts {
    /// The member count: every member is in exactly one status.
    var total: UInt64 { pending + running + completed + failed + skipped + cancelled }
}
