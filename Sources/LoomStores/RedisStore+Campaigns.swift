import LoomCore
import LoomRedis

extension RedisStore {
    /// Creates or changes a campaign in one script (``RedisStoreScripts/createCampaign``,
    /// ``RedisStoreScripts/updateCampaign``). A creation first records the campaign's home (its
    /// migration) under its id, which also keeps ids unique across migrations.
    public func apply(_ write: CampaignWrite) async throws -> CampaignWriteOutcome {
        let campaign = write.campaign
        let event = RedisCampaignCodec.encode(write.event)
        let due = write.timerDueAt.map { String($0.unixMilliseconds) } ?? ""
        let fields = RedisCampaignCodec.fields(of: campaign)
        var arguments: [RESPArgument] = [.string(campaign.id)]
        guard write.expectedVersion == 0 else {
            arguments += [.string(String(write.expectedVersion)), .string(String(write.expectedVersion + 1)), .integer(Int64(fields.count / 2))]
            arguments += fields.map { .string($0) } + [.integer(Int64(historyCap)), .string(event), .string(due)]
            let ckeys = keys.campaign(campaign.id, migrationId: campaign.migrationId)
            let reply = try await redis("campaign write") {
                try await client.evalScript(
                    RedisStoreScripts.updateCampaign,
                    keys: [ckeys.record, ckeys.counts, ckeys.history, keys.campaignTimers(migrationId: campaign.migrationId)],
                    arguments: arguments)
            }
            guard let parts = reply.array, let verdict = parts.first?.string else { throw malformedReply("campaign write", reply) }
            if verdict == "conflict", parts.count == 3 {
                let record = parts[1].stringDictionary
                return .conflict(current: record.isEmpty ? nil : try RedisCampaignCodec.campaign(campaign.id, record, counts: parts[2].stringDictionary))
            }
            guard verdict == "ok", parts.count == 2 else { throw malformedReply("campaign write", reply) }
            var stored = campaign
            stored.version = write.expectedVersion + 1
            stored.counts = RedisCampaignCodec.counts(parts[1].stringDictionary)
            return .applied(stored)
        }
        var seen = Set<String>()
        for member in write.members where !seen.insert(member.candidateId).inserted {
            throw LoomError.invalidArgument("a candidate is a member twice: \(member.candidateId.prefix(200))")
        }
        let home = try await redis("campaign home") {
            _ = try await client.send(RedisCommand("HSETNX", .string(keys.campaignHomes), .string(campaign.id), .string(campaign.migrationId)))
            return try await client.send(RedisCommand("HGET", .string(keys.campaignHomes), .string(campaign.id))).string
        }
        guard home == campaign.migrationId else {
            throw LoomError.invalidArgument("campaign id \(campaign.id) is taken by another migration's campaign")
        }
        arguments += [.integer(Int64(fields.count / 2))] + fields.map { .string($0) }
        arguments += [.integer(Int64(historyCap)), .string(event), .string(due)]
        for member in write.members {
            arguments += [.string(member.candidateId), .string(member.inputs.isEmpty ? "" : RedisCampaignCodec.encode(member.inputs))]
        }
        let ckeys = keys.campaign(campaign.id, migrationId: campaign.migrationId)
        let reply = try await redis("campaign creation") {
            try await client.evalScript(
                RedisStoreScripts.createCampaign,
                keys: [
                    ckeys.record, ckeys.memberStatuses, ckeys.memberGenerations, ckeys.memberInputs, ckeys.order, ckeys.pending,
                    ckeys.counts, ckeys.history, keys.campaignTimers(migrationId: campaign.migrationId),
                    keys.migrationCampaigns(campaign.migrationId),
                ],
                arguments: arguments)
        }
        switch reply.array?.first?.string {
        case "ok":
            _ = try await redis("campaign index") {
                try await client.send(RedisCommand("ZADD", .string(keys.campaignIndex), 0, .string(campaign.id)))
            }
            var stored = campaign
            stored.version = 1
            stored.counts = CampaignCounts(members: UInt64(write.members.count))
            return .applied(stored)
        case "conflict":
            return .conflict(current: try await self.campaign(id: campaign.id))
        default:
            throw malformedReply("campaign creation", reply)
        }
    }

    /// The migration a campaign belongs to, from its home entry.
    func campaignHome(_ id: String) async throws -> String {
        let home = try await redis("campaign read") {
            try await client.send(RedisCommand("HGET", .string(keys.campaignHomes), .string(id))).presentValue?.string
        }
        guard let home else { throw LoomError.campaignNotFound(id) }
        return home
    }

