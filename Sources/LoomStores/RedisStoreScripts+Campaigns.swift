import LoomRedis

extension RedisStoreScripts {
    /// KEYS: campaign record, member statuses, member generations, member inputs, order, pending,
    /// counts, history, campaign timers, the migration's campaign index.
    /// ARGV: campaign id, n (record field pairs that follow), the n pairs, history cap, event
    /// JSON, timer due ms ('' for none), then candidate id and inputs JSON ('' for none) per member.
    /// Returns {'conflict'} when the campaign exists, else {'ok'}. The members are unique (checked
    /// by the caller: a Lua error would leave a partial write).
    static let createCampaign = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 1 then return {'conflict'} end
        local n = tonumber(ARGV[2])
        local fields = {'version', '1'}
        for i = 3, 2 + 2 * n do fields[#fields + 1] = ARGV[i] end
        redis.call('HSET', KEYS[1], unpack(fields))
        local base = 3 + 2 * n
        local statuses, generations, inputs, order = {}, {}, {}, {}
        local position = 0
        local function flush()
          if #statuses > 0 then
            redis.call('HSET', KEYS[2], unpack(statuses))
            redis.call('HSET', KEYS[3], unpack(generations))
            redis.call('ZADD', KEYS[5], unpack(order))
            redis.call('ZADD', KEYS[6], unpack(order))
          end
          if #inputs > 0 then redis.call('HSET', KEYS[4], unpack(inputs)) end
          statuses, generations, inputs, order = {}, {}, {}, {}
        end
        for i = base + 3, #ARGV, 2 do
          local candidate = ARGV[i]
          statuses[#statuses + 1] = candidate
          statuses[#statuses + 1] = 'pending'
          generations[#generations + 1] = candidate
          generations[#generations + 1] = '0'
          if ARGV[i + 1] ~= '' then
            inputs[#inputs + 1] = candidate
            inputs[#inputs + 1] = ARGV[i + 1]
          end
          order[#order + 1] = position
          order[#order + 1] = candidate
          position = position + 1
          if #statuses >= 2000 then flush() end
        end
        flush()
        redis.call('HSET', KEYS[7], 'pending', position, 'running', 0, 'completed', 0, 'failed', 0, 'skipped', 0, 'cancelled', 0)
        redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[base], '*', 'e', ARGV[base + 1])
        if ARGV[base + 2] ~= '' then redis.call('ZADD', KEYS[9], ARGV[base + 2], ARGV[1]) end
        redis.call('ZADD', KEYS[10], 0, ARGV[1])
        return {'ok'}
        """)

    /// KEYS: campaign record, counts, history, campaign timers.
    /// ARGV: campaign id, expected version, new version, n (field pairs that follow), the pairs,
    /// history cap, event JSON, timer due ms ('' for none).
    /// Returns {'conflict', record fields, counts} or {'ok', counts} (fields and counts as flat
    /// `HGETALL` lists).
    static let updateCampaign = RedisScript(
        """
        if redis.call('HGET', KEYS[1], 'version') ~= ARGV[2] then
          return {'conflict', redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
        end
        local n = tonumber(ARGV[4])
        local fields = {'version', ARGV[3]}
        for i = 5, 4 + 2 * n do fields[#fields + 1] = ARGV[i] end
        redis.call('HSET', KEYS[1], unpack(fields))
        local base = 5 + 2 * n
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[base], '*', 'e', ARGV[base + 1])
        if ARGV[base + 2] == '' then
          redis.call('ZREM', KEYS[4], ARGV[1])
        else
          redis.call('ZADD', KEYS[4], ARGV[base + 2], ARGV[1])
        end
        return {'ok', redis.call('HGETALL', KEYS[2])}
        """)

    /// KEYS: ``applyRun``'s 17 (with the campaign's), then pending, starts, member start times,
    /// member notes.
    /// ARGV: now ms, the rate window's start ms (starts at or before it no longer count), then
    /// ``applyRun``'s arguments (with the campaign id and the run's generation).
    /// Returns {'refused'} (campaign not running, cap or rate reached, member not pending),
    /// {'skipped', candidate status or false}, or ``applyRun``'s reply.
    static let startCampaignMember = RedisScript(
        statusBands + "\n" + memberStatuses + "\n" + applyRunFunction + "\n" + """
        local inner = {}
        for i = 3, #ARGV do inner[#inner + 1] = ARGV[i] end
        local candidate, generation = inner[6], inner[20]
        if redis.call('HGET', KEYS[13], 'state') ~= 'running' then return {'refused'} end
        if redis.call('HGET', KEYS[14], candidate) ~= 'pending' then return {'refused'} end
        local cap = tonumber(redis.call('HGET', KEYS[13], 'cap') or '0')
        if tonumber(redis.call('HGET', KEYS[16], 'running') or '0') >= cap then return {'refused'} end
        redis.call('ZREMRANGEBYSCORE', KEYS[19], '-inf', ARGV[2])
        if redis.call('ZCARD', KEYS[19]) >= tonumber(redis.call('HGET', KEYS[13], 'rate') or '0') then return {'refused'} end
        local previous = redis.call('HGET', KEYS[15], candidate)
        redis.call('HSET', KEYS[15], candidate, generation)
        local reply = applyRun(KEYS, inner)
        if reply[1] == 'ok' then
          redis.call('ZREM', KEYS[18], candidate)
          redis.call('ZADD', KEYS[19], ARGV[1], candidate .. '#' .. generation)
          redis.call('HSET', KEYS[20], candidate, ARGV[1])
          return reply
        end
        redis.call('HSET', KEYS[15], candidate, previous or '0')
        if reply[1] == 'candidate' then
          redis.call('HSET', KEYS[14], candidate, 'skipped')
          redis.call('HINCRBY', KEYS[16], 'pending', -1)
          redis.call('HINCRBY', KEYS[16], 'skipped', 1)
          redis.call('ZREM', KEYS[18], candidate)
          local note = 'candidate does not exist'
          if reply[2] then note = 'candidate was ' .. reply[2] .. ' when the campaign reached it' end
          redis.call('HSET', KEYS[21], candidate, note)
          return {'skipped', note}
        end
        return reply
        """)

    /// KEYS: campaign timers. ARGV: now ms, lease-until ms, limit.
    /// Returns the claimed campaign ids, earliest first.
    static let claimCampaigns = RedisScript(
        """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        for i = 1, #due do redis.call('ZADD', KEYS[1], ARGV[2], due[i]) end
        return due
        """)

    /// KEYS: campaign timers. ARGV: campaign id, the lease-until ms of the claim, due ms ('' to
    /// remove). Leaves the timer alone when it is no longer the claim's (a run write woke it).
    static let settleCampaignTimer = RedisScript(
        """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if score == false or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
        if ARGV[3] == '' then
          redis.call('ZREM', KEYS[1], ARGV[1])
        else
          redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
        end
        return 1
        """)

    /// KEYS: member statuses, counts, pending, member notes. ARGV: candidate id, note.
    /// Returns 1 when the member was pending and is now skipped, else 0.
    static let skipCampaignMember = RedisScript(
        """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'pending' then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], 'skipped')
        redis.call('HINCRBY', KEYS[2], 'pending', -1)
        redis.call('HINCRBY', KEYS[2], 'skipped', 1)
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
        return 1
        """)

    /// KEYS: member statuses, counts, pending. Moves every pending member to cancelled (a
    /// thousand per call: the caller repeats while it returns 1000). Returns how many moved.
    static let cancelPendingCampaignMembers = RedisScript(
        """
        local ids = redis.call('ZRANGE', KEYS[3], 0, 999)
        if #ids == 0 then return 0 end
        local statuses = {}
        for i = 1, #ids do
          statuses[#statuses + 1] = ids[i]
          statuses[#statuses + 1] = 'cancelled'
        end
        redis.call('HSET', KEYS[1], unpack(statuses))
        redis.call('ZREM', KEYS[3], unpack(ids))
        redis.call('HINCRBY', KEYS[2], 'pending', -#ids)
        redis.call('HINCRBY', KEYS[2], 'cancelled', #ids)
        return #ids
        """)

    /// KEYS: member statuses, counts, pending, order. ARGV: candidate ids. Moves each that is failed back
    /// to pending at its start position. Returns how many moved.
    static let requeueFailedCampaignMembers = RedisScript(
        """
        local moved = 0
        for i = 1, #ARGV do
          if redis.call('HGET', KEYS[1], ARGV[i]) == 'failed' then
            redis.call('HSET', KEYS[1], ARGV[i], 'pending')
            redis.call('ZADD', KEYS[3], redis.call('ZSCORE', KEYS[4], ARGV[i]), ARGV[i])
            moved = moved + 1
          end
        end
        redis.call('HINCRBY', KEYS[2], 'failed', -moved)
        redis.call('HINCRBY', KEYS[2], 'pending', moved)
        return moved
        """)
}
