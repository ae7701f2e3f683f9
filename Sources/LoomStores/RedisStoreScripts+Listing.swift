import LoomRedis

/// The read-side scripts of ``RedisStore``: candidate pages, run listing snapshots and the
/// recount (with its repair) of a migration's counts and indexes.
extension RedisStoreScripts {
    /// KEYS: candidate index (or status index), candidates, statuses, migration, inputs.
    /// ARGV: lex min, lex max, count, length of the member prefix to strip (the `<status>:`
    /// of the status index, else 0).
    /// Returns {'notfound'} or {'ok', {ids}, {candidate JSON or false}, {status or false},
    /// {inputs JSON or false}}.
    static let candidatePage = RedisScript(
        """
        if redis.call('EXISTS', KEYS[4]) == 0 then return {'notfound'} end
        local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
        local strip = tonumber(ARGV[4])
        local ids = {}
        for i, member in ipairs(members) do ids[i] = string.sub(member, strip + 1) end
        if #ids == 0 then return {'ok', {}, {}, {}, {}} end
        return {'ok', ids, redis.call('HMGET', KEYS[2], unpack(ids)), redis.call('HMGET', KEYS[3], unpack(ids)),
          redis.call('HMGET', KEYS[5], unpack(ids))}
        """)

    /// KEYS: migration, candidates, statuses, inputs. ARGV: candidate id, inputs JSON.
    /// Returns {'nomigration'}, {'nocandidate'}, {'status', status} (not `not_started`) or
    /// {'ok', candidate JSON}.
    static let setCandidateInputs = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {'nomigration'} end
        local record = redis.call('HGET', KEYS[2], ARGV[1])
        if not record then return {'nocandidate'} end
        local status = redis.call('HGET', KEYS[3], ARGV[1]) or 'not_started'
        if status ~= 'not_started' then return {'status', status} end
        redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
        return {'ok', record}
        """)

    /// KEYS: source index (by update or by status), snapshot. ARGV: score min, score max
    /// (`(` for exclusive), lifetime ms. Returns the number of runs in the snapshot; an existing
    /// snapshot of that name is reused.
    static let snapshotRuns = RedisScript(
        """
        if redis.call('EXISTS', KEYS[2]) == 1 then return redis.call('ZCARD', KEYS[2]) end
        local count = redis.call('ZRANGESTORE', KEYS[2], KEYS[1], ARGV[1], ARGV[2], 'BYSCORE')
        if count > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
        return count
        """)

    /// KEYS: migration, statuses, counts, candidate index, status index, run index, run status
    /// index. ARGV: repair (0/1), run key prefix (`loom:{pN}:run:<migration>__`), counts layout,
    /// run id prefix (`<migration>__`).
    ///
    /// Recounts from the records in one atomic step: every candidate's status, and the run of
    /// every candidate that has one (its `rs`/`st`/`ss`/`up` fields, or, for a run written
    /// before those existed, its record). With repair, rewrites the counts, both candidate
    /// indexes, both run indexes and every run's position fields. Walks every candidate of the
    /// migration: it blocks Redis for a time proportional to the migration's size.
    /// Returns {'notfound'} or {'ok', stored counts hash, recounted counts hash}.
    static let recount = RedisScript(
        statusBands + "\n" + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
        local repair = ARGV[1] == '1'
        local stored = redis.call('HGETALL', KEYS[3])
        local statuses = redis.call('HGETALL', KEYS[2])
        local counts = {}
        local function inc(field) counts[field] = (counts[field] or 0) + 1 end
        local function escape(id)
          return (string.gsub(id, '[^%w%._%-]', function(c) return string.format('%%%02X', string.byte(c)) end))
        end
        if repair then redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]) end
        for i = 1, #statuses, 2 do
          local id, status = statuses[i], statuses[i + 1]
          inc('c:' .. status)
          if repair then
            redis.call('ZADD', KEYS[4], 0, id)
            redis.call('ZADD', KEYS[5], 0, status .. ':' .. id)
          end
          local runKey = ARGV[2] .. escape(id)
          local f = redis.call('HMGET', runKey, 'version', 'rs', 'st', 'ss', 'up')
          if f[1] then
            local rs, st, ss, up = f[2], f[3] or '', f[4] or '', f[5]
            if not rs then
              local run = cjson.decode(redis.call('HGET', runKey, 'record')).data
              rs, st, ss, up = run.status, '', '', run.updatedAt
              local steps = run.steps or {}
              local index = (run.currentStep or 0) + 1
              if active(rs) and index <= #steps then
                st = steps[index].name
                ss = 'in_progress'
                for _, result in ipairs(run.results or {}) do
                  if result.stepName == st then ss = result.status end
                end
              end
            end
            inc('r:' .. rs)
            if active(rs) and st ~= '' then inc('s:' .. st .. ':' .. ss) end
            if repair then
              local runId = ARGV[4] .. id
              redis.call('HSET', runKey, 'rs', rs, 'st', st, 'ss', ss, 'up', up)
              redis.call('ZADD', KEYS[6], up, runId)
              redis.call('ZADD', KEYS[7], bands[rs] * 10000000000000 + up, runId)
            end
          end
        end
        local flat = {}
        for field, value in pairs(counts) do
          flat[#flat + 1] = field
          flat[#flat + 1] = tostring(value)
        end
        if repair then
          redis.call('HSET', KEYS[3], '_layout', ARGV[3], unpack(flat))
        end
        return {'ok', stored, flat}
        """)
}
