-- fetch_session, for a value that was a frame of 0.1 when Rust read it: rewrites it
-- in the current layout (see upgrade_0_1_frame), keeping the key's expiry, and
-- returns what the key holds then.
-- Reading and writing here are one atomic step, so no change made since Rust's GET
-- is lost: a value upgraded meanwhile by another app server is returned as it is,
-- one extended meanwhile (by an app server of 0.1) is upgraded with its new expiry,
-- one deleted meanwhile stays deleted.
-- Takes the TTL that 0.1 gave its user's index off (one server only: cluster mode
-- passes no ARGV[2]), as saves do: an extension, which raises the index score
-- beside a script that does not touch the index, does not.
-- KEYS[1] the session key
-- ARGV[1] now (Unix ms, the new issued_at), ARGV[2] (one server only) the user
-- index key prefix
-- Returns the value (nil when the key is gone, an error reply when it holds another
-- type than a string, as GET would).
local session = KEYS[1]
local value = redis.pcall('GET', session)
if type(value) == 'string' then
  local frame = parse_frame(value)
  if frame and is_0_1_frame(frame) then
    value = upgrade_0_1_frame(session, value, frame, ARGV[1])
  end
  if frame and ARGV[2] then
    persist_index(ARGV[2] .. frame.user_id)
  end
end
return value
