-- Deletes a session key and returns what it held (delete_session, and the old id
-- of a rotation). A tombstone stays: it keeps a sign-in in flight from writing.
-- KEYS[1] the session key
-- Returns the value, or nil when there was none (or a tombstone); a key of another
-- type than a string is deleted, and nil returned.
local session = KEYS[1]
local value = redis.pcall('GET', session)
if type(value) == 'table' then
  redis.call('DEL', session)
  return false
end
if not value or value == TOMBSTONE then
  return false
end
redis.call('DEL', session)
return value
