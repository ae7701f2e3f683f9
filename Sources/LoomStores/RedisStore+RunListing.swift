import LoomCore
import LoomRedis

/// Run listings (``RunStore/openRunListing(_:name:ttl:)``).
///
/// A listing of one migration copies nothing: it remembers the migration's run sequence at
/// its start, and each page merges the live index with the ghosts runs left behind when they
/// moved since (``RedisStoreScripts/runListingPage``), so opening costs O(1) and a page
/// O(page) whatever the number of runs. A listing across migrations copies each migration's
/// range into one untagged sorted set (so it works on Redis Cluster too) and pages it by rank.
extension RedisStore {
    /// How long ghosts stay: the listing lifetime the service promises, plus a margin for
    /// clocks and slow pages.
    static let ghostLifetime: Duration = Service.runListingLifetime + .seconds(60)

    /// See ``RunStore/openRunListing(_:name:limit:ttl:)``. One migration: `g<sequence>`; every
    /// migration: `s<name>`, a snapshot shared by listings of one name.
    public func openRunListing(_ selection: RunSelection, name: String, limit: Int, ttl: Duration) async throws -> RunListingOpening {
        if let migrationId = selection.migrationId {
            let (sequence, first) = try await ghostListingPage(selection, migrationId: migrationId, sequence: nil, after: nil, limit: max(limit, 1))
            return RunListingOpening(listing: "g\(sequence)", first: first)
        }
        _ = try await snapshotAcrossMigrations(selection, destination: keys.listing(name), ttl: ttl)
        let first = try await runListingPage(selection, listing: "s" + name, after: nil, limit: limit, ttl: ttl)
        return RunListingOpening(listing: "s" + name, first: first ?? RunListingPage(entries: [], next: nil))
    }

    /// See ``RunStore/runListingPage(_:listing:after:limit:ttl:)``. A cursor is `<score>|<run id>`
    /// in a listing of one migration, a rank in a snapshot.
    public func runListingPage(_ selection: RunSelection, listing: String, after: String?, limit: Int, ttl: Duration) async throws
        -> RunListingPage?
    {
        guard limit > 0 else { return RunListingPage(entries: [], next: after) }
        if listing.hasPrefix("g"), let migrationId = selection.migrationId, let sequence = UInt64(listing.dropFirst()) {
            return try await ghostListingPage(selection, migrationId: migrationId, sequence: sequence, after: after, limit: limit).page
        }
        guard listing.hasPrefix("s"), selection.migrationId == nil else { return nil }
        let offset = after.map { Int($0) } ?? 0
        guard let offset, offset >= 0 else { return nil }
        let key = keys.listing(String(listing.dropFirst()))
        return try await redis("run listing") {
            let replies = try await client.transaction([
                RedisCommand("PEXPIRE", .string(key), .integer(ttl.wholeMilliseconds)),
                RedisCommand("ZRANGE", .string(key), .integer(Int64(offset)), .integer(Int64(offset + limit)), "REV"),
            ])
            guard replies.count == 2, let exists = replies[0].int else { throw malformedReply("run listing", .array(replies)) }
            guard exists == 1 else { return nil }
            var ids = try (replies[1].array ?? []).compactMap(\.string).map { try RunID(parsing: $0) }
            let more = ids.count > limit
            ids = Array(ids.prefix(limit))
            let runs = try await currentRunsByID(ids)
            var entries: [RunListingPage.Entry] = []
            for (position, id) in ids.enumerated() {
                if let run = runs[id] { entries.append(RunListingPage.Entry(run: run, cursor: String(offset + position + 1))) }
            }
            return RunListingPage(entries: entries, next: more ? String(offset + ids.count) : nil)
        }
    }

    /// One page of a listing of one migration (``RedisStoreScripts/runListingPage``); with no
    /// `sequence`, opens the listing. Returns the listing's sequence with the page.
    private func ghostListingPage(_ selection: RunSelection, migrationId: String, sequence: UInt64?, after: String?, limit: Int)
        async throws -> (sequence: UInt64, page: RunListingPage)
    {
        var cursorScore = ""
        var cursorID = ""
        if let after {
            guard let bar = after.firstIndex(of: "|"), let score = Int64(after[..<bar]) else {
                throw LoomError.invalidArgument("page_token is not a token of this listing (same migration and filters)")
            }
            cursorScore = String(score)
            cursorID = String(after[after.index(after: bar)...])
        }
        let (minimum, maximum) = Self.scoreRange(selection)
        // Update-index ghosts score below 10¹³, status-index ghosts above: bound the first kind.
        let ghostMaximum = selection.status == nil && selection.updatedBefore == nil ? "(10000000000000" : maximum
        let index = selection.status == nil ? keys.runIndex(migrationId) : keys.runStatusIndex(migrationId)
        return try await redis("run listing") {
            let reply = try await client.evalScript(
                RedisStoreScripts.runListingPage,
                keys: [index, keys.runSequence(migrationId), keys.runListingFlag(migrationId), keys.runMoves(migrationId)],
                arguments: [
                    .string(sequence.map(String.init) ?? ""), .string(cursorScore.isEmpty ? maximum : cursorScore), .string(minimum),
                    .string(cursorScore.isEmpty ? ghostMaximum : cursorScore), .string(minimum), .string(cursorScore),
                    .string(cursorID), .integer(Int64(limit)), .string(keys.runGhostBucketPrefix(migrationId)),
                    .string(selection.status == nil ? "u" : "s"), .integer(Self.ghostLifetime.wholeMilliseconds),
                ])
            guard var items = reply.array, let listed = items.popLast()?.int, let more = items.popLast()?.int, items.count % 2 == 0,
                listed >= 0
            else { throw malformedReply("run listing", reply) }
            var ids: [(RunID, String)] = []
            for index in stride(from: 0, to: items.count, by: 2) {
                guard let member = items[index].string, let score = items[index + 1].string else { throw malformedReply("run listing", reply) }
                ids.append((try RunID(parsing: member), score + "|" + member))
            }
            let runs = try await currentRunsByID(ids.map(\.0))
            let entries = ids.compactMap { id, cursor in runs[id].map { RunListingPage.Entry(run: $0, cursor: cursor) } }
            return (UInt64(listed), RunListingPage(entries: entries, next: more == 1 ? ids.last?.1 ?? after : nil))
        }
    }

    /// Copies each migration's selected range into `destination` (kept `ttl`), unless a listing
    /// of the same name made it already. Returns the number of runs in it.
    private func snapshotAcrossMigrations(_ selection: RunSelection, destination: String, ttl: Duration) async throws -> Int {
        let (minimum, maximum) = Self.scoreRange(selection)
        let lifetime = ttl.wholeMilliseconds
        let source = { (id: String) in selection.status == nil ? self.keys.runIndex(id) : self.keys.runStatusIndex(id) }
        return try await redis("run listing") {
            if let existing = try await client.send(RedisCommand("ZCARD", .string(destination))).int, existing > 0 {
                _ = try await client.send(RedisCommand("PEXPIRE", .string(destination), .integer(lifetime)))
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

    /// ``currentRuns(_:)`` by id.
    private func currentRunsByID(_ ids: [RunID]) async throws -> [RunID: Run] {
        Dictionary(try await currentRuns(ids).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
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
