import LoomRedis

/// The read-side scripts of ``RedisStore``: candidate pages, run listing pages and the
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

    /// KEYS: index (by update or by status), run sequence, listing flag, run moves (hash run id →
    /// sequence of its last move).
    /// ARGV: listing sequence ('' to open a listing), index score max (the cursor's score,
    /// inclusive, or the filter's bound), index score min, ghost score max, ghost score min,
    /// cursor score ('' for none), cursor run id, limit, ghost bucket key prefix, ghost kind
    /// ('u' or 's'), flag lifetime ms.
    /// Returns {{run id, score}…, more (0/1), listing sequence}: the next `limit` runs of the
    /// listing after the cursor, newest position first (ties by run id, byte order descending).
    ///
    /// A run belongs to a listing opened at sequence S at the position it held then: its live
    /// index entry if it has not moved since (its last move ≤ S), else the ghost its first later
    /// move left (`before` ≤ S < `after`). That set never changes while the listing lives, so
    /// pages read at different times neither skip nor repeat a run, and opening copies nothing.
    /// Ghosts live in buckets of 1024 moves (by `after`), so a page reads only the buckets of
    /// moves since its listing opened. Opening raises the flag (so moves leave ghosts while the
    /// listing can be read) and takes the migration's sequence; its first page is the live index
    /// alone, since nothing has moved since.
    static let runListingPage = RedisScript(
        """
        local opening = ARGV[1] == ''
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        local seq = current
        if opening then
          redis.call('SET', KEYS[3], '1', 'PX', ARGV[11])
        else
          seq = tonumber(ARGV[1])
        end
        local cs = ARGV[6] ~= '' and tonumber(ARGV[6]) or nil
        local cid = ARGV[7]
        local limit = tonumber(ARGV[8])
        local kind = ARGV[10]
        -- Byte order (Lua's own string order follows the server's locale).
        local function above(x, y)
          if x == y then return false end
          for i = 1, math.min(#x, #y) do
            local p, q = string.byte(x, i), string.byte(y, i)
            if p ~= q then return p > q end
          end
          return #x > #y
        end
        -- Reads up to `window` entries of one source after the cursor into `out`; returns the
        -- lowest score read when the source may hold more (nil when it was read to the end).
        local function collect(key, top, bottom, window, live, out)
          local extra = cs and redis.call('ZCOUNT', key, cs, cs) or 0
          local items = redis.call('ZRANGE', key, top, bottom, 'BYSCORE', 'REV', 'LIMIT', 0, window + extra, 'WITHSCORES')
          local moves = {}
          if live and seq < current then
            for first = 1, #items, 2000 do
              local ids = {}
              for i = first, math.min(first + 1999, #items), 2 do ids[#ids + 1] = items[i] end
              local got = redis.call('HMGET', KEYS[4], unpack(ids))
              for _, m in ipairs(got) do moves[#moves + 1] = m end
            end
          end
          for i = 1, #items, 2 do
            local score, id = tonumber(items[i + 1]), nil
            if live then
              if seq == current or tonumber(moves[(i + 1) / 2] or '0') <= seq then id = items[i] end
            else
              local run, before, after, k = string.match(items[i], '^(.+)|(%d+)|(%d+)|(%a)$')
              if run and k == kind and tonumber(before) <= seq and seq < tonumber(after) then id = run end
            end
            if id and not (cs and score == cs and not above(cid, id)) then out[#out + 1] = {score, id} end
          end
          if #items / 2 < window + extra then return nil end
          return tonumber(items[#items])
        end
        local buckets = {}
        if seq < current then
          for epoch = math.floor((seq + 1) / 1024), math.floor(current / 1024) do
            buckets[#buckets + 1] = ARGV[9] .. epoch
          end
        end
        local window = limit + 16
        while true do
          local found = {}
          local bound = collect(KEYS[1], ARGV[2], ARGV[3], window, true, found)
          for _, bucket in ipairs(buckets) do
            local b = collect(bucket, ARGV[4], ARGV[5], window, false, found)
            if b and (not bound or b > bound) then bound = b end
          end
          local page = {}
          for _, e in ipairs(found) do
            if not bound or e[1] > bound then page[#page + 1] = e end
          end
          table.sort(page, function(x, y)
            if x[1] ~= y[1] then return x[1] > y[1] end
            return above(x[2], y[2])
          end)
          if #page >= limit or not bound then
            local reply = {}
            for i = 1, math.min(limit, #page) do
              reply[#reply + 1] = page[i][2]
              reply[#reply + 1] = string.format('%d', page[i][1])
            end
            local more = (#page > limit or bound) and 1 or 0
            reply[#reply + 1] = more
            reply[#reply + 1] = seq
            return reply
          end
          window = window * 4
        end
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
        local function escape(id)
          return (string.gsub(id, '[^%w%._%-]', function(c) return string.format('%%%02X', string.byte(c)) end))
        end
        local function inc(field) counts[field] = (counts[field] or 0) + 1 end
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
