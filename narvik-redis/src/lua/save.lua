-- save_session of a session that is over, or within a minute of it by the app
-- server's clock: stores it and lists it in its user's index, as one step,
-- deciding by Redis's clock. (The usual save is a pipeline of plain commands sent by Rust: see store.rs.)
-- KEYS[1] the session key, KEYS[2] the user's index
-- ARGV[1] session id, ARGV[2] expires_at (Unix ms), ARGV[3] the framed value
-- (whose expires_at is ARGV[2])
local session, index = KEYS[1], KEYS[2]
local session_id, expires_at = ARGV[1], ARGV[2]
local now = now_ms()
if is_past(expires_at, now) then
  -- Over already: nothing may be left behind (and SET refuses a PXAT at or before
  -- 0). A session saved before under this id goes.
  redis.call('DEL', session)
  redis.call('ZREM', index, session_id)
  tidy_index(index, now)
  return 0
end
redis.call('SET', session, ARGV[3], 'PXAT', expires_at)
redis.call('ZADD', index, expires_at, session_id)
tidy_index(index, now)
return 1
