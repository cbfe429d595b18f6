-- Writes a session key, unless "sign out everywhere" ended it first (a tombstone).
-- KEYS[1] the session key
-- ARGV[1] expires_at (Unix ms), ARGV[2] the framed value (whose expires_at is ARGV[1])
-- Returns 1 when written, 0 when not (over already, or ended).
local session = KEYS[1]
local current = redis.pcall('GET', session)
if current == TOMBSTONE then
  return 0
end
if is_past(ARGV[1], now_ms()) then
  -- Over already: nothing may be left behind (SET refuses a PXAT at or before 0).
  redis.call('DEL', session)
  return 0
end
redis.call('SET', session, ARGV[2], 'PXAT', ARGV[1])
return 1
