-- delete_session: deletes a session and its member in its user's index.
-- KEYS[1] the session key
-- ARGV[1] the user index key prefix, ARGV[2] session id
local session = KEYS[1]
-- GETDEL reads and deletes a string in one call. On another type it fails (pcall
-- hands the error back) and deletes nothing: DEL does, as whatever is there does not
-- decode and must go.
local value = redis.pcall('GETDEL', session)
if type(value) == 'table' then
  redis.call('DEL', session)
  return 1
end
-- A value that is not framed cannot tell whose index lists it: the next script that
-- reads that index drops the member.
local frame = value and parse_frame(value)
if frame then
  local index = ARGV[1] .. frame.user_id
  redis.call('ZREM', index, ARGV[2])
  tidy_index(index, now_ms())
end
return 1
