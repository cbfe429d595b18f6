-- update_session_data, its usual case: a frame of the current layout. On its own,
-- without lua/common.lua: this script runs on every data update, and the helpers'
-- definitions cost the server more than this whole body (issue 11 measured the
-- update against a plain GET + SET).
--
-- Replaces a session's data only if its data version is the one expected, and
-- counts the version up, as one step. Only the data version and the data change:
-- the times, the user id and the key's expiry (SET ... KEEPTTL) stay as stored,
-- and so does the index. A session that is gone stays gone.
-- KEYS[1] the session key
-- ARGV[1] the expected data version, ARGV[2] the new one (both decimal, as Rust
-- prints a u64), ARGV[3] the new data (JSON)
-- Returns nil when there is no session; 1 when updated; 0 on a conflict; -1 when
-- the value is not of the current layout (a frame of 0.1, or no frame: then Rust
-- calls update_data_any.lua, which knows them); an error reply when the key holds
-- another type than a string, as GET would.
local session = KEYS[1]
local value = redis.pcall('GET', session)
if type(value) ~= 'string' then
  return value
end
local version_at, version, tail, length, start =
  string.match(value, '^v2:%-?%d+:%-?%d+:%-?%d+:()(%d+):()(%d+):()')
if not version_at then
  return -1
end
local data_at = start + tonumber(length)
if data_at - 1 > #value then
  return -1
end
-- Compared as text without leading zeros: Lua numbers are exact to 2^53 only.
version = string.gsub(version, '^0+', '')
if version == '' then
  version = '0'
end
if version ~= ARGV[1] then
  return 0
end
redis.call('SET', session,
  string.sub(value, 1, version_at - 1) .. ARGV[2] .. ':' .. string.sub(value, tail, data_at - 1)
    .. ARGV[3],
  'KEEPTTL')
return 1
