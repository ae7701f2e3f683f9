import LoomCore
import LoomRedis

extension RedisStore {
    /// The run record.
    public func run(id: RunID) async throws -> Run {
        try await redis("run read") {
            let reply = try await client.send(RedisCommand("HGET", .string(keys.run(id)), "record"))
            guard let json = reply.presentValue?.string else { throw LoomError.runNotFound(id) }
            return try RedisStoreCodec.decode(Run.self, from: json, what: "run \(id)")
        }
    }

    /// Applies one transition atomically: version check, candidate precondition, record,
    /// timer and history in one Lua script.
    public func apply(_ write: RunWrite) async throws -> RunWriteOutcome {
        let transition = runTransitionArguments(write)
        let reply = try await redis("run transition") {
            try await client.evalScript(RedisStoreScripts.applyRun, keys: transition.keys, arguments: transition.arguments)
        }
        return try runWriteOutcome(reply, of: transition.run)
    }

    /// The keys and arguments of ``RedisStoreScripts/applyRun`` for `write`, and the run as it will
    /// be stored (its new version set).
    func runTransitionArguments(_ write: RunWrite) -> (run: Run, keys: [String], arguments: [RESPArgument]) {
        let id = write.run.id
        var run = write.run
        run.version = write.expectedVersion + 1
        let statusMode: String
        var allowed = ""
        switch write.candidateStatus {
        case nil: statusMode = "none"
        case .some(let change) where change.requiredCurrent == nil: statusMode = "set"
        case .some(let change):
            statusMode = "require"
            allowed = change.requiredCurrent!.map(\.rawValue).sorted().joined(separator: ",")
        }
        var arguments: [RESPArgument] = [
            .string(String(write.expectedVersion)), .string(String(run.version)), .string(RedisStoreCodec.encode(run)),
            .string(run.timerDueAt.map { String($0.unixMilliseconds) } ?? ""), .string(id.description),
            .string(id.candidateId), .string(statusMode), .string(write.candidateStatus?.newStatus.rawValue ?? ""),
            .string(allowed), .integer(Int64(historyCap)), .integer(Int64(RedisStoreCodec.schemaVersion)),
        ]
        let position = RunPosition(run)
        arguments += [
            .string(run.status.rawValue), .string(position?.stepName ?? ""), .string(position?.stepStatus.rawValue ?? ""),
            .integer(run.updatedAt.unixMilliseconds),
            .string(run.timerDueAt == nil ? "" : write.keepsLease ? "=" : write.leaseHolder?.description ?? ""),
            .integer(Self.ghostLifetime.wholeMilliseconds), .string(keys.runGhostBucketPrefix(id.migrationId)),
            .string(run.campaignId), .string(String(run.generation)),
        ]
        for var entry in write.history {
            entry.runVersion = run.version
            arguments.append(.string(RedisStoreCodec.encode(entry)))
        }
        let scriptKeys = [
            keys.run(id), keys.timers(of: id), keys.history(id), keys.candidateStatuses(id.migrationId),
            keys.counts(id.migrationId), keys.candidateStatusIndex(id.migrationId), keys.runIndex(id.migrationId),
            keys.runStatusIndex(id.migrationId), keys.leases(of: id), keys.runSequence(id.migrationId),
            keys.runListingFlag(id.migrationId), keys.runMoves(id.migrationId),
        ]
        return (run, scriptKeys + campaignKeys(of: run), arguments)
    }

    /// The outcome ``RedisStoreScripts/applyRun``'s `reply` reports for a write of `run`.
    func runWriteOutcome(_ reply: RESPValue, of run: Run) throws -> RunWriteOutcome {
        guard let parts = reply.array, let verdict = parts.first?.string else { throw malformedReply("apply", reply) }
        switch verdict {
        case "ok":
            return .applied(run)
        case "conflict":
            let current = try (parts.count > 1 ? parts[1].presentValue?.string : nil).map {
                try RedisStoreCodec.decode(Run.self, from: $0, what: "run \(run.id)")
            }
            return .conflict(current: current)
        case "candidate":
            let current = (parts.count > 1 ? parts[1].presentValue?.string : nil).flatMap(CandidateStatus.init(rawValue:))
            return .candidateRejected(current: current)
        case "campaign":
            return .campaignFull(campaignId: run.campaignId)
        default:
            throw malformedReply("apply", reply)
        }
    }

    /// The campaign keys ``RedisStoreScripts/applyRun`` moves the run's member with (none when the
    /// run was not started by a campaign).
    func campaignKeys(of run: Run) -> [String] {
        guard !run.campaignId.isEmpty else { return [] }
        let campaign = keys.campaign(run.campaignId, migrationId: run.migrationId)
        return [
            campaign.record, campaign.memberStatuses, campaign.memberGenerations, campaign.counts,
            keys.campaignTimers(migrationId: run.migrationId),
        ]
    }

