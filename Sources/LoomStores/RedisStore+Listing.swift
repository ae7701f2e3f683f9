import LoomCore
import LoomRedis

extension RedisStore {
    /// One bounded pass over the candidate index (or the status index) in id order (one Lua
    /// script: range and records read together).
    public func candidatePage(
        migrationId: String, filter: CandidateFilter, after afterId: String?, limit: Int, scanLimit: Int
    ) async throws -> CandidateScan {
        guard limit > 0 else { return CandidateScan(candidates: [], resumeAfter: afterId) }
        let base = filter.status.map { $0.rawValue + ":" } ?? ""
        var lower = filter.idPrefix.isEmpty ? (base.isEmpty ? "-" : "[" + base) : "[" + base + filter.idPrefix
        if let afterId, afterId >= filter.idPrefix { lower = "(" + base + afterId }
        // Candidate ids are ASCII, so U+00FF (UTF-8 C3 BF) sorts after every id with the prefix;
        // the status index's next status starts after `<status>;` (`;` follows `:`).
        let upper =
            !filter.idPrefix.isEmpty ? "(" + base + filter.idPrefix + "\u{FF}"
            : filter.status.map { "(" + $0.rawValue + ";" } ?? "+"
        let examine = filter.needsRecords ? max(limit, scanLimit) : limit
        let index = filter.status == nil ? keys.candidateIndex(migrationId) : keys.candidateStatusIndex(migrationId)
        return try await redis("candidate listing") {
            let reply = try await client.evalScript(
                RedisStoreScripts.candidatePage,
                keys: [
                    index, keys.candidates(migrationId), keys.candidateStatuses(migrationId), keys.migration(migrationId),
                    keys.candidateInputs(migrationId),
                ],
                arguments: [.string(lower), .string(upper), .integer(Int64(examine + 1)), .integer(Int64(base.utf8.count))])
            guard let parts = reply.array, let verdict = parts.first?.string else { throw malformedReply("candidate listing", reply) }
            if verdict == "notfound" { throw LoomError.migrationNotFound(migrationId) }
            guard verdict == "ok", parts.count == 5, let ids = parts[1].array, let records = parts[2].array,
                let statuses = parts[3].array, let inputs = parts[4].array, ids.count == records.count, ids.count == statuses.count,
                ids.count == inputs.count
            else { throw malformedReply("candidate listing", reply) }
            let more = ids.count > examine
            var page: [Candidate] = []
            for position in 0..<min(ids.count, examine) {
                guard let id = ids[position].string else { throw malformedReply("candidate listing", reply) }
                // Indexed but not stored: cannot happen (both are written by one script); skip defensively.
                guard let json = records[position].presentValue?.string else { continue }
                var candidate = try RedisStoreCodec.decode(Candidate.self, from: json, what: "candidate \(id)")
                candidate.status = statuses[position].presentValue?.string.flatMap(CandidateStatus.init(rawValue:)) ?? .notStarted
                candidate.inputs = try Self.inputs(inputs[position], of: id)
                guard filter.matches(candidate) else { continue }
                page.append(candidate)
                if page.count == limit {
                    return CandidateScan(candidates: page, resumeAfter: position + 1 < ids.count ? id : nil)
                }
            }
            let last = min(ids.count, examine) - 1
            return CandidateScan(candidates: page, resumeAfter: more && last >= 0 ? ids[last].string : nil)
        }
    }

    /// Recounts the migration from its records (one Lua script), optionally repairing.
    public func recountMigration(id: String, repair: Bool) async throws -> CountCheck {
        try await redis("recount") {
            let reply = try await client.evalScript(
                RedisStoreScripts.recount,
                keys: [
                    keys.migration(id), keys.candidateStatuses(id), keys.counts(id), keys.candidateIndex(id),
                    keys.candidateStatusIndex(id), keys.runIndex(id), keys.runStatusIndex(id),
                ],
                arguments: [
                    repair ? "1" : "0", .string(keys.runKeyPrefix(id)), .integer(Int64(Self.countsLayout)), .string(id + "__"),
                ])
            guard let parts = reply.array, let verdict = parts.first?.string else { throw malformedReply("recount", reply) }
            if verdict == "notfound" { throw LoomError.migrationNotFound(id) }
            guard verdict == "ok", parts.count == 3 else { throw malformedReply("recount", reply) }
            // The stored counts may be negative only if they drifted; report them as zero here.
            let stored = try Self.counts(parts[1].stringDictionary.filter { !($0.value.hasPrefix("-")) }, of: id)
            let recounted = try Self.counts(parts[2].stringDictionary, of: id)
            return CountCheck(stored: stored, recounted: recounted, repaired: repair)
        }
    }