    /// The campaign's record and counts, read together.
    public func campaign(id: String) async throws -> Campaign {
        let migrationId = try await campaignHome(id)
        let ckeys = keys.campaign(id, migrationId: migrationId)
        let replies = try await redis("campaign read") {
            try await client.transaction([RedisCommand("HGETALL", .string(ckeys.record)), RedisCommand("HGETALL", .string(ckeys.counts))])
        }
        guard replies.count == 2 else { throw malformedReply("campaign read", .array(replies)) }
        let record = replies[0].stringDictionary
        // A home without a record: a creation that failed after reserving the id.
        guard !record.isEmpty else { throw LoomError.campaignNotFound(id) }
        return try RedisCampaignCodec.campaign(id, record, counts: replies[1].stringDictionary)
    }

    /// Campaigns by id, from the migration's index or the global one.
    public func campaigns(migrationId: String?, after: String?, limit: Int) async throws -> [Campaign] {
        guard limit > 0 else { return [] }
        let index = migrationId.map { keys.migrationCampaigns($0) } ?? keys.campaignIndex
        var cursor: RESPArgument = after.map { .string("(" + $0) } ?? "-"
        var found: [Campaign] = []
        while found.count < limit {
            let wanted = limit - found.count
            let ids = try await redis("campaign listing") {
                try await client.send(RedisCommand("ZRANGEBYLEX", .string(index), cursor, "+", "LIMIT", 0, .integer(Int64(wanted))))
            }.array?.compactMap(\.string) ?? []
            for id in ids {
                do {
                    found.append(try await campaign(id: id))
                } catch let error as LoomError where error.code == .notFound {
                    continue  // an id reserved by a creation that failed
                }
            }
            guard ids.count == wanted, let last = ids.last else { break }
            cursor = .string("(" + last)
        }
        return found
    }

    /// Members in start order from position `from`, read a chunk at a time (order, then each
    /// chunk's statuses, generations, inputs, notes and start times in one transaction).
    public func campaignMembers(id: String, status: CampaignMemberStatus?, from: Int, limit: Int) async throws -> (members: [CampaignMember], next: Int?) {
        let migrationId = try await campaignHome(id)
        let ckeys = keys.campaign(id, migrationId: migrationId)
        var found: [CampaignMember] = []
        var position = max(0, from)
        let chunk = 500
        while found.count < limit {
            let ids = try await redis("campaign members") {
                try await client.send(
                    RedisCommand(
                        "ZRANGEBYSCORE", .string(ckeys.order), .integer(Int64(position)), "+inf", "LIMIT", 0, .integer(Int64(chunk))))
            }.array?.compactMap(\.string) ?? []
            guard !ids.isEmpty else { return (found, nil) }
            let fields = ids.map { RESPArgument.string($0) }
            let replies = try await redis("campaign members") {
                try await client.transaction(
                    [ckeys.memberStatuses, ckeys.memberGenerations, ckeys.memberInputs, ckeys.memberNotes, ckeys.memberStarts].map {
                        RedisCommand("HMGET", arguments: [.string($0)] + fields)
                    })
            }
            guard replies.count == 5, let columns = Optional(replies.map { $0.array ?? [] }), columns.allSatisfy({ $0.count == ids.count }) else {
                throw malformedReply("campaign members", .array(replies))
            }
            for (offset, candidateId) in ids.enumerated() {
                position += 1
                let member = try RedisCampaignCodec.member(
                    candidateId, status: columns[0][offset].string, generation: columns[1][offset].string,
                    inputs: columns[2][offset].presentValue?.string, note: columns[3][offset].presentValue?.string,
                    startedAt: columns[4][offset].presentValue?.string)
                guard status == nil || member.status == status else { continue }
                found.append(member)
                if found.count == limit { break }
            }
            if ids.count < chunk && found.count < limit { return (found, nil) }
        }
        let more = try await redis("campaign members") {
            try await client.send(RedisCommand("ZRANGEBYSCORE", .string(ckeys.order), .integer(Int64(position)), "+inf", "LIMIT", 0, 1))
        }.array?.isEmpty == false
        return (found, more ? position : nil)
    }

