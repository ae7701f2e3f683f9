import LoomCore
import LoomRedis

extension RedisStore {
    /// Creates or updates a migration atomically (one Lua script); see ``MigrationStore/announce(_:newCandidates:owner:at:)``.
    public func announce(
        _ migration: Migration, newCandidates: [Candidate], owner: String?, at now: Timestamp
    ) async throws -> AnnounceOutcome {
        let definition = RedisStoreCodec.Definition(
            name: migration.name, description: migration.description, migratorUrl: migration.migratorUrl,
            requiredInputs: migration.requiredInputs, steps: migration.steps)
        var arguments: [RESPArgument] = [
            .string(RedisStoreCodec.encode(definition)), owner == nil ? "0" : "1", .string(owner ?? ""),
            .integer(now.unixMilliseconds), .integer(Int64(RedisStoreCodec.schemaVersion)),
            .integer(Int64(Self.countsLayout)),
        ]
        for candidate in newCandidates.lastOfEachID() {
            var fresh = candidate
            fresh.status = .notStarted
            fresh.inputs = [:]  // operator inputs live in their own hash
            arguments += [.string(candidate.id), .string(RedisStoreCodec.encode(fresh))]
        }
        let id = migration.id
        return try await redis("announce") {
            // The index is only ever added to, and is written first: a listing skips ids whose
            // definition is not there (yet), so it never misses a stored migration.
            try await client.send(RedisCommand("ZADD", .string(keys.migrationIndex), 0, .string(id)))
            let reply = try await client.evalScript(
                RedisStoreScripts.announce, keys: candidateKeys(id), arguments: arguments)
            guard let parts = reply.array, let verdict = parts.first?.string else { throw malformedReply("announce", reply) }
            if verdict == "denied" { throw LoomError.ownedByAnother(id) }
            guard verdict == "ok", parts.count == 4, let created = parts[1].int else { throw malformedReply("announce", reply) }
            var stored = try Self.migration(id: id, hash: parts[2].stringDictionary)
            stored.counts = try Self.counts(parts[3].stringDictionary, of: id)
            return AnnounceOutcome(migration: stored, created: created == 1)
        }
    }

    /// The migration's definition and counts, read in one `MULTI`/`EXEC` snapshot.
    public func migrationSummary(id: String) async throws -> Migration {
        try await redis("migration read") {
            let replies = try await client.transaction([
                RedisCommand("HGETALL", .string(keys.migration(id))),
                RedisCommand("HGETALL", .string(keys.counts(id))),
            ])
            guard replies.count == 2 else { throw malformedReply("migration read", .array(replies)) }
            let hash = replies[0].stringDictionary
            guard !hash.isEmpty else { throw LoomError.migrationNotFound(id) }
            var migration = try Self.migration(id: id, hash: hash)
            migration.counts = try Self.counts(replies[1].stringDictionary, of: id)
            return migration
        }
    }

    /// The migration without candidates.
    public func migrationDefinition(id: String) async throws -> Migration {
        try await redis("migration read") {
            let hash = try await client.send(RedisCommand("HGETALL", .string(keys.migration(id)))).stringDictionary
            guard !hash.isEmpty else { throw LoomError.migrationNotFound(id) }
            return try Self.migration(id: id, hash: hash)
        }
    }

    /// Up to `limit` migrations after `afterId`, by id, with their counts, without candidates.
    public func listMigrations(after afterId: String?, limit: Int) async throws -> [Migration] {
        guard limit > 0 else { return [] }
        return try await redis("migration listing") {
            var result: [Migration] = []
            var cursor = afterId.map { "(" + $0 } ?? "-"
            while result.count < limit {
                let want = limit - result.count
                let ids = try await client.send(
                    RedisCommand("ZRANGEBYLEX", .string(keys.migrationIndex), .string(cursor), "+", "LIMIT", 0, .integer(Int64(want)))
                ).array?.compactMap(\.string) ?? []
                guard let last = ids.last else { break }
                let replies = try await client.pipeline(
                    ids.flatMap { [RedisCommand("HGETALL", .string(keys.migration($0))), RedisCommand("HGETALL", .string(keys.counts($0)))] })
                for (position, id) in ids.enumerated() {
                    let reply = replies[2 * position], countsReply = replies[2 * position + 1]
                    for part in [reply, countsReply] { if case .error(let text) = part { throw RedisError.serverReply(text) } }
                    let hash = reply.stringDictionary
                    if hash.isEmpty { continue }  // indexed, but the announce did not land (yet)
                    var migration = try Self.migration(id: id, hash: hash)
                    migration.counts = try Self.counts(countsReply.stringDictionary, of: id)
                    result.append(migration)
                }
                if ids.count < want { break }
                cursor = "(" + last
            }
            return result
        }
    }

