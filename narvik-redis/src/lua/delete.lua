-- delete_session: deletes a session and its member in its user's index.
-- KEYS[1] the session hash
-- ARGV[1] the user index key prefix, ARGV[2] session id
local session = KEYS[1]
local user_id = owner_of(session)
redis.call('DEL', session)
if user_id then
  local index = ARGV[1] .. user_id
  redis.call('ZREM', index, ARGV[2])
  settle_index(index)
end
return 1
