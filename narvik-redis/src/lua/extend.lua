-- extend_session, its usual case: a frame of the current layout. On its own,
-- without lua/common.lua, as update_data.lua: this script runs on every
-- extension, and the helpers' definitions would cost the server more than this
-- body. The index score is not its business: Rust raises it with a plain
-- `ZADD XX GT` beside it (one server: in the same pipeline; cluster mode: in the
-- user's slot, first).
--
-- Moves the expiry of a session that still exists, in the value and in the key's
-- own expiry. Every byte of the value after expires_at is copied as stored, so a
-- data update that landed since validation read the session is kept. A session
-- that is gone stays gone.
-- KEYS[1] the session key
-- ARGV[1] the new expires_at (Unix ms)
-- Returns 1 when extended, 0 when the session is gone (or the key holds another
-- type), -1 when the value is not of the current layout (a frame of 0.1, no frame,
-- or a tombstone of cluster mode: Rust then calls the full script, which knows
-- them).
local session = KEYS[1]
local value = redis.pcall('GET', session)
if type(value) ~= 'string' then
  return 0
end
local after_expires_at = string.match(value, '^v2:%-?%d+():')
if not after_expires_at then
  return -1
end
local expires_at = ARGV[1]
redis.call('SET', session, 'v2:' .. expires_at .. string.sub(value, after_expires_at), 'PXAT', expires_at)
return 1
