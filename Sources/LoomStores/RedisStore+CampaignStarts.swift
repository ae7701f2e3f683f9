import LoomCore
import LoomRedis

extension RedisStore {
    /// Starts one member in one script (``RedisStoreScripts/startCampaignMember``): the campaign's
    /// checks, then the run write of ``apply(_:)-(RunWrite)`` with the member's move.
    public func start(_ start: CampaignStart) async throws -> CampaignStartOutcome {
        let run = start.run.run
        guard run.campaignId == start.campaignId, run.candidateId == start.candidateId else { return .refused }
        let ckeys = keys.campaign(start.campaignId, migrationId: run.migrationId)
        let since = (start.now - CampaignStartWindow.length).unixMilliseconds
        let transition = runTransitionArguments(start.run)
        let reply = try await redis("campaign start") {
            try await client.evalScript(
                RedisStoreScripts.startCampaignMember,
                keys: transition.keys + [ckeys.pending, ckeys.starts, ckeys.memberStarts, ckeys.memberNotes],
                arguments: [.integer(start.now.unixMilliseconds), .integer(since)] + transition.arguments)
        }
        guard let parts = reply.array, let verdict = parts.first?.string else { throw malformedReply("campaign start", reply) }
        switch verdict {
        case "refused", "campaign":
            return .refused
        case "skipped":
            return .skipped(note: parts.count > 1 ? parts[1].string ?? "" : "")
        default:
            switch try runWriteOutcome(reply, of: transition.run) {
            case .applied(let stored): return .started(stored)
            case .conflict(let current): return .runConflict(current: current)
            case .candidateRejected, .campaignFull: return .refused
            }
        }
    }

    /// Claims due campaign timers of `partition`, pushing each to `now + lease`.
    public func claimDueCampaigns(partition: Int, now: Timestamp, lease: Duration, limit: Int) async throws -> [(id: String, leasedUntil: Timestamp)] {
        guard (0..<timerPartitionCount).contains(partition) else {
            throw LoomError.invalidArgument("timer partition \(partition) out of range")
        }
        let leased = now + lease
        let reply = try await redis("campaign timer claim") {
            try await client.evalScript(
                RedisStoreScripts.claimCampaigns, keys: [keys.campaignTimers(partition: partition)],
                arguments: [.integer(now.unixMilliseconds), .integer(leased.unixMilliseconds), .integer(Int64(max(0, limit)))])
        }
        guard let ids = reply.array?.compactMap(\.string) else { throw malformedReply("campaign timer claim", reply) }
        return ids.map { ($0, leased) }
    }

    /// Settles a claimed campaign timer (see ``CampaignStore/settleCampaignTimer(id:leasedUntil:due:)``).
    public func settleCampaignTimer(id: String, leasedUntil: Timestamp, due: Timestamp?) async throws {
        let migrationId = try await campaignHome(id)
        _ = try await redis("campaign timer") {
            try await client.evalScript(
                RedisStoreScripts.settleCampaignTimer, keys: [keys.campaignTimers(migrationId: migrationId)],
                arguments: [.string(id), .integer(leasedUntil.unixMilliseconds), .string(due.map { String($0.unixMilliseconds) } ?? "")])
        }
    }

    /// The campaign's newest `limit` events (all kept ones when 0), oldest first.
    public func campaignHistory(id: String, limit: Int) async throws -> [CampaignEvent] {
        let migrationId = try await campaignHome(id)
        let history = keys.campaign(id, migrationId: migrationId).history
        let count = limit > 0 ? limit : historyCap
        let reply = try await redis("campaign history") {
            try await client.send(RedisCommand("XREVRANGE", .string(history), "+", "-", "COUNT", .integer(Int64(count))))
        }
        guard let items = reply.array else { throw malformedReply("campaign history", reply) }
        return try items.reversed().map { item in
            guard let parts = item.array, parts.count == 2, let fields = parts[1].pairs,
                let json = fields.first(where: { $0.key.string == "e" })?.value.string
            else { throw malformedReply("campaign history", item) }
            return try RedisCampaignCodec.event(json)
        }
    }

    /// The due time of the campaign's timer (for tests and diagnostics).
    public func campaignTimerDue(of id: String) async throws -> Timestamp? {
        let migrationId = try await campaignHome(id)
        let score = try await redis("campaign timer") {
            try await client.send(RedisCommand("ZSCORE", .string(keys.campaignTimers(migrationId: migrationId)), .string(id)))
        }.presentValue?.string
        return score.flatMap { Double($0) }.map { Timestamp(unixMilliseconds: Int64($0)) }
    }
}
