import LoomRedis

/// The Lua scripts of ``RedisStore``: every read-modify-write is one of these, so it runs
/// atomically inside Redis. Each touches only keys of one hash tag (one cluster slot).
enum RedisStoreScripts {
    /// The count and index bookkeeping shared by the scripts that add candidates: a new
    /// candidate (no status yet) is counted `not_started` and indexed.
    /// KEYS[3] statuses, KEYS[4] counts, KEYS[5] candidate index, KEYS[6] status index.
    private static let addCandidate = """
        local function addCandidate(id)
          redis.call('HSET', KEYS[3], id, 'not_started')
          redis.call('HINCRBY', KEYS[4], 'c:not_started', 1)
          redis.call('ZADD', KEYS[5], 0, id)
          redis.call('ZADD', KEYS[6], 0, 'not_started:' .. id)
        end
        """

    /// KEYS: migration, candidates, statuses, counts, candidate index, status index.
    /// ARGV: definition, hasOwner (0/1), owner, now ms, schema version, counts layout, then
    /// (candidate id, candidate JSON) pairs to add when absent.
    /// Returns {'denied', storedOwner} or {'ok', created, migration hash, counts hash}.
    static let announce = RedisScript(
        addCandidate + "\n" + """
        local exists = redis.call('EXISTS', KEYS[1]) == 1
        local created = 0
        if exists then
          local stored = redis.call('HGET', KEYS[1], 'owner') or ''
          if stored ~= '' and (ARGV[2] ~= '1' or stored ~= ARGV[3]) then
            return {'denied'}
          end
          redis.call('HSET', KEYS[1], 'def', ARGV[1], 'updatedAt', ARGV[4], 'v', ARGV[5])
        else
          local owner = ''
          if ARGV[2] == '1' then owner = ARGV[3] end
          redis.call('HSET', KEYS[1], 'def', ARGV[1], 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'owner', owner, 'v', ARGV[5])
          redis.call('HSET', KEYS[4], '_layout', ARGV[6])
          created = 1
        end
        for i = 7, #ARGV, 2 do
          if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then addCandidate(ARGV[i]) end
        end
        return {'ok', created, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[4])}
        """)