    /// Merges discovered candidates atomically (one Lua script).
    public func submitCandidates(migrationId: String, candidates: [Candidate]) async throws -> SubmitCandidatesOutcome {
        var arguments: [RESPArgument] = []
        for candidate in candidates.lastOfEachID() {
            var fresh = candidate
            fresh.status = .notStarted
            fresh.inputs = [:]  // operator inputs live in their own hash
            arguments += [.string(candidate.id), .string(RedisStoreCodec.encode(fresh))]
        }
        return try await redis("candidate submission") {
            let reply = try await client.evalScript(
                RedisStoreScripts.submitCandidates, keys: candidateKeys(migrationId), arguments: arguments)
            guard let parts = reply.array, let verdict = parts.first?.string else {
                throw malformedReply("submit candidates", reply)
            }
            if verdict == "notfound" { throw LoomError.migrationNotFound(migrationId) }
            guard verdict == "ok", parts.count == 3, let accepted = parts[1].int else {
                throw malformedReply("submit candidates", reply)
            }
            let skipped = (parts[2].array ?? []).compactMap(\.string).sorted()
            return SubmitCandidatesOutcome(accepted: Int(accepted), skippedIds: skipped)
        }
    }

    /// One candidate, read in one snapshot.
    public func candidate(migrationId: String, candidateId: String) async throws -> Candidate {
        try await redis("candidate read") {
            let replies = try await client.transaction([
                RedisCommand("EXISTS", .string(keys.migration(migrationId))),
                RedisCommand("HGET", .string(keys.candidates(migrationId)), .string(candidateId)),
                RedisCommand("HGET", .string(keys.candidateStatuses(migrationId)), .string(candidateId)),
                RedisCommand("HGET", .string(keys.candidateInputs(migrationId)), .string(candidateId)),
            ])
            guard replies.count == 4 else { throw malformedReply("candidate read", .array(replies)) }
            guard replies[0].int == 1 else { throw LoomError.migrationNotFound(migrationId) }
            guard let json = replies[1].presentValue?.string else {
                throw LoomError.candidateNotFound(candidateId, migrationId: migrationId)
            }
            var candidate = try RedisStoreCodec.decode(Candidate.self, from: json, what: "candidate")
            candidate.status = replies[2].presentValue?.string.flatMap(CandidateStatus.init(rawValue:)) ?? .notStarted
            candidate.inputs = try Self.inputs(replies[3], of: candidateId)
            return candidate
        }
    }

    /// Replaces a `not_started` candidate's inputs (one Lua script: status check and write).
    public func setCandidateInputs(migrationId: String, candidateId: String, inputs: [String: String]) async throws -> Candidate {
        try await redis("candidate inputs") {
            let reply = try await client.evalScript(
                RedisStoreScripts.setCandidateInputs,
                keys: [
                    keys.migration(migrationId), keys.candidates(migrationId), keys.candidateStatuses(migrationId),
                    keys.candidateInputs(migrationId),
                ],
                arguments: [.string(candidateId), .string(RedisStoreCodec.encode(RedisStoreCodec.Inputs(values: inputs)))])
            guard let parts = reply.array, let verdict = parts.first?.string else { throw malformedReply("candidate inputs", reply) }
            switch verdict {
            case "nomigration": throw LoomError.migrationNotFound(migrationId)
            case "nocandidate": throw LoomError.candidateNotFound(candidateId, migrationId: migrationId)
            case "status":
                let status = parts.count > 1 ? parts[1].string ?? "" : ""
                throw LoomError(
                    code: status == "completed" ? .alreadyCompleted : .alreadyRunning,
                    message: "candidate \"\(candidateId)\" is \(status); its inputs can change only before it starts")
            case "ok":
                guard parts.count == 2, let json = parts[1].string else { throw malformedReply("candidate inputs", reply) }
                var candidate = try RedisStoreCodec.decode(Candidate.self, from: json, what: "candidate \(candidateId)")
                candidate.status = .notStarted
                candidate.inputs = inputs
                return candidate
            default: throw malformedReply("candidate inputs", reply)
            }
        }
    }

