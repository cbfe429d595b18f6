-- Shared by every script of narvik-redis; each script's own part follows it.
--
-- Layout (see keys.rs and frame.rs):
--   {prefix}session:{session_id}  a string framed as
--                                 {expires_at}:{user_id_len}:{user_id}{data}
--                                 (expires_at in Unix ms, user_id_len in bytes, data
--                                 the custom fields as JSON); expires by itself at
--                                 expires_at (SET ... PXAT)
--   {prefix}user:{user_id}        a sorted set: member the session id, score its
--                                 expires_at; expires no sooner than its latest
--                                 session
--
-- Scripts never decode the data: they read the user id and rewrite the leading
-- expires_at with string functions only (cjson would turn large integers into
-- floats). Numbers reach Redis as the strings they came in: Lua would print a large
-- number in exponent form.
--
-- Scripts build the keys of other sessions and indexes from prefixes passed in ARGV,
-- which a single Redis server allows (Redis Cluster would not: see the crate docs).
-- Needs Redis 7: TIME in a script that writes, PEXPIREAT ... GT / NX.

-- The frame of a session value: its expires_at (the text as stored) and user id;
-- nil when the value is not framed as above. Reads the same frames as frame.rs
-- `parse`: a value only Rust read would validate but never be extended or listed.
-- Rust alone also checks UTF-8, the range of expires_at and the data: such a value
-- does not validate, yet here it stays its user's (handed to Rust by a listing,
-- which leaves it out, and deleted with the user's other sessions).
local function parse_frame(value)
  local expires_at, length, start = string.match(value, '^(%-?%d+):(%d+):()')
  if not expires_at then
    return nil
  end
  local stop = start + tonumber(length) - 1
  if stop > #value then
    return nil
  end
  return { expires_at = expires_at, user_id = string.sub(value, start, stop) }
end

-- The value of the session key `session` and its frame; nil when that key is gone
-- (deleted, or expired by itself), holds another type than a string, or is not
-- framed. One GET: redis.pcall hands back a WRONGTYPE error as a table instead of
-- failing the script, which spares a TYPE call.
local function read_session(session)
  local value = redis.pcall('GET', session)
  if type(value) ~= 'string' then
    return nil
  end
  local frame = parse_frame(value)
  if not frame then
    return nil
  end
  return value, frame
end

-- The user id stored in the session `session`, or nil (see read_session).
local function owner_of(session)
  local _, frame = read_session(session)
  return frame and frame.user_id
end

-- The server's clock in Unix ms, as a string: TIME's seconds followed by its
-- milliseconds, with no float arithmetic on the whole.
local function now_ms()
  local time = redis.call('TIME')
  return time[1] .. string.format('%03d', math.floor(tonumber(time[2]) / 1000))
end

-- Whether `expires_at` (Unix ms) is at or before `now`: such a session is over.
local function is_past(expires_at, now)
  return tonumber(expires_at) <= tonumber(now)
end

-- Makes `index`, which now lists a session expiring at `expires_at`, expire no
-- sooner: one call when it already expires (GT moves an expiry only later). GT counts
-- a key without expiry (one ZADD just made) as expiring never; NX sets that one.
local function extend_index(index, expires_at)
  if redis.call('PEXPIREAT', index, expires_at, 'GT') == 0 then
    redis.call('PEXPIREAT', index, expires_at, 'NX')
  end
end

-- Makes the index expire exactly with its latest session. An index whose last member
-- was removed is already gone: Redis deletes empty sorted sets.
local function settle_index(index)
  local latest = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
  if latest[2] then
    redis.call('PEXPIREAT', index, latest[2])
  end
end

