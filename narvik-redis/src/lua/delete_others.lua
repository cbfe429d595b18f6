-- delete_other_sessions_for_user: deletes every session of the user but one, as
-- one step. Members whose session is gone, belongs to someone else or is not framed
-- are dropped from the index; a session that names another user is left alone.
-- KEYS[1] the user's index
-- ARGV[1] the session key prefix, ARGV[2] user id, ARGV[3] the id of the session
-- to keep
-- Returns how many sessions were deleted.
local index = KEYS[1]
local keep = ARGV[3]
local deleted = 0
for _, session_id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  if session_id ~= keep then
    local session = ARGV[1] .. session_id
    if owner_of(session) == ARGV[2] then
      redis.call('DEL', session)
      deleted = deleted + 1
    end
    redis.call('ZREM', index, session_id)
  end
end
tidy_index(index, now_ms())
return deleted
