-- delete_all_sessions, for one SCAN page of session keys: deletes each session and
-- its member in its user's index (as delete_session does), so an index never lists
-- a session that is gone for long, nor misses one that lives.
-- KEYS the session keys of the page
-- ARGV[1] the session key prefix, ARGV[2] the user index key prefix
-- Returns how many keys were deleted.
local deleted = 0
local now = now_ms()
for _, session in ipairs(KEYS) do
  -- SCAN may return a key twice, or one gone since (GETDEL then answers nil).
  local value = redis.pcall('GETDEL', session)
  if type(value) == 'table' then
    -- Another type than a string: it does not decode, and goes all the same.
    redis.call('DEL', session)
    deleted = deleted + 1
  elseif value then
    deleted = deleted + 1
    local frame = parse_frame(value)
    if frame then
      local index = ARGV[2] .. frame.user_id
      redis.call('ZREM', index, string.sub(session, #ARGV[1] + 1))
      tidy_index(index, now)
    end
  end
end
return deleted
