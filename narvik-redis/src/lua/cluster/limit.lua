-- save_session_limited, in the user's slot: applies the limit to the index and
-- lists the new session, as one step, so however many sign-ins of one user run at
-- once, each sees what the others left. The sessions to end stay listed: Rust
-- ends each in its own slot, then drops their members, so "sign out everywhere"
-- never misses one meanwhile. A later call counts those still listed, and picks
-- them again first (they have the lowest scores), so the sessions left are at
-- most the limit once every caller ended its own.
-- KEYS[1] the user's index
-- ARGV[1] session id, ARGV[2] expires_at (Unix ms), ARGV[3] the most live
-- sessions allowed (at least 1), ARGV[4] the policy: 'end' or 'refuse', ARGV[5]
-- now by narvik's clock (Unix ms): a member scored at or before it is over (its
-- session expires at or before its score) and never counts
-- Returns a flat array: '1' (listed) or '0' (refused), then the session id and
-- score of each session to end: those over, and those the 'end' policy ends.
local index = KEYS[1]
local session_id, expires_at = ARGV[1], ARGV[2]
local max, policy, limit_now = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local now = now_ms()
local reply = { '1' }
local function to_end(members)
  for _, member in ipairs(members) do
    reply[#reply + 1] = member
  end
end
to_end(redis.call('ZRANGEBYSCORE', index, '-inf', limit_now, 'WITHSCORES'))
if is_past(expires_at, now) then
  -- Over already: the write leaves nothing behind, as save_session does.
  return reply
end
local live = redis.call('ZRANGEBYSCORE', index, '(' .. limit_now, '+inf', 'WITHSCORES')
local live_count = #live / 2
if live_count >= max then
  if policy == 'refuse' then
    reply[1] = '0'
    return reply
  end
  local excess = live_count - max + 1
  for position = 1, excess * 2 do
    reply[#reply + 1] = live[position]
  end
end
redis.call('ZADD', index, 'GT', expires_at, session_id)
tidy_index(index, now)
return reply
