import LoomRedis

/// The Lua scripts of ``RedisStore``: every read-modify-write is one of these, so it runs
/// atomically inside Redis. Each touches only keys of one hash tag (one cluster slot).
enum RedisStoreScripts {
    /// KEYS: migration, candidates, statuses. ARGV: definition, hasOwner (0/1), owner, now ms,
    /// schema version, then (candidate id, candidate JSON) pairs to add when absent.
    /// Returns {'denied', storedOwner} or {'ok', created, migration hash, candidates hash, statuses hash}.
    static let announce = RedisScript(
        """
        local exists = redis.call('EXISTS', KEYS[1]) == 1
        local created = 0
        if exists then
          local stored = redis.call('HGET', KEYS[1], 'owner') or ''
          if ARGV[2] == '1' and stored ~= '' and stored ~= ARGV[3] then
            return {'denied', stored}
          end
          redis.call('HSET', KEYS[1], 'def', ARGV[1], 'updatedAt', ARGV[4], 'v', ARGV[5])
        else
          local owner = ''
          if ARGV[2] == '1' then owner = ARGV[3] end
          redis.call('HSET', KEYS[1], 'def', ARGV[1], 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'owner', owner, 'v', ARGV[5])
          created = 1
        end
        for i = 6, #ARGV, 2 do
          if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then
            redis.call('HSET', KEYS[3], ARGV[i], 'not_started')
          end
        end
        return {'ok', created, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])}
        """)

    /// KEYS: migration, candidates, statuses. ARGV: (candidate id, candidate JSON) pairs.
    /// Returns {'notfound'} or {'ok', accepted, {skipped ids}}.
    static let submitCandidates = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
        local accepted = 0
        local skipped = {}
        for i = 1, #ARGV, 2 do
          local status = redis.call('HGET', KEYS[3], ARGV[i])
          if status == 'running' or status == 'completed' then
            skipped[#skipped + 1] = ARGV[i]
          else
            redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
            redis.call('HSET', KEYS[3], ARGV[i], 'not_started')
            accepted = accepted + 1
          end
        end
        return {'ok', accepted, skipped}
        """)

    /// KEYS: run, timers, history, candidate statuses.
    /// ARGV: expected version, new version, record, timer due ms ('' for none), run id,
    /// candidate id, status mode ('none' | 'set' | 'require'), new status, allowed statuses
    /// (comma-separated), history cap, schema version, then history entries.
    /// Returns {'conflict', record or false}, {'candidate', status or false} or {'ok', {entry ids}}.
    static let applyRun = RedisScript(
        """
        local current = redis.call('HGET', KEYS[1], 'version')
        if (current == false and ARGV[1] ~= '0') or (current ~= false and current ~= ARGV[1]) then
          return {'conflict', redis.call('HGET', KEYS[1], 'record')}
        end
        if ARGV[7] ~= 'none' then
          local status = redis.call('HGET', KEYS[4], ARGV[6])
          if ARGV[7] == 'require' then
            local allowed = false
            if status then
              for s in string.gmatch(ARGV[9], '[^,]+') do
                if s == status then allowed = true end
              end
            end
            if not allowed then return {'candidate', status} end
          end
          if status then redis.call('HSET', KEYS[4], ARGV[6], ARGV[8]) end
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3], 'timer', ARGV[4], 'v', ARGV[11])
        if ARGV[4] == '' then
          redis.call('ZREM', KEYS[2], ARGV[5])
        else
          redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
        end
        local ids = {}
        for i = 12, #ARGV do
          ids[#ids + 1] = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*', 'e', ARGV[i])
        end
        return {'ok', ids}
        """)

    /// KEYS: timers. ARGV: now ms, lease-until ms, limit.
    /// Returns {member, score, member, score, …} of the claimed entries, earliest first.
    static let claimTimers = RedisScript(
        """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
        for i = 1, #due, 2 do
          redis.call('ZADD', KEYS[1], ARGV[2], due[i])
        end
        return due
        """)

    /// KEYS: run, timers. ARGV: version, run id. Returns 1 when restored, 0 when the run moved on.
    static let restoreTimer = RedisScript(
        """
        if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
        local due = redis.call('HGET', KEYS[1], 'timer')
        if due == false or due == '' then
          redis.call('ZREM', KEYS[2], ARGV[2])
        else
          redis.call('ZADD', KEYS[2], due, ARGV[2])
        end
        return 1
        """)
}
