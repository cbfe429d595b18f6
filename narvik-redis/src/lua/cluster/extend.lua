-- Moves the expiry of a session that still exists; run after its index member was
-- raised to the new expiry (ZADD XX GT), so the index never scores it earlier than
-- its key expires. A session that is gone (or ended: a tombstone is no frame)
-- stays gone.
-- KEYS[1] the session key
-- ARGV[1] expires_at (Unix ms)
local session = KEYS[1]
local value, frame = read_session(session)
if not value then
  return 0
end
if is_past(ARGV[1], now_ms()) then
  redis.call('DEL', session)
  return 1
end
redis.call('SET', session, with_expiry(value, frame, ARGV[1]), 'PXAT', ARGV[1])
return 1
