-- Redis Cluster mode (see cluster.rs): every script touches the keys of one hash
-- slot only. A session key is {prefix}session:{<session_id>}, in the session's
-- own slot; a user's index is {prefix}user:{<user_id>}, in the user's slot. No
-- script reaches from one to the other: Rust runs them in the documented order.
--
-- The value a session key holds after "sign out everywhere" found it indexed but
-- not yet written (a sign-in in flight): the sign-in's save then finds it and
-- writes nothing. Never a frame (a frame starts with `v2:` or a digit), so every
-- reader above takes it for no session.
local TOMBSTONE = 'narvik:ended'
