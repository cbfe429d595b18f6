-- Lists a session in its user's index before the session key is written (the
-- first step of a save or a rotation), and drops the members scored before now.
-- KEYS[1] the user's index
-- ARGV[1] session id, ARGV[2] expires_at (Unix ms), the score
-- The score is at or after the key's expiry, always: so a member dropped because
-- its score passed never leaves a live session out of the index.
local index = KEYS[1]
local now = now_ms()
if not is_past(ARGV[2], now) then
  redis.call('ZADD', index, 'GT', ARGV[2], ARGV[1])
end
tidy_index(index, now)
return 1