    // MARK: - Decoding

    /// A candidate's inputs from its entry in the inputs hash (absent: none).
    static func inputs(_ reply: RESPValue, of id: String) throws -> [String: String] {
        guard let json = reply.presentValue?.string else { return [:] }
        return try RedisStoreCodec.decode(RedisStoreCodec.Inputs.self, from: json, what: "inputs of candidate \(id)").values
    }


    /// The keys the candidate-writing scripts touch, in their KEYS order.
    func candidateKeys(_ id: String) -> [String] {
        [
            keys.migration(id), keys.candidates(id), keys.candidateStatuses(id), keys.counts(id), keys.candidateIndex(id),
            keys.candidateStatusIndex(id),
        ]
    }

    static func migration(id: String, hash: [String: String]) throws -> Migration {
        try RedisStoreCodec.checkVersion(Int(hash["v"] ?? "") ?? -1, what: "migration \(id)")
        guard let json = hash["def"], let createdAt = hash["createdAt"].flatMap({ Int64($0) }),
            let updatedAt = hash["updatedAt"].flatMap({ Int64($0) })
        else { throw LoomError.internal("stored migration \(id) is incomplete") }
        let definition = try RedisStoreCodec.decode(RedisStoreCodec.Definition.self, from: json, what: "migration \(id)")
        return Migration(
            id: id, name: definition.name, description: definition.description, migratorUrl: definition.migratorUrl,
            requiredInputs: definition.requiredInputs, steps: definition.steps, createdAt: Timestamp(unixMilliseconds: createdAt),
            updatedAt: Timestamp(unixMilliseconds: updatedAt), owner: hash["owner"] ?? "")
    }

    /// The version of the counts and index layout; a migration whose counts hash carries an
    /// older one (or none: written before counts existed) is rebuilt by ``upgradeCounts()``.
    static let countsLayout = 2

    /// Parses a counts hash: `c:<candidate status>`, `r:<run status>`,
    /// `s:<step>:<step status>` → decimal count (unknown fields are ignored).
    static func counts(_ hash: [String: String], of id: String) throws -> MigrationCounts {
        var counts = MigrationCounts()
        var steps: [String: StepCounts] = [:]
        for (field, text) in hash {
            guard let value = Int64(text) else { continue }
            guard value >= 0 else { throw LoomError.internal("stored count \(field) of migration \(id) is negative (\(value)): run RecountMigration with repair") }
            let count = UInt64(value)
            if field.hasPrefix("c:"), let status = CandidateStatus(rawValue: String(field.dropFirst(2))) {
                counts.candidates[status] = count
            } else if field.hasPrefix("r:"), let status = RunStatus(rawValue: String(field.dropFirst(2))) {
                counts.runs[status] = count
            } else if field.hasPrefix("s:"), let colon = field.lastIndex(of: ":"), colon > field.index(field.startIndex, offsetBy: 2),
                let status = StepStatus(rawValue: String(field[field.index(after: colon)...]))
            {
                let name = String(field[field.index(field.startIndex, offsetBy: 2)..<colon])
                steps[name, default: StepCounts(stepName: name)][status] = count
            }
        }
        counts.steps = steps.values.sorted { $0.stepName < $1.stepName }
        return counts
    }
}
