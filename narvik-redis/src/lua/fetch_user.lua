-- fetch_sessions_for_user: the user's live sessions; members whose session is gone
-- (expired by itself), belongs to someone else or is not framed are dropped from the
-- index. A frame of 0.1 is rewritten in the current layout on the way (see
-- upgrade_0_1_frame), as a fetch of that session would.
-- KEYS[1] the user's index
-- ARGV[1] the session key prefix, ARGV[2] user id, ARGV[3] now (Unix ms, the
-- issued_at of an upgraded frame)
-- Returns a flat array: session id, stored value, for each session, soonest to
-- expire first. Rust decodes the values as it decodes a GET.
local index = KEYS[1]
local sessions = {}
for _, session_id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  local session = ARGV[1] .. session_id
  local value, frame = read_session(session)
  if frame and frame.user_id == ARGV[2] then
    if is_0_1_frame(frame) then
      value = upgrade_0_1_frame(session, value, frame, ARGV[3])
    end
    sessions[#sessions + 1] = session_id
    sessions[#sessions + 1] = value
  else
    redis.call('ZREM', index, session_id)
  end
end
persist_index(index)
return sessions
