-- delete_all_expired_sessions: deletes a session whose expires_at is at or before
-- `now` by narvik's clock (which may run ahead of Redis's). A tombstone, a value
-- that is no frame or another type is left alone.
-- KEYS[1] the session key
-- ARGV[1] now (Unix ms)
-- Returns 1 when deleted (or gone already), 0 when left.
local session = KEYS[1]
local value = redis.pcall('GET', session)
if not value then
  return 1
end
if type(value) ~= 'string' or value == TOMBSTONE then
  return 0
end
local frame = parse_frame(value)
if frame and is_past(frame.expires_at, ARGV[1]) then
  redis.call('DEL', session)
  return 1
end
return 0
