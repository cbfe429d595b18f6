-- delete_sessions_for_user: deletes every session of the user, then the index.
-- A member whose session names another user is left alone.
-- KEYS[1] the user's index
-- ARGV[1] the session key prefix, ARGV[2] user id
-- Returns how many sessions were deleted.
local index = KEYS[1]
local deleted = 0
for _, session_id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  local session = ARGV[1] .. session_id
  if owner_of(session) == ARGV[2] then
    redis.call('DEL', session)
    deleted = deleted + 1
  end
end
redis.call('DEL', index)
return deleted
