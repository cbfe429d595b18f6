-- save_session_limited: stores a session as save_session does, under a limit on
-- its user's live sessions, as one step: however many sign-ins of one user run at
-- once, each sees the sessions the others left.
-- KEYS[1] the session key, KEYS[2] the user's index
-- ARGV[1] session id, ARGV[2] expires_at (Unix ms), ARGV[3] the framed value
-- (whose expires_at is ARGV[2]), ARGV[4] the session key prefix, ARGV[5] user id,
-- ARGV[6] the most live sessions allowed (at least 1), ARGV[7] the policy: 'end'
-- (end the sessions with the earliest expires_at) or 'refuse' (store nothing when
-- full), ARGV[8] now by narvik's clock (Unix ms): a session whose expires_at is at
-- or before it is over, never counts, and is deleted
-- Returns 1 when the session was stored (or, already over, left nothing behind, as
-- save_session does), 0 when the limit refused it.
local session, index = KEYS[1], KEYS[2]
local session_id, expires_at = ARGV[1], ARGV[2]
local session_prefix, user_id = ARGV[4], ARGV[5]
local max, policy, limit_now = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local now = now_ms()
if is_past(expires_at, now) then
  redis.call('DEL', session)
  redis.call('ZREM', index, session_id)
  tidy_index(index, now)
  return 1
end

-- The user's live sessions, each with the expires_at of its frame (the frame is
-- what validation reads; a score only follows it). Members that are gone, over,
-- another user's or not framed are dropped on the way, and the sessions that are
-- over deleted.
local live = {}
for _, member in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  if member ~= session_id then
    local member_key = session_prefix .. member
    local _, frame = read_session(member_key)
    if not frame or frame.user_id ~= user_id then
      redis.call('ZREM', index, member)
    elseif tonumber(frame.expires_at) <= limit_now then
      redis.call('DEL', member_key)
      redis.call('ZREM', index, member)
    else
      live[#live + 1] = { id = member, key = member_key, expires_at = tonumber(frame.expires_at) }
    end
  end
end

if policy == 'refuse' and #live >= max then
  tidy_index(index, now)
  return 0
end
redis.call('SET', session, ARGV[3], 'PXAT', expires_at)
redis.call('ZADD', index, expires_at, session_id)
local excess = #live + 1 - max
if excess > 0 then
  -- Least recently extended first: the earliest expires_at, ties broken by id so
  -- that the choice does not depend on the index's order.
  table.sort(live, function(a, b)
    if a.expires_at ~= b.expires_at then
      return a.expires_at < b.expires_at
    end
    return a.id < b.id
  end)
  for position = 1, excess do
    redis.call('DEL', live[position].key)
    redis.call('ZREM', index, live[position].id)
  end
end
tidy_index(index, now)
return 1
