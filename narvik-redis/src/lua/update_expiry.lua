-- update_session_expiry: moves the expiry of a session that still exists, in the
-- hash, in the key's own expiry and in the user's index. A session that is gone
-- stays gone: nothing is written then.
-- KEYS[1] the session hash
-- ARGV[1] the user index key prefix, ARGV[2] session id, ARGV[3] expires_at (Unix ms)
local session = KEYS[1]
if redis.call('TYPE', session).ok ~= 'hash' then
  return 0
end
local user_id = redis.call('HGET', session, 'user_id')
redis.call('HSET', session, 'expires_at', ARGV[3])
-- An expiry already past deletes the hash at once.
redis.call('PEXPIREAT', session, ARGV[3])
if user_id then
  local index = ARGV[1] .. user_id
  if redis.call('EXISTS', session) == 1 then
    redis.call('ZADD', index, ARGV[3], ARGV[2])
  else
    redis.call('ZREM', index, ARGV[2])
  end
  settle_index(index)
end
return 1
