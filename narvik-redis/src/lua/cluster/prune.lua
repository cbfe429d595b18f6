-- delete_all_expired_sessions, after the sessions of the members were handled:
-- drops each member given whose score is still at or before `now` (one an
-- extension raised meanwhile stays: its session lives), then the members whose
-- score passed by Redis's clock.
-- KEYS[1] the user's index
-- ARGV[1] now (Unix ms), ARGV[2..] session ids
local index = KEYS[1]
for position = 2, #ARGV do
  local score = redis.call('ZSCORE', index, ARGV[position])
  if score and is_past(score, ARGV[1]) then
    redis.call('ZREM', index, ARGV[position])
  end
end
tidy_index(index, now_ms())
return 1