    /// The first pending members, from the pending set (never a scan of the member list).
    public func pendingCampaignMembers(id: String, limit: Int) async throws -> [CampaignMember] {
        guard limit > 0 else { return [] }
        let migrationId = try await campaignHome(id)
        let ckeys = keys.campaign(id, migrationId: migrationId)
        let ids = try await redis("campaign members") {
            try await client.send(RedisCommand("ZRANGE", .string(ckeys.pending), 0, .integer(Int64(limit - 1))))
        }.array?.compactMap(\.string) ?? []
        guard !ids.isEmpty else { return [] }
        let fields = ids.map { RESPArgument.string($0) }
        let replies = try await redis("campaign members") {
            try await client.transaction([
                RedisCommand("HMGET", arguments: [.string(ckeys.memberInputs)] + fields),
                RedisCommand("HMGET", arguments: [.string(ckeys.memberGenerations)] + fields),
            ])
        }
        guard replies.count == 2, let inputs = replies[0].array, let generations = replies[1].array,
            inputs.count == ids.count, generations.count == ids.count
        else { throw malformedReply("campaign members", .array(replies)) }
        return try ids.indices.map { index in
            try RedisCampaignCodec.member(
                ids[index], status: "pending", generation: generations[index].presentValue?.string,
                inputs: inputs[index].presentValue?.string, note: nil, startedAt: nil)
        }
    }

    /// Skips a pending member in one script.
    public func skipCampaignMember(id: String, candidateId: String, note: String) async throws -> Bool {
        let migrationId = try await campaignHome(id)
        let ckeys = keys.campaign(id, migrationId: migrationId)
        let reply = try await redis("campaign skip") {
            try await client.evalScript(
                RedisStoreScripts.skipCampaignMember, keys: [ckeys.memberStatuses, ckeys.counts, ckeys.pending, ckeys.memberNotes],
                arguments: [.string(candidateId), .string(note)])
        }
        return reply.int == 1
    }

    /// Requeues the failed members: `HSCAN`s the member statuses a thousand at a time (never one long
    /// script over every member) and moves each batch's failed ones in one script that checks them again.
    public func requeueFailedCampaignMembers(id: String) async throws -> Int {
        let migrationId = try await campaignHome(id)
        let ckeys = keys.campaign(id, migrationId: migrationId)
        var cursor = "0", moved = 0
        repeat {
            let reply = try await redis("campaign retry") {
                try await client.send(RedisCommand("HSCAN", .string(ckeys.memberStatuses), .string(cursor), "COUNT", 1000))
            }
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let pairs = parts[1].pairs else {
                throw malformedReply("campaign retry", reply)
            }
            cursor = next
            let failed = pairs.compactMap { $0.value.string == "failed" ? $0.key.string : nil }
            guard !failed.isEmpty else { continue }
            let batch = try await redis("campaign retry") {
                try await client.evalScript(
                    RedisStoreScripts.requeueFailedCampaignMembers,
                    keys: [ckeys.memberStatuses, ckeys.counts, ckeys.pending, ckeys.order], arguments: failed.map { .string($0) })
            }
            moved += Int(batch.int ?? 0)
        } while cursor != "0"
        return moved
    }

    /// Cancels the pending members a thousand at a time (each batch one script, so Redis is never
    /// held long; a start racing a batch finds its member cancelled or starts it before).
    public func cancelPendingCampaignMembers(id: String) async throws -> Int {
        let migrationId = try await campaignHome(id)
        let ckeys = keys.campaign(id, migrationId: migrationId)
        var moved = 0
        while true {
            let batch = try await redis("campaign cancel") {
                try await client.evalScript(
                    RedisStoreScripts.cancelPendingCampaignMembers, keys: [ckeys.memberStatuses, ckeys.counts, ckeys.pending], arguments: [])
            }.int ?? 0
            moved += Int(batch)
            if batch < 1000 { return moved }
        }
    }

    /// The starts of the last minute, from the campaign's start set.
    public func campaignStartWindow(id: String, now: Timestamp) async throws -> CampaignStartWindow {
        let migrationId = try await campaignHome(id)
        let starts = keys.campaign(id, migrationId: migrationId).starts
        let since = (now - CampaignStartWindow.length).unixMilliseconds
        let replies = try await redis("campaign window") {
            try await client.transaction([
                RedisCommand("ZCOUNT", .string(starts), .string("(\(since)"), "+inf"),
                RedisCommand("ZRANGEBYSCORE", .string(starts), .string("(\(since)"), "+inf", "WITHSCORES", "LIMIT", 0, 1),
            ])
        }
        guard replies.count == 2, let count = replies[0].int else { throw malformedReply("campaign window", .array(replies)) }
        // RESP2 answers [member, score]; RESP3 [[member, score]].
        let flat = (replies[1].array ?? []).flatMap { $0.array ?? [$0] }
        let oldest = flat.count == 2 ? flat[1].string.flatMap { Double($0) } : nil
        return CampaignStartWindow(count: Int(count), oldest: oldest.map { Timestamp(unixMilliseconds: Int64($0)) })
    }
}
