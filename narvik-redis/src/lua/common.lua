-- Shared by every script of narvik-redis; each script's own part follows it.
--
-- Layout (see keys.rs and frame.rs):
--   {prefix}session:{session_id}  a string framed as
--                                 v2:{expires_at}:{issued_at}:{authenticated_at}:{data_version}:{user_id_len}:{user_id}{data}
--                                 (times in Unix ms, data_version a count, user_id_len
--                                 in bytes, data the custom fields as JSON), or as
--                                 0.1 wrote it, {expires_at}:{user_id_len}:{user_id}{data};
--                                 expires by itself at expires_at (SET ... PXAT)
--   {prefix}user:{user_id}        a sorted set: member the session id, score its
--                                 expires_at; no TTL, so that an eviction policy
--                                 that takes only keys with a TTL (volatile-*) never
--                                 takes it while its sessions live on
--
-- Scripts never decode the data: they read the times, the data version and the
-- user id and rewrite the frame's head with string functions only (cjson would
-- turn large integers into floats); new data comes from Rust, encoded. Numbers reach Redis as the strings they came in: Lua would print a
-- large number in exponent form.
--
-- Scripts build the keys of other sessions and indexes from prefixes passed in ARGV,
-- which a single Redis server allows (Redis Cluster would not: see the crate docs).
-- Needs Redis 7 (the version tested): TIME in a script that writes, SET ... PXAT,
-- SET ... KEEPTTL, GETDEL.

-- What a frame of the current layout starts with.
local CURRENT_MARK = 'v2:'

-- The frame of a session value, or nil when the value is not framed as above:
--   expires_at, issued_at, authenticated_at  the times as stored (text); the last
--                                            two nil in a frame of 0.1
--   data_version                             the data version as stored (text);
--                                            nil in a frame of 0.1
--   data_version_at                          where data_version starts; nil in a
--                                            frame of 0.1
--   user_id                                  the user id
--   data_at                                  where the data starts
--   head                                     what precedes expires_at: the mark,
--                                            or '' in a frame of 0.1
--   after_expires_at                         where the `:` after expires_at is
--   tail                                     where user_id_len starts: the rest
--                                            is {user_id_len}:{user_id}{data}
-- Reads the same frames as frame.rs `parse`: a value only Rust read would validate
-- but never be extended or listed. Rust alone also checks UTF-8, the range of the
-- times and the data: such a value does not validate, yet here it stays its user's
-- (handed to Rust by a listing, which leaves it out, and deleted with the user's
-- other sessions).
local function parse_frame(value)
  local frame = { head = '' }
  local length, start
  if string.sub(value, 1, #CURRENT_MARK) == CURRENT_MARK then
    frame.head = CURRENT_MARK
    frame.expires_at, frame.issued_at, frame.authenticated_at, frame.data_version_at,
      frame.data_version, frame.tail, length, start =
      string.match(value, '^v2:(%-?%d+):(%-?%d+):(%-?%d+):()(%d+):()(%d+):()')
  else
    frame.expires_at, frame.tail, length, start = string.match(value, '^(%-?%d+):()(%d+):()')
  end
  if not frame.expires_at then
    return nil
  end
  local stop = start + tonumber(length) - 1
  if stop > #value then
    return nil
  end
  frame.user_id = string.sub(value, start, stop)
  frame.data_at = stop + 1
  frame.after_expires_at = #frame.head + #frame.expires_at + 1
  return frame
end

-- The value `value` (framed as `frame`) in the current layout with the times
-- given (text, as stored); the data version (0 for a frame of 0.1), the user id
-- and the data copied as stored.
local function restamp(value, frame, expires_at, issued_at, authenticated_at)
  return CURRENT_MARK .. expires_at .. ':' .. issued_at .. ':' .. authenticated_at .. ':'
    .. (frame.data_version or '0') .. ':' .. string.sub(value, frame.tail)
end

-- The value `value` (framed as `frame`, of the current layout) with
-- `data_version` and `data` (text) in place of its own; every other byte copied
-- as stored.
local function with_data(value, frame, data_version, data)
  return string.sub(value, 1, frame.data_version_at - 1) .. data_version .. ':'
    .. string.sub(value, frame.tail, frame.data_at - 1) .. data
end

-- The data version `text` (`[0-9]+`) without its leading zeros, as Rust would
-- print the number: '007' is '7', '000' is '0'. Compared as text, never as a Lua
-- number, which is exact up to 2^53 only.
local function canonical_version(text)
  return string.match(text, '^0*(%d+)$')
end

-- The value `value` (framed as `frame`) with `expires_at` in place of its own, in
-- its own layout; the rest copied as stored.
local function with_expiry(value, frame, expires_at)
  return frame.head .. expires_at .. string.sub(value, frame.after_expires_at)
end

-- Whether `frame` was written by 0.1, which kept no issued_at nor authenticated_at.
local function is_0_1_frame(frame)
  return frame.head == ''
end

-- Rewrites the 0.1 frame `value` (framed as `frame`) of the session key `session`
-- in the current layout, keeping the key's expiry: issued_at becomes `now` (Unix
-- ms, text), so an absolute lifetime counts from this first read after the
-- upgrade, and authenticated_at 0, the Unix epoch (narvik::UNKNOWN_TIME), so that
-- "sudo mode" asks for the password again; the data version is 0. Returns the new
-- value.
local function upgrade_0_1_frame(session, value, frame, now)
  local upgraded = restamp(value, frame, frame.expires_at, now, '0')
  redis.call('SET', session, upgraded, 'KEEPTTL')
  return upgraded
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

