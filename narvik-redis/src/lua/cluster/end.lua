-- Ends one session the user's index listed ("sign out everywhere", "sign out
-- elsewhere", a limit's eviction): deletes it if it is the user's, and holds its
-- key with a tombstone until the member's score, so that a sign-in still in flight
-- (indexed, not yet written) writes nothing. A key that holds another user's
-- session, a value that is no frame or another type is left alone.
-- KEYS[1] the session key
-- ARGV[1] user id, ARGV[2] the member's score (Unix ms)
-- Returns 1 when the key is ended, 0 when left alone.
local session = KEYS[1]
local value = redis.pcall('GET', session)
if type(value) == 'table' then
  return 0
end
if value == TOMBSTONE then
  return 1
end
if value then
  local frame = parse_frame(value)
  if not frame or frame.user_id ~= ARGV[1] then
    return 0
  end
end
if is_past(ARGV[2], now_ms()) then
  redis.call('DEL', session)
else
  redis.call('SET', session, TOMBSTONE, 'PXAT', ARGV[2])
end
return 1
