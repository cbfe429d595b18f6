-- fetch_sessions_for_user: the user's live sessions; members whose session is gone
-- (expired by itself) or belongs to someone else are dropped from the index.
-- KEYS[1] the user's index
-- ARGV[1] the session key prefix, ARGV[2] user id
-- Returns a flat array: session id, expires_at, data, for each session.
local index = KEYS[1]
local sessions = {}
for _, session_id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  local session = ARGV[1] .. session_id
  if owner_of(session) == ARGV[2] then
    local fields = redis.call('HMGET', session, 'expires_at', 'data')
    sessions[#sessions + 1] = session_id
    sessions[#sessions + 1] = fields[1]
    sessions[#sessions + 1] = fields[2]
  else
    redis.call('ZREM', index, session_id)
  end
end
settle_index(index)
return sessions
