-- update_session_expiry (and extend_session of a frame extend.lua does not know):
-- moves the expiry of a session that still exists, in the
-- value, in the key's own expiry and in the user's index. A session that is gone
-- stays gone: nothing is written then.
-- KEYS[1] the session key
-- ARGV[1] the user index key prefix, ARGV[2] session id, ARGV[3] expires_at (Unix ms)
local session = KEYS[1]
local value, frame = read_session(session)
if not value then
  -- Gone (signed out meanwhile, or expired), or not a session this store can read:
  -- validation deletes that one.
  return 0
end
local session_id, expires_at = ARGV[2], ARGV[3]
local index = ARGV[1] .. frame.user_id
local now = now_ms()
if is_past(expires_at, now) then
  redis.call('DEL', session)
  redis.call('ZREM', index, session_id)
  tidy_index(index, now)
  return 1
end
-- Only expires_at changes; the other times, the data version, the user id and the
-- data are copied as stored, never decoded. A frame of 0.1 stays one: the next read upgrades it.
local rewritten = with_expiry(value, frame, expires_at)
redis.call('SET', session, rewritten, 'PXAT', expires_at)
redis.call('ZADD', index, expires_at, session_id)
tidy_index(index, now)
return 1