    /// The run and its history entries after `afterVersion`, read in one `MULTI`/`EXEC`
    /// (record and stream share a slot): the newest 64 first, then, if the watcher is further
    /// behind, up to the cap.
    public func runWithHistory(id: RunID, afterVersion: UInt64) async throws -> (run: Run, entries: [HistoryEntry]) {
        var count = min(64, historyCap)
        while true {
            let replies = try await redis("run read") {
                try await client.transaction([
                    RedisCommand("HGET", .string(keys.run(id)), "record"),
                    RedisCommand("XREVRANGE", .string(keys.history(id)), "+", "-", "COUNT", .integer(Int64(count))),
                ])
            }
            guard replies.count == 2 else { throw malformedReply("run read", .array(replies)) }
            guard let json = replies[0].presentValue?.string else { throw LoomError.runNotFound(id) }
            let run = try RedisStoreCodec.decode(Run.self, from: json, what: "run \(id)")
            let newestFirst = try Self.historyEntries(replies[1], of: id)
            let reachedOlder = newestFirst.last.map { $0.runVersion <= afterVersion } ?? true
            if reachedOlder || newestFirst.count < count || count >= historyCap {
                return (run, newestFirst.filter { $0.runVersion > afterVersion }.reversed())
            }
            count = historyCap
        }
    }

    /// Up to `limit` runs of the migration updated at or after `since`, oldest update first.
    public func runsUpdated(migrationId: String, since: Timestamp, limit: Int) async throws -> [Run] {
        guard limit > 0 else { return [] }
        return try await redis("run listing") {
            let ids = try await client.send(
                RedisCommand(
                    "ZRANGEBYSCORE", .string(keys.runIndex(migrationId)), .integer(since.unixMilliseconds), "+inf", "LIMIT", 0,
                    .integer(Int64(limit)))
            ).array?.compactMap(\.string).map { try RunID(parsing: $0) } ?? []
            guard !ids.isEmpty else { return [] }
            return try await currentRuns(ids)
        }
    }

    /// Entries of an `XREVRANGE`/`XRANGE` reply, their ids set from the stream ids.
    static func historyEntries(_ reply: RESPValue, of runID: RunID) throws -> [HistoryEntry] {
        guard let items = reply.array else { throw malformedReply("history", reply) }
        return try items.map { item -> HistoryEntry in
            guard let parts = item.array, parts.count == 2, let streamID = parts[0].string,
                let fields = parts[1].pairs, let json = fields.first(where: { $0.key.string == "e" })?.value.string
            else { throw malformedReply("history", item) }
            var entry = try RedisStoreCodec.decode(HistoryEntry.self, from: json, what: "history of \(runID)")
            entry.id = streamID
            return entry
        }
    }

    /// The newest `limit` history entries (all retained, at most the cap, when 0), oldest first.
    public func history(of runID: RunID, limit: Int) async throws -> [HistoryEntry] {
        try await redis("history read") {
            let key = keys.history(runID)
            // `XADD MAXLEN ~` trims whole stream nodes, so the stream may hold a few more than
            // `historyCap` entries; reads never show more than the cap.
            let count = limit > 0 ? min(limit, historyCap) : historyCap
            let reply = try await client.send(
                RedisCommand("XREVRANGE", .string(key), "+", "-", "COUNT", .integer(Int64(count))))
            var entries = try Self.historyEntries(reply, of: runID)
            entries.reverse()
            return entries
        }
    }

    /// Claims due timers of `partition` under a lease held by `holder` (one Lua script).
    public func claimDueTimers(partition: Int, now: Timestamp, lease: Duration, limit: Int, holder: LeaseHolder?) async throws -> [DueTimer] {
        guard limit > 0, (0..<keys.partitionCount).contains(partition) else { return [] }
        let leaseUntil = now + lease
        return try await redis("timer claim") {
            let reply = try await client.evalScript(
                RedisStoreScripts.claimTimers, keys: [keys.timers(partition: partition), keys.leases(partition: partition)],
                arguments: [
                    .integer(now.unixMilliseconds), .integer(leaseUntil.unixMilliseconds), .integer(Int64(limit)),
                    .string(holder?.description ?? ""),
                ])
            guard let flat = reply.array, flat.count % 2 == 0 else { throw malformedReply("timer claim", reply) }
            var timers: [DueTimer] = []
            for index in stride(from: 0, to: flat.count, by: 2) {
                guard let member = flat[index].string, let score = flat[index + 1].string.flatMap(Double.init) else {
                    throw malformedReply("timer claim", reply)
                }
                let runID = try RunID(parsing: member)
                timers.append(DueTimer(runID: runID, dueAt: Timestamp(unixMilliseconds: Int64(score))))
            }
            return timers
        }
    }

    /// Puts the run's timer back to its record's due time if the run still has `version`.
    public func restoreTimer(of runID: RunID, version: UInt64) async throws {
        try await redis("timer restore") {
            _ = try await client.evalScript(
                RedisStoreScripts.restoreTimer, keys: [keys.run(runID), keys.timers(of: runID), keys.leases(of: runID)],
                arguments: [.string(String(version)), .string(runID.description)])
        }
    }
}
