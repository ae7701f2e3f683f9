import LoomCore
import LoomRedis

extension RedisStoreScripts {
    /// KEYS: timers, lease holders. ARGV: `<replica>/` (the holder prefix of the replica),
    /// the new holder, lease-until ms.
    /// Returns {member, score, …} of the timers taken over (their score before).
    static let takeOverLeases = RedisScript(
        """
        local held = redis.call('HGETALL', KEYS[2])
        local taken = {}
        for i = 1, #held, 2 do
          local id, holder = held[i], held[i + 1]
          if holder ~= ARGV[2] and string.sub(holder, 1, #ARGV[1]) == ARGV[1] then
            local score = redis.call('ZSCORE', KEYS[1], id)
            if score then
              redis.call('ZADD', KEYS[1], ARGV[3], id)
              redis.call('HSET', KEYS[2], id, ARGV[2])
              taken[#taken + 1] = id
              taken[#taken + 1] = score
            else
              redis.call('HDEL', KEYS[2], id)
            end
          end
        end
        return taken
        """)

    /// KEYS: replica. ARGV: expected value ('' for none), new value, ttl ms.
    /// Returns 1 when registered, 0 when the current value is not the expected one.
    static let registerReplica = RedisScript(
        """
        local current = redis.call('GET', KEYS[1]) or ''
        if current ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """)

    /// KEYS: replica. ARGV: incarnation, ttl ms.
    /// Returns 1 when renewed (or registered again after it lapsed), 0 when another
    /// incarnation holds it.
    static let renewReplica = RedisScript(
        """
        local current = redis.call('GET', KEYS[1])
        if not current then
          redis.call('SET', KEYS[1], ARGV[1] .. ':0', 'PX', ARGV[2])
          return 1
        end
        local incarnation, beats = string.match(current, '^([^:]*):(%d+)$')
        if incarnation ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], incarnation .. ':' .. string.format('%d', tonumber(beats) + 1), 'PX', ARGV[2])
        return 1
        """)

    /// KEYS: replica. ARGV: incarnation. Deletes the registration if it is that incarnation's.
    static let unregisterReplica = RedisScript(
        """
        local current = redis.call('GET', KEYS[1])
        if current and string.sub(current, 1, #ARGV[1] + 1) == ARGV[1] .. ':' then
          redis.call('DEL', KEYS[1])
        end
        return 1
        """)
}

extension RedisStore {
    /// Takes over the leases of `partition` held by earlier incarnations of `replica` (one Lua
    /// script over the partition's lease-holder hash).
    public func takeOverLeases(
        partition: Int, of replica: String, for holder: LeaseHolder, now: Timestamp, lease: Duration
    ) async throws -> [DueTimer] {
        guard (0..<keys.partitionCount).contains(partition) else { return [] }
        return try await redis("lease takeover") {
            let reply = try await client.evalScript(
                RedisStoreScripts.takeOverLeases, keys: [keys.timers(partition: partition), keys.leases(partition: partition)],
                arguments: [.string(replica + "/"), .string(holder.description), .integer((now + lease).unixMilliseconds)])
            guard let flat = reply.array, flat.count % 2 == 0 else { throw malformedReply("lease takeover", reply) }
            var timers: [DueTimer] = []
            for index in stride(from: 0, to: flat.count, by: 2) {
                guard let member = flat[index].string, let score = flat[index + 1].string.flatMap(Double.init) else {
                    throw malformedReply("lease takeover", reply)
                }
                timers.append(DueTimer(runID: try RunID(parsing: member), dueAt: Timestamp(unixMilliseconds: Int64(score)), takenOver: true))
            }
            return timers.sorted { $0.runID < $1.runID }
        }
    }

    /// The live registration of `replica` (`<incarnation>:<beats>` at its key), if any.
    public func replicaRegistration(_ replica: String, now: Timestamp) async throws -> ReplicaRegistration? {
        try await redis("replica registration") {
            let reply = try await client.send(RedisCommand("GET", .string(keys.replica(replica))))
            guard let text = reply.presentValue?.string else { return nil }
            guard let registration = Self.registration(text) else { throw malformedReply("replica registration", reply) }
            return registration
        }
    }

    /// Registers `holder` if the registration of its replica is `expected` (a compare-and-set script).
    public func registerReplica(_ holder: LeaseHolder, replacing expected: ReplicaRegistration?, now: Timestamp, ttl: Duration) async throws -> Bool {
        try await redis("replica registration") {
            let reply = try await client.evalScript(
                RedisStoreScripts.registerReplica, keys: [keys.replica(holder.replica)],
                arguments: [
                    .string(expected.map { "\($0.incarnation):\($0.beats)" } ?? ""), .string("\(holder.incarnation):0"),
                    .integer(max(1, ttl.wholeMilliseconds)),
                ])
            guard let done = reply.int else { throw malformedReply("replica registration", reply) }
            return done == 1
        }
    }

    /// One heartbeat of `holder` (a script: counts a beat unless another incarnation holds the id).
    public func renewReplica(_ holder: LeaseHolder, now: Timestamp, ttl: Duration) async throws -> Bool {
        try await redis("replica heartbeat") {
            let reply = try await client.evalScript(
                RedisStoreScripts.renewReplica, keys: [keys.replica(holder.replica)],
                arguments: [.string(holder.incarnation), .integer(max(1, ttl.wholeMilliseconds))])
            guard let done = reply.int else { throw malformedReply("replica heartbeat", reply) }
            return done == 1
        }
    }

    /// Removes `holder`'s registration if it is still its own.
    public func unregisterReplica(_ holder: LeaseHolder) async throws {
        try await redis("replica unregistration") {
            _ = try await client.evalScript(
                RedisStoreScripts.unregisterReplica, keys: [keys.replica(holder.replica)], arguments: [.string(holder.incarnation)])
        }
    }

    /// Parses `<incarnation>:<beats>`.
    static func registration(_ text: String) -> ReplicaRegistration? {
        guard let colon = text.lastIndex(of: ":"), let beats = UInt64(text[text.index(after: colon)...]) else { return nil }
        return ReplicaRegistration(incarnation: String(text[..<colon]), beats: beats)
    }
}
