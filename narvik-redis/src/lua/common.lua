-- Shared by every script of narvik-redis; each script's own part follows it.
--
-- Layout (see keys.rs and frame.rs):
--   {prefix}session:{session_id}  a string framed as
--                                 {expires_at}:{user_id_len}:{user_id}{data}
--                                 (expires_at in Unix ms, user_id_len in bytes, data
--                                 the custom fields as JSON); expires by itself at
--                                 expires_at (SET ... PXAT)
--   {prefix}user:{user_id}        a sorted set: member the session id, score its
--                                 expires_at; no TTL, so that an eviction policy
--                                 that takes only keys with a TTL (volatile-*) never
--                                 takes it while its sessions live on
--
-- Scripts never decode the data: they read the user id and rewrite the leading
-- expires_at with string functions only (cjson would turn large integers into
-- floats). Numbers reach Redis as the strings they came in: Lua would print a large
-- number in exponent form.
--
-- Scripts build the keys of other sessions and indexes from prefixes passed in ARGV,
-- which a single Redis server allows (Redis Cluster would not: see the crate docs).
-- Needs Redis 7 (the version tested): TIME in a script that writes, SET ... PXAT,
-- GETDEL.

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

-- Takes any TTL off `index`: an index never expires nor is evicted under the
-- policies the store accepts (see the crate docs, "Eviction"). The previous release
-- gave every index a TTL; this removes it at the first script that touches the
-- index. PERSIST on a key that is gone (Redis deletes an emptied sorted set) does
-- nothing.
local function persist_index(index)
  redis.call('PERSIST', index)
end

-- Drops the members of `index` scored before `now` (their sessions expired by
-- themselves: a key's expiry and its score are always written together), then
-- takes any TTL off it. Every save, extension and deletion of a session ends here,
-- so an index holds only the sessions live at its user's last such write, and one
-- left empty is gone. Exclusive: Redis keeps a key through its expiry millisecond.
local function tidy_index(index, now)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. now)
  persist_index(index)
end

