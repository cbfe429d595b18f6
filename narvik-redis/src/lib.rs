//! A Redis session store for [narvik] with all seven operations: sessions expire by
//! themselves, and every write keeps a session and its user's index in step in one
//! atomic script.
//!
//! ```no_run
//! use narvik::{Narvik, SessionData};
//! use narvik_redis::RedisStore;
//!
//! #[derive(SessionData, Clone, Debug)]
//! struct AppData {
//!     username: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> narvik::Result<()> {
//! let store = RedisStore::<AppData>::connect("redis://127.0.0.1:6379")
//!     .await?
//!     .with_key_prefix("myapp:");
//! let narvik = Narvik::new(store);
//!
//! let created = narvik
//!     .create_session("user-1", AppData { username: "johnsmith".into() })
//!     .await?;
//! let session = narvik.validate_session(created.token.as_str()).await?;
//! assert!(session.is_some_and(|session| session.username == "johnsmith"));
//!
//! // Sign out everywhere: every app server sharing this Redis sees it at once.
//! narvik.delete_sessions_for_user("user-1").await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`RedisStore::connect`] opens a [`ConnectionManager`](redis::aio::ConnectionManager)
//! (one multiplexed connection that reconnects by itself);
//! [`RedisStore::from_connection`] takes one you made. Clones of a store share its
//! connection.
//!
//! # Key layout
//!
//! Every key starts with the store's prefix (default `narvik:`,
//! [`RedisStore::with_key_prefix`] sets another):
//!
//! | key | type | holds | expires |
//! | --- | --- | --- | --- |
//! | `{prefix}session:{session_id}` | string | `{expires_at}:{user_id_len}:{user_id}{data}` | at `expires_at` (`SET ... PXAT`) |
//! | `{prefix}user:{user_id}` | sorted set | the user's session ids, scored by their `expires_at` | with its latest session |
//!
//! A session is one string, framed: `expires_at` in Unix milliseconds, a `:`, the
//! user id's length in bytes, a `:`, the user id, then the custom fields as JSON, as
//! in `1767225600000:2:u1{"username":"x"}`. The length, not a separator, ends the
//! user id, so a user id may hold anything.
//!
//! One string, so that validating is a single `GET` with one reply, as with
//! tower-sessions-redis-store. Framed rather than one JSON document, so that the
//! scripts read the user id and rewrite the leading `expires_at` with string
//! functions alone, copying the data as stored: Lua's JSON would turn large
//! integers into floats. The session id is the SHA-256 of the token; the token
//! itself is never stored.
//!
//! # Atomicity
//!
//! Every write is one Lua script (`redis::Script`: `EVALSHA`, loading the script
//! when the server lacks it), so a session and its user's index never disagree:
//!
//! - `save_session` writes the string with its expiry (`SET ... PXAT`) and indexes
//!   it. A session already expired leaves nothing behind.
//! - `update_session_expiry` rewrites the leading `expires_at`, the key's expiry and
//!   the index score, and only if the session still exists: a session deleted
//!   meanwhile stays deleted.
//! - `delete_session` deletes the string and its index member.
//! - `fetch_sessions_for_user` and `delete_sessions_for_user` read each member's
//!   session: a member whose session expired by itself is dropped, never returned; a
//!   session that names another user is never returned or deleted.
//! - `save_session` also drops the members scored before now (`ZREMRANGEBYSCORE`:
//!   their sessions expired by themselves), so the index of a user who never signs
//!   out stays as small as their live sessions, without a walk over its members.
//!
//! `fetch_session` is a plain `GET`, decoded in Rust.
//!
//! # Expiry needs no cleanup job
//!
//! Redis deletes a session key at its `expires_at` by itself, and a user's index
//! with their latest session. `delete_all_expired_sessions` is there for the
//! stragglers: it walks the user indexes with `SCAN` (pages of about 100 keys, one
//! atomic script per page, so Redis is never blocked for long), drops members whose session is gone, and deletes sessions
//! whose `expires_at` has passed by narvik's clock, which may run ahead of Redis's.
//! Running it now and then keeps long-lived indexes tidy; nothing breaks without
//! it.
//!
//! Expiry times are kept to the millisecond (rounded down), the unit of `PXAT`.
//!
//! # Round trips
//!
//! A validation that does not extend the session costs one round trip (the
//! `GET`); one that extends it, two (the `GET`, then one `EVALSHA`). The scripts are loaded
//! at [`connect`](RedisStore::connect); over a connection you made, call
//! [`load_scripts`](RedisStore::load_scripts) once, or the first call of each
//! script costs one more round trip.
//!
//! # When Redis is down
//!
//! Every operation answers [`narvik::Error::Store`], with the `redis` error as its
//! source: `validate_session` never mistakes an outage for a signed-out user.
//! [`RedisStore::default_connection_config`] makes a request fail within a few
//! seconds rather than hang, and the manager reconnects by itself once Redis is
//! back. Stored data that no longer decodes (a required field added since, a value
//! edited by hand, a key of another type) is [`narvik::Error::Decode`], with a
//! [`DecodeError`] or [`narvik::codec::DataError`] as source: validation deletes that
//! session.
//!
//! # Limits
//!
//! One Redis server, or a primary with replicas: not Redis Cluster. The scripts
//! reach a session and its user's index together, and those keys hash to different
//! slots. Needs Redis 7 or later (`PEXPIREAT ... GT` and `NX`, `SET ... PXAT`, and
//! `TIME` in scripts that write, which replication by effects allows); tested on
//! Redis 7.0.
//!
//! # Why `redis` and not `fred`
//!
//! Both are mature async clients with Lua scripting. This store needs one
//! multiplexed connection that reconnects by itself, timeouts, and scripts sent as
//! `EVALSHA`: the `redis` crate has exactly that in `ConnectionManager` and
//! `Script`. It is also the client most Rust apps already use, and the store takes
//! any of its connections ([`RedisStore::from_connection`]), so an app shares the
//! connection it has. `fred`'s strengths (connection pools, Cluster and Sentinel
//! routing, client-side caching) are not needed by one connection to one server,
//! and its client types would become this crate's API instead.
//!
//! It is the 1.x line: `redis` types are part of this crate's API (the re-export,
//! [`RedisStore::connect_with_config`], [`RedisStore::from_connection`]), so
//! starting on the superseded 0.x line would force a breaking release soon. 1.x
//! also times out connections and commands by default where 0.x waited forever,
//! which matters to apps that make their own `ConnectionManager`. It needs Rust
//! 1.88, the minimum of the whole workspace.

mod error;
mod frame;
mod keys;
mod record;
mod scripts;
mod store;

pub use crate::error::DecodeError;
pub use crate::store::{RedisStore, DEFAULT_KEY_PREFIX};
/// The `redis` client this store is built on, to make a connection or a
/// [`ConnectionManagerConfig`](redis::aio::ConnectionManagerConfig) of the same
/// version.
pub use redis;
