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
}
