-- rotate_session: moves a session to a new id, as one step: the new key gets the
-- same frame, data version included (a frame of 0.1 upgraded, see
-- upgrade_0_1_frame) and the same expiry,
-- with a new authenticated_at when one is given; the old key goes, and the user's
-- index lists the new id in place of the old.
-- KEYS[1] the session key of the old id, KEYS[2] that of the new id
-- ARGV[1] the user index key prefix, ARGV[2] the old session id, ARGV[3] the new
-- session id, ARGV[4] now (Unix ms, the issued_at of a frame of 0.1),
-- ARGV[5] the new authenticated_at (Unix ms), or '' to keep the stored one
-- Returns nil when there is no old session (deleted, signed out or expired: nothing
-- is written, so a rotation never brings a session back); {1, the new value} when
-- moved; {0, the old value} when the old value is not framed (nothing moved: Rust
-- reports it as a decode error); an error reply when the old key holds another type
-- than a string, as GET would.
local from, to = KEYS[1], KEYS[2]
local value = redis.pcall('GET', from)
if type(value) ~= 'string' then
  return value
end
local frame = parse_frame(value)
if not frame then
  return { 0, value }
end
local index = ARGV[1] .. frame.user_id
local old_id, new_id = ARGV[2], ARGV[3]
local now = now_ms()
if is_past(frame.expires_at, now) then
  -- Over already, by Redis's clock (Redis keeps a key through its expiry
  -- millisecond): it goes, and nothing is written.
  redis.call('DEL', from)
  redis.call('ZREM', index, old_id)
  tidy_index(index, now)
  return nil
end
local issued_at = frame.issued_at or ARGV[4]
local authenticated_at = frame.authenticated_at or '0'
if ARGV[5] ~= '' then
  authenticated_at = ARGV[5]
end
local moved = restamp(value, frame, frame.expires_at, issued_at, authenticated_at)
-- PXAT expires_at: the expiry the old key had, as every write sets the two together.
redis.call('SET', to, moved, 'PXAT', frame.expires_at)
redis.call('DEL', from)
redis.call('ZREM', index, old_id)
redis.call('ZADD', index, frame.expires_at, new_id)
tidy_index(index, now)
return { 1, moved }
