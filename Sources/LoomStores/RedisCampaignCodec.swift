import LoomCore

/// How ``RedisStore`` keeps campaigns: the record as plain hash fields (the scripts read `state`,
/// `cap` and `rate` themselves), maps and events as small JSON texts, counts as a hash of member
/// statuses.
enum RedisCampaignCodec {
    /// The record's fields as `HSET` pairs (counts and version are kept apart).
    static func fields(of campaign: Campaign) -> [String] {
        var fields = [
            "migration", campaign.migrationId, "description", campaign.description, "createdBy", campaign.createdBy,
            "createdAt", String(campaign.createdAt.unixMilliseconds), "updatedAt", String(campaign.updatedAt.unixMilliseconds),
            "state", campaign.state.rawValue, "reason", campaign.stateReason,
            "cap", String(campaign.pacing.maxInFlight), "rate", String(campaign.pacing.maxStartsPerMinute),
            "maxFailures", campaign.budget.maxFailures.map { String($0) } ?? "",
            "maxFailurePercent", campaign.budget.maxFailurePercent.map { String($0) } ?? "",
            "minimumFinished", String(campaign.budget.minimumFinished),
            "inputs", encode(campaign.inputs),
        ]
        if let filter = campaign.filter {
            var writer = RecordJSONWriter()
            writer.object { o in
                o.string("status", ifPresent: filter.status?.rawValue)
                o.string("kind", ifPresent: filter.kind)
                o.string("idPrefix", filter.idPrefix)
                o.stringMap("metadata", filter.metadata)
            }
            fields += ["filter", writer.text]
        } else {
            fields += ["filter", ""]
        }
        return fields
    }

    /// The campaign `id` from its record fields and counts.
    static func campaign(_ id: String, _ record: [String: String], counts: [String: String]) throws -> Campaign {
        func field(_ name: String) throws -> String {
            guard let value = record[name] else { throw LoomError.internal("campaign \(id) record has no \(name)") }
            return value
        }
        func integer(_ name: String) throws -> Int64 {
            guard let value = Int64(try field(name)) else { throw LoomError.internal("campaign \(id) record has a bad \(name)") }
            return value
        }
        guard let state = CampaignState(rawValue: try field("state")) else { throw LoomError.internal("campaign \(id) has a bad state") }
        var filter: CampaignFilter?
        if let text = record["filter"], !text.isEmpty {
            let o = try RecordJSONValue.parse(text).object("filter")
            filter = CampaignFilter(
                CandidateFilter(
                    status: try o.stringIfPresent("status").flatMap(CandidateStatus.init(rawValue:)), kind: try o.stringIfPresent("kind"),
                    idPrefix: try o.string("idPrefix"), metadata: try o.stringMap("metadata")))
        }
        return Campaign(
            id: id, migrationId: try field("migration"), description: try field("description"), createdBy: try field("createdBy"),
            createdAt: Timestamp(unixMilliseconds: try integer("createdAt")), updatedAt: Timestamp(unixMilliseconds: try integer("updatedAt")),
            state: state, stateReason: try field("reason"),
            pacing: CampaignPacing(maxInFlight: Int(try integer("cap")), maxStartsPerMinute: Int(try integer("rate"))),
            budget: FailureBudget(
                maxFailures: Int(try field("maxFailures")), maxFailurePercent: Double(try field("maxFailurePercent")),
                minimumFinished: Int(try integer("minimumFinished"))),
            inputs: try map(try field("inputs")), filter: filter, counts: self.counts(counts), version: UInt64(try integer("version")))
    }

    /// Counts from the counts hash (a missing status counts 0).
    static func counts(_ hash: [String: String]) -> CampaignCounts {
        var counts = CampaignCounts()
        for status in CampaignMemberStatus.allCases {
            counts[status] = UInt64(max(0, Int64(hash[status.rawValue] ?? "") ?? 0))
        }
        return counts
    }

    /// A member from its columns.
    static func member(
        _ candidateId: String, status: String?, generation: String?, inputs: String?, note: String?, startedAt: String?
    ) throws -> CampaignMember {
        guard let status = status.flatMap(CampaignMemberStatus.init(rawValue:)) else {
            throw LoomError.internal("campaign member \(candidateId.prefix(200)) has no status")
        }
        return CampaignMember(
            candidateId: candidateId, inputs: try inputs.map(map) ?? [:], status: status,
            startedAt: startedAt.flatMap { Int64($0) }.map(Timestamp.init(unixMilliseconds:)),
            runGeneration: generation.flatMap { UInt32($0) } ?? 0, note: note ?? "")
    }

    /// A string map as a JSON object.
    static func encode(_ map: [String: String]) -> String {
        var writer = RecordJSONWriter()
        writer.stringMap(map)
        return writer.text
    }

    static func map(_ text: String) throws -> [String: String] {
        try RecordJSONValue.parse(text).stringMap("map")
    }

    /// An event as JSON.
    static func encode(_ event: CampaignEvent) -> String {
        var writer = RecordJSONWriter()
        writer.object { o in
            o.integer("at", event.at.unixMilliseconds)
            o.string("kind", event.kind.rawValue)
            o.string("by", event.by)
            o.string("detail", event.detail)
        }
        return writer.text
    }

    static func event(_ text: String) throws -> CampaignEvent {
        let o = try RecordJSONValue.parse(text).object("event")
        return CampaignEvent(
            at: Timestamp(unixMilliseconds: try o.integer("at")), kind: try o.enumeration("kind"), by: try o.string("by"),
            detail: try o.string("detail"))
    }
}