    /// KEYS: migration, candidates, statuses, counts, candidate index, status index.
    /// ARGV: (candidate id, candidate JSON) pairs.
    /// Returns {'notfound'} or {'ok', accepted, {skipped ids}}.
    static let submitCandidates = RedisScript(
        addCandidate + "\n" + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
        local accepted = 0
        local skipped = {}
        for i = 1, #ARGV, 2 do
          local status = redis.call('HGET', KEYS[3], ARGV[i])
          if status == 'running' or status == 'completed' then
            skipped[#skipped + 1] = ARGV[i]
          else
            redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
            if not status then addCandidate(ARGV[i]) end
            accepted = accepted + 1
          end
        end
        return {'ok', accepted, skipped}
        """)

    /// The status bands of the run status index (score = band × 10¹³ + last update in ms).
    static let statusBands = """
        local bands = {running = 1, waiting_retry = 2, completed = 3, cancelled = 4, failed = 5}
        local function active(rs) return rs == 'running' or rs == 'waiting_retry' end
        """

    /// KEYS: run, timers, history, candidate statuses, counts, candidate status index, run
    /// index, run status index, lease holders, run sequence, listing flag, run moves.
    /// ARGV: expected version, new version, record, timer due ms ('' for none), run id,
    /// candidate id, status mode ('none' | 'set' | 'require'), new status, allowed statuses
    /// (comma-separated), history cap, schema version, run status, current step name ('' when
    /// none), its step status, last update ms, lease holder ('' when the timer is no lease, '='
    /// to leave the timer entry and its holder as they are),
    /// ghost lifetime ms, ghost bucket key prefix, the campaign id ('' when the run has none), the
    /// run's generation, then history entries. With a campaign, KEYS go on: campaign record,
    /// member statuses, member generations, campaign counts, campaign timers.
    /// Returns {'conflict', record or false}, {'candidate', status or false}, {'campaign', id} or
    /// {'ok', {entry ids}}.
    ///
    /// Besides the record, timer and history, it moves the candidate's status (counted and
    /// indexed) and the run's position (`rs`, `st`, `ss`, `up` fields; counted per run status
    /// and, while active, per step; indexed by last update and by status), so counts and
    /// indexes change in the same atomic step as the run. When the position moves, the run's
    /// `sq` (and its entry in the run moves hash) takes the next value of the migration's
    /// sequence, and while a listing is open the old positions stay behind as ghosts in the
    /// bucket of that value (see ``runListingPage``).
    static let applyRun = RedisScript(statusBands + "\n" + memberStatuses + "\n" + applyRunFunction + "\nreturn applyRun(KEYS, ARGV)")

    /// The member status a campaign run's status implies (``CampaignMemberStatus/init(runStatus:)``).
    static let memberStatuses = """
        local memberStatus = {running = 'running', waiting_retry = 'failed', failed = 'failed', completed = 'completed', cancelled = 'cancelled'}
        """

    /// ``applyRun`` as a Lua function `applyRun(KEYS, ARGV)`, which the campaign start script
    /// (``RedisStoreScripts/startCampaignMember``) calls inside its own checks. Needs
    /// ``statusBands`` and ``memberStatuses`` before it.
    static let applyRunFunction = """
        local function applyRun(KEYS, ARGV)
        local old = redis.call('HMGET', KEYS[1], 'version', 'rs', 'st', 'ss', 'up', 'sq')
        local current = old[1]
        if (current == false and ARGV[1] ~= '0') or (current ~= false and current ~= ARGV[1]) then
          return {'conflict', redis.call('HGET', KEYS[1], 'record')}
        end
        local status = false
        if ARGV[7] ~= 'none' then
          status = redis.call('HGET', KEYS[4], ARGV[6])
          if ARGV[7] == 'require' then
            local allowed = false
            if status then
              for s in string.gmatch(ARGV[9], '[^,]+') do
                if s == status then allowed = true end
              end
            end
            if not allowed then return {'candidate', status} end
          end
        end
        -- The campaign that started this generation of the run: its member moves with the run, and
        -- may not return to running while the campaign is at its cap.
        local member = false
        if ARGV[19] ~= '' and redis.call('HGET', KEYS[15], ARGV[6]) == ARGV[20] then
          member = redis.call('HGET', KEYS[14], ARGV[6])
          if memberStatus[ARGV[12]] == 'running' and member ~= 'running' then
            local cap = tonumber(redis.call('HGET', KEYS[13], 'cap') or '0')
            if tonumber(redis.call('HGET', KEYS[16], 'running') or '0') >= cap then return {'campaign', ARGV[19]} end
          end
        end
        if ARGV[7] ~= 'none' then
          if status and status ~= ARGV[8] then
            redis.call('HSET', KEYS[4], ARGV[6], ARGV[8])
            redis.call('HINCRBY', KEYS[5], 'c:' .. status, -1)
            redis.call('HINCRBY', KEYS[5], 'c:' .. ARGV[8], 1)
            redis.call('ZREM', KEYS[6], status .. ':' .. ARGV[6])
            redis.call('ZADD', KEYS[6], 0, ARGV[8] .. ':' .. ARGV[6])
          end
        end
        local function step(rs, st, ss, delta)
          if active(rs) and st ~= '' then
            local field = 's:' .. st .. ':' .. ss
            if redis.call('HINCRBY', KEYS[5], field, delta) == 0 then redis.call('HDEL', KEYS[5], field) end
          end
        end
        -- Most transitions (dispatch beats, metadata) keep the run's position: no count moves.
        if old[2] ~= ARGV[12] then
          if old[2] then redis.call('HINCRBY', KEYS[5], 'r:' .. old[2], -1) end
          redis.call('HINCRBY', KEYS[5], 'r:' .. ARGV[12], 1)
        end
        if old[2] ~= ARGV[12] or old[3] ~= ARGV[13] or old[4] ~= ARGV[14] then
          if old[2] then step(old[2], old[3] or '', old[4] or '', -1) end
          step(ARGV[12], ARGV[13], ARGV[14], 1)
        end
        local sq = old[6] or '0'
        if old[5] ~= ARGV[15] or old[2] ~= ARGV[12] then
          sq = redis.call('INCR', KEYS[10])
          redis.call('HSET', KEYS[12], ARGV[5], sq)
          if old[5] and old[2] and redis.call('EXISTS', KEYS[11]) == 1 then
            local tail = '|' .. (old[6] or '0') .. '|' .. sq
            local oldUp = tonumber(old[5])
            local bucket = ARGV[18] .. math.floor(sq / 1024)
            redis.call('ZADD', bucket, oldUp, ARGV[5] .. tail .. '|u', bands[old[2]] * 10000000000000 + oldUp, ARGV[5] .. tail .. '|s')
            redis.call('PEXPIRE', bucket, ARGV[17])
          end
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3], 'timer', ARGV[4], 'v', ARGV[11],
          'rs', ARGV[12], 'st', ARGV[13], 'ss', ARGV[14], 'up', ARGV[15], 'sq', sq)
        local up = tonumber(ARGV[15])
        redis.call('ZADD', KEYS[7], up, ARGV[5])
        redis.call('ZADD', KEYS[8], bands[ARGV[12]] * 10000000000000 + up, ARGV[5])
        if ARGV[16] == '=' and ARGV[4] ~= '' and redis.call('ZSCORE', KEYS[2], ARGV[5]) then
          -- The same dispatch stays in flight: its lease (due time and holder) stays as it is.
        elseif ARGV[4] == '' then
          redis.call('ZREM', KEYS[2], ARGV[5])
          redis.call('HDEL', KEYS[9], ARGV[5])
        else
          redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
          if ARGV[16] ~= '' and ARGV[16] ~= '=' then
            redis.call('HSET', KEYS[9], ARGV[5], ARGV[16])
          else
            redis.call('HDEL', KEYS[9], ARGV[5])
          end
        end
        if member then
          local target = memberStatus[ARGV[12]]
          if member ~= target then
            redis.call('HSET', KEYS[14], ARGV[6], target)
            redis.call('HINCRBY', KEYS[16], member, -1)
            redis.call('HINCRBY', KEYS[16], target, 1)
            if member == 'running' then redis.call('ZADD', KEYS[17], 'LT', ARGV[15], ARGV[19]) end
          end
        end
        local ids = {}
        for i = 21, #ARGV do
          ids[#ids + 1] = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*', 'e', ARGV[i])
        end
        return {'ok', ids}
        end
        """

    /// KEYS: timers, lease holders. ARGV: now ms, lease-until ms, limit, holder ('' for none).
    /// Returns {member, score, member, score, …} of the claimed entries, earliest first.
    static let claimTimers = RedisScript(
        """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
        for i = 1, #due, 2 do
          redis.call('ZADD', KEYS[1], ARGV[2], due[i])
          if ARGV[4] == '' then
            redis.call('HDEL', KEYS[2], due[i])
          else
            redis.call('HSET', KEYS[2], due[i], ARGV[4])
          end
        end
        return due
        """)

    /// KEYS: run, timers, lease holders. ARGV: version, run id. Returns 1 when restored (the
    /// lease released), 0 when the run moved on.
    static let restoreTimer = RedisScript(
        """
        if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
        local due = redis.call('HGET', KEYS[1], 'timer')
        if due == false or due == '' then
          redis.call('ZREM', KEYS[2], ARGV[2])
        else
          redis.call('ZADD', KEYS[2], due, ARGV[2])
        end
        redis.call('HDEL', KEYS[3], ARGV[2])
        return 1
        """)
}
