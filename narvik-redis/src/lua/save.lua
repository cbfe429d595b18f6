-- save_session: stores a new session and lists it in its user's index, as one step.
-- KEYS[1] the session hash, KEYS[2] the user's index
-- ARGV[1] the session key prefix, ARGV[2] session id, ARGV[3] user id,
-- ARGV[4] expires_at (Unix ms), ARGV[5] data (JSON)
local session, index = KEYS[1], KEYS[2]
redis.call('DEL', session)
redis.call('HSET', session, 'user_id', ARGV[3], 'expires_at', ARGV[4], 'data', ARGV[5])
-- An expiry already past deletes the hash at once; it is not indexed then.
redis.call('PEXPIREAT', session, ARGV[4])
-- Stale members go here too, so the index of a user who never signs out holds no
-- more than their live sessions.
prune_index(index, ARGV[1], ARGV[3])
if redis.call('EXISTS', session) == 1 then
  redis.call('ZADD', index, ARGV[4], ARGV[2])
end
settle_index(index)
return 1
