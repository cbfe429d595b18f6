-- delete_all_expired_sessions, for one SCAN page of user indexes: deletes the
-- sessions whose expires_at is at or before `now` (the caller's clock) and drops
-- members whose session is gone, belongs to someone else or is not framed.
-- KEYS the user indexes of the page
-- ARGV[1] the session key prefix, ARGV[2] the user index key prefix,
-- ARGV[3] now (Unix ms)
-- Returns how many sessions were deleted.
local now = tonumber(ARGV[3])
local deleted = 0
for _, index in ipairs(KEYS) do
  -- SCAN may return a key twice, or one that is no index (another type).
  if redis.call('TYPE', index).ok == 'zset' then
    local user_id = string.sub(index, #ARGV[2] + 1)
    local members = redis.call('ZRANGE', index, 0, -1, 'WITHSCORES')
    for position = 1, #members, 2 do
      local session_id = members[position]
      local session = ARGV[1] .. session_id
      if owner_of(session) ~= user_id then
        redis.call('ZREM', index, session_id)
      elseif tonumber(members[position + 1]) <= now then
        redis.call('DEL', session)
        redis.call('ZREM', index, session_id)
        deleted = deleted + 1
      end
    end
    persist_index(index)
  end
end
return deleted
