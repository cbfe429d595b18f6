-- Shared by every script of narvik-redis; each script's own part follows it.
--
-- Layout (see keys.rs):
--   {prefix}session:{session_id}  a hash: user_id, expires_at (Unix ms), data (JSON);
--                                 expires by itself at expires_at (PEXPIREAT)
--   {prefix}user:{user_id}        a sorted set: member the session id, score its
--                                 expires_at; expires by itself with its last session
--
-- Scripts build the keys of other sessions and indexes from prefixes passed in ARGV,
-- which a single Redis server allows (Redis Cluster would not: see the crate docs).

-- The user id stored in the session hash `session`, or false when that key is gone
-- (deleted, or expired by itself) or holds something other than a hash.
local function owner_of(session)
  if redis.call('TYPE', session).ok ~= 'hash' then
    return false
  end
  return redis.call('HGET', session, 'user_id')
end

-- Drops the members of `user_id`'s index whose session is gone or is not theirs.
local function prune_index(index, session_prefix, user_id)
  for _, session_id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    if owner_of(session_prefix .. session_id) ~= user_id then
      redis.call('ZREM', index, session_id)
    end
  end
end

-- Makes the index expire with its latest session. An index whose last member was
-- removed is already gone: Redis deletes empty sorted sets.
local function settle_index(index)
  local latest = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
  if latest[2] then
    redis.call('PEXPIREAT', index, latest[2])
  end
end

