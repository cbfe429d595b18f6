-- update_session_data of any value (update_data.lua hands on what is not of the
-- current layout): replaces a session's data only if its data version is the
-- one expected, and counts the version up, as one step. Only the data version and
-- the data change: the times, the user id and the key's expiry (SET ... KEEPTTL)
-- stay as stored, and so does the index (its score is expires_at). A session that
-- is gone stays gone: nothing is written then, nor on a conflict.
-- A frame of 0.1 has data version 0; when it matches, it is written in the current
-- layout, as upgrade_0_1_frame would (issued_at now, authenticated_at 0).
-- KEYS[1] the session key
-- ARGV[1] the expected data version, ARGV[2] the new one (both decimal, as Rust
-- prints a u64), ARGV[3] the new data (JSON), ARGV[4] now (Unix ms, the issued_at
-- of a frame of 0.1)
-- Returns nil when there is no session; 1 when updated; 0 on a conflict (another
-- data version stored); the value itself when it is not framed (nothing written:
-- Rust reports it as a decode error); an error reply when the key holds another
-- type than a string, as GET would.
local session = KEYS[1]
local value = redis.pcall('GET', session)
if type(value) ~= 'string' then
  return value
end
local frame = parse_frame(value)
if not frame then
  return value
end
if is_0_1_frame(frame) then
  value = restamp(value, frame, frame.expires_at, ARGV[4], '0')
  frame = parse_frame(value)
end
if canonical_version(frame.data_version) ~= ARGV[1] then
  return 0
end
redis.call('SET', session, with_data(value, frame, ARGV[2], ARGV[3]), 'KEEPTTL')
return 1