    /// Rebuilds the counts and indexes of every migration whose counts layout is older than
    /// this version's (data written before counts existed); idempotent and safe to run on
    /// several replicas at once. Returns the ids of the migrations rebuilt.
    public func upgradeCounts() async throws -> [String] {
        var upgraded: [String] = []
        var cursor = "-"
        while true {
            let ids = try await redis("counts upgrade") {
                try await client.send(
                    RedisCommand("ZRANGEBYLEX", .string(keys.migrationIndex), .string(cursor), "+", "LIMIT", 0, 200)
                ).array?.compactMap(\.string) ?? []
            }
            guard let last = ids.last else { break }
            let layouts = try await redis("counts upgrade") {
                try await client.pipeline(ids.map { RedisCommand("HGET", .string(keys.counts($0)), "_layout") })
            }
            for (id, layout) in zip(ids, layouts) where (layout.presentValue?.string).flatMap(Int.init) ?? 0 < Self.countsLayout {
                do {
                    _ = try await recountMigration(id: id, repair: true)
                    upgraded.append(id)
                } catch let error as LoomError where error.code == .notFound {
                    continue  // indexed, but its announce never landed
                }
            }
            cursor = "(" + last
        }
        return upgraded
    }

    /// Snapshots the selected runs into a sorted set that expires after `ttl`: with one
    /// migration, `ZRANGESTORE` inside Redis; across migrations, each migration's range is read
    /// and written into one untagged set (so it works on Redis Cluster too).
    public func snapshotRuns(_ selection: RunSelection, listing: String, ttl: Duration) async throws -> Int {
        let (minimum, maximum) = Self.scoreRange(selection)
        let lifetime = Int64(ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
        let destination = keys.listing(listing, migrationId: selection.migrationId)
        let source = { (id: String) in selection.status == nil ? self.keys.runIndex(id) : self.keys.runStatusIndex(id) }
        return try await redis("run listing") {
            if let migrationId = selection.migrationId {
                let reply = try await client.evalScript(
                    RedisStoreScripts.snapshotRuns, keys: [source(migrationId), destination],
                    arguments: [.string(minimum), .string(maximum), .integer(lifetime)])
                guard let count = reply.int else { throw malformedReply("run listing", reply) }
                return Int(count)
            }
            if let existing = try await client.send(RedisCommand("ZCARD", .string(destination))).int, existing > 0 {
                return Int(existing)
            }
            var total = 0
            var cursor = "-"
            while true {
                let ids = try await client.send(
                    RedisCommand("ZRANGEBYLEX", .string(keys.migrationIndex), .string(cursor), "+", "LIMIT", 0, 100)
                ).array?.compactMap(\.string) ?? []
                guard let last = ids.last else { break }
                let ranges = try await client.pipeline(
                    ids.map { RedisCommand("ZRANGE", .string(source($0)), .string(minimum), .string(maximum), "BYSCORE", "WITHSCORES") })
                var pending: [RESPArgument] = []
                for range in ranges {
                    if case .error(let text) = range { throw RedisError.serverReply(text) }
                    for (member, score) in Self.scoredMembers(range) {
                        pending += [.string(score), .string(member)]
                        total += 1
                        if pending.count >= 2000 { try await addToSnapshot(destination, &pending, lifetime: lifetime) }
                    }
                }
                try await addToSnapshot(destination, &pending, lifetime: lifetime)
                cursor = "(" + last
            }
            return total
        }
    }

    /// `ZRANGE … WITHSCORES` as (member, score) pairs: RESP2 sends one flat array, RESP3 an
    /// array of pairs with double scores.
    static func scoredMembers(_ reply: RESPValue) -> [(String, String)] {
        let items = reply.array ?? []
        if let first = items.first, first.array != nil {
            return items.compactMap { pair in
                guard let parts = pair.array, parts.count == 2, let member = parts[0].string else { return nil }
                let score: String? =
                    switch parts[1].withoutAttributes {
                    case .double(let value): String(Int64(value))
                    default: parts[1].string
                    }
                return score.map { (member, $0) }
            }
        }
        return stride(from: 0, to: items.count - 1, by: 2).compactMap { index in
            guard let member = items[index].string, let score = items[index + 1].string else { return nil }
            return (member, score)
        }
    }

    private func addToSnapshot(_ key: String, _ pending: inout [RESPArgument], lifetime: Int64) async throws {
        guard !pending.isEmpty else { return }
        _ = try await client.pipeline([
            RedisCommand("ZADD", arguments: [.string(key)] + pending), RedisCommand("PEXPIRE", .string(key), .integer(lifetime)),
        ])
        pending.removeAll(keepingCapacity: true)
    }

    /// The runs at ranks `offset ..< offset + limit` of a snapshot, newest update first.
    public func runSnapshotPage(listing: String, migrationId: String?, offset: Int, limit: Int, ttl: Duration) async throws -> [Run]? {
        guard offset >= 0, limit > 0 else { return [] }
        let key = keys.listing(listing, migrationId: migrationId)
        return try await redis("run listing") {
            let replies = try await client.transaction([
                RedisCommand("PEXPIRE", .string(key), .integer(ttl.wholeMilliseconds)),
                RedisCommand("ZRANGE", .string(key), .integer(Int64(offset)), .integer(Int64(offset + limit - 1)), "REV"),
            ])
            guard replies.count == 2, let exists = replies[0].int else { throw malformedReply("run listing", .array(replies)) }
            guard exists == 1 else { return nil }
            let ids = try (replies[1].array ?? []).compactMap(\.string).map { try RunID(parsing: $0) }
            guard !ids.isEmpty else { return [] }
            return try await currentRuns(ids)
        }
    }

    /// The current records of `ids`, in order (a missing one left out): one pipeline of
    /// `HMGET version record`; a record already decoded at that version is not decoded again
    /// (``DecodedRunCache``).
    func currentRuns(_ ids: [RunID]) async throws -> [Run] {
        let replies = try await client.pipeline(ids.map { RedisCommand("HMGET", .string(keys.run($0)), "version", "record") })
        var runs: [Run] = []
        runs.reserveCapacity(ids.count)
        for (id, reply) in zip(ids, replies) {
            if case .error(let text) = reply { throw RedisError.serverReply(text) }
            guard let parts = reply.array, parts.count == 2, let version = parts[0].presentValue?.string.flatMap(UInt64.init) else {
                continue
            }
            if let cached = runCache.run(id, version: version) {
                runs.append(cached)
            } else if let json = parts[1].presentValue?.string {
                let run = try RedisStoreCodec.decode(Run.self, from: json, what: "run \(id)")
                runCache.remember(run)
                runs.append(run)
            }
        }
        return runs
    }

    /// The score bounds of a selection in the run index (by update) or the status index
    /// (status band × 10¹³ + update).
    static func scoreRange(_ selection: RunSelection) -> (String, String) {
        let band: Int64 = selection.status.map { statusBand($0) * 10_000_000_000_000 } ?? 0
        let minimum = selection.updatedAfter.map { String(band + $0.unixMilliseconds) } ?? (band == 0 ? "-inf" : String(band))
        let maximum =
            selection.updatedBefore.map { "(" + String(band + $0.unixMilliseconds) }
            ?? (band == 0 ? "+inf" : "(" + String(band + 10_000_000_000_000))
        return (minimum, maximum)
    }

    /// The band of each run status in the status index (as in the scripts' `bands` table).
    static func statusBand(_ status: RunStatus) -> Int64 {
        switch status {
        case .running: 1
        case .waitingRetry: 2
        case .completed: 3
        case .cancelled: 4
        case .failed: 5
        }
    }
}
