//! A Redis session store for [narvik] with every operation, the lifecycle controls
//! of narvik 0.2 included: sessions expire by themselves, and every write keeps a
//! session and its user's index in step in one atomic step.
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
//! (one multiplexed connection that reconnects by itself) and refuses a server whose
//! eviction policy could evict a user's index (see [Eviction](#eviction));
//! [`RedisStore::builder`] sets more, and [`RedisStore::from_connection`] takes a
//! connection you made. Clones of a store share its connection.
//!
//! # TLS
//!
//! With the `tls` feature (rustls, with its `ring` provider), a `rediss://` URL
//! connects over TLS: the server's certificate must chain to a root the system
//! trusts and name the URL's host. For a server whose certificate your own CA
//! signed (or a self-signed one), give that CA to
//! [`RedisStoreBuilder::tls_root_certificates`]; for a server that asks clients for
//! a certificate (`tls-auth-clients yes`), give yours to
//! [`RedisStoreBuilder::tls_client_certificate`]:
//!
//! ```no_run
//! # #[cfg(feature = "tls")]
//! # async fn tls() -> narvik::Result<()> {
//! use narvik_redis::RedisStore;
//!
//! let ca = std::fs::read("/etc/redis/tls/ca.crt").map_err(narvik::Error::store)?;
//! let store = RedisStore::<()>::builder("rediss://redis.internal:6380")
//!     .tls_root_certificates(ca)
//!     .connect()
//!     .await?;
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
//!
//! rustls needs one crypto provider: this feature brings `ring`. If your app
//! also switches on rustls's `aws-lc-rs` (through another crate), rustls cannot
//! choose; install one for the process before connecting, with
//! `rustls::crypto::ring::default_provider().install_default()`.
//!
//! A server whose certificate does not verify is refused at
//! [`connect`](RedisStoreBuilder::connect) with [`narvik::Error::Store`], within the
//! connection timeout, as is a `redis://` URL given certificates (it would not use
//! TLS). Keys, frames and scripts are the same as in plain text.
//!
//! # Sentinel
//!
//! With the `sentinel` feature, [`RedisStore::sentinel`] connects through Redis
//! Sentinel to the primary it names, and follows a failover without a restart:
//!
//! ```no_run
//! # #[cfg(feature = "sentinel")]
//! # async fn sentinel() -> narvik::Result<()> {
//! use narvik_redis::RedisStore;
//!
//! let sentinels = ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379", "redis://10.0.0.3:26379"];
//! let store = RedisStore::<()>::sentinel(sentinels, "mymaster")
//!     .connect()
//!     .await?
//!     .with_key_prefix("myapp:");
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
//!
//! Keys, frames and scripts are those of one server: every request goes to the
//! primary. The store's connection, a [`SentinelConnection`], asks every
//! Sentinel where the primary is and trusts the newest failover any of them
//! knows of. On failover:
//!
//! - Requests in flight when the primary goes away fail with
//!   [`narvik::Error::Store`]; so do requests while no primary can be found,
//!   within the [resolve timeout](SentinelStoreBuilder::resolve_timeout). A
//!   validation never reads a live session as signed out: it answers the
//!   session or an error.
//! - Within the [watch interval](SentinelStoreBuilder::watch_interval) (500 ms)
//!   of the Sentinels naming a new primary, the store sends there, even though
//!   the old one answers as a primary until the Sentinels demote it, seconds
//!   later: a sign-out made after that is never undone by the demotion.
//! - Writes the old primary took but had not replicated are lost, as with any
//!   client of Redis replication (asynchronous): a session created or ended just
//!   before the failover may be missing or back. Redis's `min-replicas-to-write`
//!   narrows that window.
//!
//! [`connect`](SentinelStoreBuilder::connect) checks the primary's eviction
//! policy; give every server of the group the same.
//!
//! # Redis Cluster
//!
//! With the `cluster` feature, [`RedisStore::cluster`] connects to a Redis
//! Cluster (the `redis` crate's async cluster client) and gives a
//! [`RedisClusterStore`]:
//!
//! ```no_run
//! # #[cfg(feature = "cluster")]
//! # async fn cluster() -> narvik::Result<()> {
//! use narvik_redis::RedisStore;
//!
//! let nodes = ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000", "redis://10.0.0.3:7000"];
//! let store = RedisStore::<()>::cluster(nodes)
//!     .connect()
//!     .await?
//!     .with_key_prefix("myapp:");
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
//!
//! Key layout: a session's key is the prefix, `session:`, then the session id
//! in braces, as in `myapp:session:{3f2a…}`: the braces are Redis's hash tag,
//! so the key lies in the slot of the session id. A user's index is the prefix,
//! `user:`, then the user id in braces (`myapp:user:{user-1}`), in the slot of
//! the user. Values (the frame), index scores and tokens are those of one
//! server; a prefix holding `{` would put every key in one slot.
//!
//! Sessions spread over every primary. No script touches two slots (each
//! touches one key), so the steps below that span a session and its index run
//! one after the other, in this order, which keeps one rule: a live session is
//! always in its user's index, with a score at or after its key's expiry (so
//! dropping a member whose score has passed never loses one).
//!
//! - Validation (`fetch_session`) stays one `GET`, in the session's slot.
//! - Save: list the session in the index first (`ZADD GT` in the user's slot; in
//!   one save of 16, also `ZREMRANGEBYSCORE` of the members that expired over a
//!   minute ago), then write the key (`SET ... NX` in the session's slot, which
//!   refuses to write over a tombstone). Two round trips, no script.
//! - Extension, by validation: raise the score in the slot of the user it read
//!   (`ZADD XX GT`), then rewrite the expiry if the session still exists (a short
//!   script in the session's slot). Two round trips after the `GET`; three when
//!   called as `update_session_expiry`, which must `GET` the user first.
//! - `delete_session`: delete the key, then its member.
//! - "Sign out everywhere" (`delete_sessions_for_user`) and
//!   `delete_other_sessions_for_user`: read the index, then for each member, in
//!   the session's slot at once, replace the user's session, or a key not yet
//!   written (a sign-in between its two steps), with a tombstone
//!   (`narvik:ended`, a few bytes) that expires with the member's score, so
//!   that a sign-in in flight writes nothing; then drop those members only (never the whole index: a
//!   sign-in may have listed itself meanwhile). Every session whose creation
//!   returned before the sign-out began is ended when it returns; a sign-in
//!   during it either ends or lives and stays listed. An extension never undoes
//!   it: it raises a member (`XX`: only one still there) before it touches the
//!   key, and never writes a key that is gone or a tombstone. Reads take a
//!   tombstone for no session.
//! - Rotation: read `from`, list `to`, delete `from` (stop if gone), write `to`
//!   (unless a sign-out ended it meanwhile), then drop `from`'s member. No moment
//!   has both stored; between the last two steps neither is, and the index lists
//!   both, so a concurrent sign-out ends whichever exists. An app server that
//!   dies between them loses that session (its user signs in again).
//! - `update_session_data`: one script in the session's slot, as on one server.
//! - `fetch_sessions_for_user`: the index, then every listed session's `GET` at
//!   once; a session gone, ended or another user's is left out.
//! - `delete_all_sessions` and `delete_all_expired_sessions` walk every
//!   primary with `SCAN` (which the cluster client does not route: the store
//!   asks `CLUSTER NODES` for the primaries and sends each its own `SCAN`), page
//!   by page, as on one server: the first deletes each session key, then its
//!   member; the second deletes each listed session whose `expires_at` is over by
//!   your clock, then drops its member if still scored before then. Run the
//!   second now and then: an index has no TTL.
//! - `save_session_limited` (for
//!   [`max_sessions_per_user`](narvik::NarvikBuilder::max_sessions_per_user)):
//!   one script in the user's slot applies the limit by the index's scores and
//!   lists the new session, naming the sessions to end, which stay listed until
//!   Rust has ended each in its slot (so a sign-out never misses one); then the
//!   new session is written. Concurrent sign-ins of one user each see what the
//!   others left (50 at once under a limit of 5 leave 5). A member whose session
//!   was deleted a moment ago and not yet dropped still counts, so `RefuseNew`
//!   may refuse a sign-in one server would take.
//!
//! Every optional operation is implemented; the whole conformance suite runs
//! against a cluster of six nodes the tests start.
//!
//! On failover: a command to a primary that died fails, or is retried by the
//! client while its replica takes over (within the
//! [overall timeout](ClusterStoreBuilder::overall_timeout), 5 s by default);
//! past it the operation answers [`narvik::Error::Store`]. A validation answers
//! the session or an error, never "signed out" (tested by killing a primary).
//! Slots moved between primaries (`redis-cli --cluster reshard`) are followed
//! through `MOVED` and `ASK` redirections: every script touches one key, so a
//! slot in migration never makes one fail (tested under load: no error, no
//! session lost).
//! Writes the dead primary took but had not replicated are lost, as with any
//! client of Redis replication. [`connect`](ClusterStoreBuilder::connect)
//! checks the eviction policy of every primary (see [Eviction](#eviction));
//! give the replicas the same.
//!
//! With the `tls` feature too, `rediss://` node URLs connect over TLS;
//! [`ClusterStoreBuilder::tls_root_certificates`] and
//! [`tls_client_certificate`](ClusterStoreBuilder::tls_client_certificate) work
//! as for one server. Each node's certificate must name the address the cluster
//! gives for it (its IP address unless the nodes announce hostnames).
//!
//! # Key layout
//!
//! Every key starts with the store's prefix (default `narvik:`,
//! [`RedisStore::with_key_prefix`] sets another):
//!
//! | key | type | holds | expires |
//! | --- | --- | --- | --- |
//! | `{prefix}session:{session_id}` | string | `v2:{expires_at}:{issued_at}:{authenticated_at}:{data_version}:{user_id_len}:{user_id}{data}` | at `expires_at` (`SET ... PXAT`) |
//! | `{prefix}user:{user_id}` | sorted set | the user's session ids, scored by their `expires_at` | never (no TTL); deleted once empty |
//!
//! A session is one string, framed: the mark `v2:`, then `expires_at`, `issued_at`
//! and `authenticated_at` in Unix milliseconds, the data version (how many times
//! [`update_session_data`](narvik::UpdateSessionData::update_session_data) changed
//! the data, 0 for a new session), each followed by a `:`, the user id's length in
//! bytes, a `:`, the user id, then the custom fields as JSON, as in
//! `v2:1767225600000:1764633600000:1764633600000:0:2:u1{"username":"x"}`. The
//! length, not a separator, ends the user id, so a user id may hold anything.
//! Frames written by 0.1 lack the mark, the two stamps and the data version
//! (`{expires_at}:{user_id_len}:{user_id}{data}`): they still decode, at data
//! version 0, and are rewritten once (see [Upgrading from 0.1](#upgrading-from-01)).
//!
//! One string, so that validating is a single `GET` with one reply, as with
//! tower-sessions-redis-store; `issued_at`, `authenticated_at` and the data
//! version live in it, so an absolute lifetime costs validation nothing more, and
//! a data update compares and writes that one key. Framed rather than one JSON
//! document, so that the scripts read the times, the version and the user id and
//! rewrite `expires_at` or the version with string functions alone, copying the
//! data as stored or as Rust encoded it: Lua's JSON would turn large integers into
//! floats. The session id is the SHA-256 of the
//! token; the token itself is never stored.
//!
//! # Atomicity
//!
//! Every write but a sign-in's is one Lua script (`redis::Script`: `EVALSHA`,
//! loading the script when the server lacks it), so a session and its user's
//! index never disagree:
//!
//! - `save_session` writes the string with its expiry (`SET ... PXAT`), then
//!   indexes it (`ZADD`) and takes any TTL off the index (`PERSIST`): plain
//!   commands in one pipeline, which cost Redis a fraction of a script. Not one
//!   step, and it need not be: the key is written first, so a "sign out
//!   everywhere" between the two misses a sign-in that had not returned yet,
//!   which stays listed (the next sign-out ends it), as on a cluster. A session
//!   already expired (or within a minute of it, by the app server's clock) goes to
//!   a script that decides by Redis's clock and leaves nothing behind.
//! - `update_session_expiry`, and `extend_session` (what validation calls), rewrite
//!   the leading `expires_at`, the key's expiry and the index score, and only if
//!   the session still exists: a session deleted meanwhile stays deleted. Every
//!   byte after `expires_at` is copied as stored, so a data update that landed
//!   after validation read the session is kept. `extend_session` is a script of
//!   a few lines (`GET`, `SET`) beside a plain `ZADD XX GT` in the index of the
//!   user validation read.
//! - `delete_session` deletes the string and its index member.
//! - `fetch_sessions_for_user` and `delete_sessions_for_user` read each member's
//!   session: a member whose session expired by itself is dropped, never returned; a
//!   session that names another user is never returned or deleted.
//! - `rotate_session` reads the old session, writes it under the new id with the
//!   same expiry (and the new `authenticated_at`, when given), deletes the old key
//!   and swaps the id in the index. An old session that is gone stays gone: nothing
//!   is written.
//! - `delete_other_sessions_for_user` is `delete_sessions_for_user` sparing one
//!   session: a session the user creates meanwhile is either deleted or kept, whole.
//! - `update_session_data` (for
//!   [`Narvik::update_session_data`](narvik::Narvik::update_session_data) and
//!   [`modify_session_data`](narvik::Narvik::modify_session_data)) reads the
//!   frame, compares its data version with the expected one, and only then writes
//!   the new data and the version plus one, keeping every other byte of the frame
//!   and the key's expiry (`SET ... KEEPTTL`). One round trip; a session that is
//!   gone stays gone. Any number of app servers modifying one session lose no
//!   update.
//! - `save_session_limited` (for
//!   [`max_sessions_per_user`](narvik::NarvikBuilder::max_sessions_per_user)) reads
//!   the user's index and the `expires_at` in each member's frame, deletes the
//!   sessions that are over, then refuses the new session or ends the ones with
//!   the earliest `expires_at`, and saves. Redis runs one script at a time: 50
//!   simultaneous sign-ins of one user under a limit of 5 leave exactly 5.
//! - `update_session_expiry` and `delete_session` also drop the members scored
//!   before now (`ZREMRANGEBYSCORE`: their sessions expired by themselves), and so
//!   does one save in 16 (a session id ending in `0`) for the members that expired
//!   over a minute ago (app servers' clocks may disagree with Redis's), so the
//!   index of a user who never signs out stays about as small as their live
//!   sessions, without a walk over its members.
//!
//! `fetch_session` is a plain `GET`, decoded in Rust. `delete_all_sessions` is the
//! one operation that is not one step: it walks the session keys of the prefix
//! with `SCAN`, one script per page (each session deleted with its index member),
//! then the indexes. Every session there when it starts is deleted; one created
//! while it runs may survive, whole and indexed.
//!
//! # Expiry needs no cleanup job
//!
//! Redis deletes a session key at its `expires_at` by itself. A user's index has
//! no TTL (see [Eviction](#eviction)); the writes keep it small: each deletion
//! and one save in 16 drop the members whose session expired, a listing drops
//! every member whose session is gone, and Redis deletes an index left empty.
//! `delete_all_expired_sessions` is there for the stragglers: it walks the user
//! indexes with `SCAN` (pages of about 100 keys, one atomic script per page, so
//! Redis is never blocked for long), drops members whose session is gone, and
//! deletes sessions whose `expires_at` has passed by narvik's clock, which may run
//! ahead of Redis's. Nothing breaks without it; what it saves is memory (see
//! [Limits](#limits)).
//!
//! Expiry times are kept to the millisecond (rounded down), the unit of `PXAT`.
//!
//! # Round trips
//!
//! A validation that does not extend the session costs one round trip (the
//! `GET`), with or without an absolute lifetime; one that extends it, two (the
//! `GET`, then a pipeline of `ZADD XX GT` and one `EVALSHA`). A save is one round
//! trip (a pipeline of three commands, four in one save of 16). A frame of 0.1 costs one more, once (see
//! [Upgrading from 0.1](#upgrading-from-01)). The scripts are loaded
//! at [`connect`](RedisStore::connect); over a connection you made, call
//! [`load_scripts`](RedisStore::load_scripts) once, or the first call of each
//! script costs one more round trip.
//!
//! # Upgrading from 0.1
//!
//! Sessions stored by 0.1 keep working. Their frames,
//! `{expires_at}:{user_id_len}:{user_id}{data}`, kept no sign-in time nor proof of
//! a credential, so on its first read by this version (a validation's
//! `fetch_session`, a listing of its user, a rotation) a script rewrites such a
//! frame in the current layout, once, keeping the key's expiry (`SET ... KEEPTTL`),
//! with:
//!
//! - `issued_at` = the time of that read (this app server's clock): an
//!   [absolute lifetime](narvik::NarvikBuilder::absolute_lifetime) counts from the
//!   first validation after the upgrade, not from the sign-in, which nobody
//!   recorded. A session signed in long before the upgrade gets a full absolute
//!   lifetime from then on.
//! - `authenticated_at` = [`narvik::UNKNOWN_TIME`] (the Unix epoch): no proof of a
//!   credential is on record, so
//!   [`authenticated_within`](narvik::Session::authenticated_within) is false and
//!   "sudo mode" asks for the password again;
//! - data version 0.
//!
//! A data update that finds a frame of 0.1 (only written by hand, or by an app
//! server of 0.1 after this version's read) treats its version as 0: expecting 0,
//! it writes the current layout with the stamps above and version 1; expecting
//! another, it writes nothing.
//!
//! The rewrite is one atomic script that reads the value again: a frame still of
//! 0.1 is rewritten as it is then (with an expiry another app server set
//! meanwhile, say), one already rewritten by another app server is returned
//! unchanged (so its `issued_at` is never moved), and a session deleted meanwhile
//! stays deleted. That read costs validation one more round trip, once per
//! session; a frame of the current layout is validated with the one `GET`.
//!
//! Indexes of 0.1 are upgraded as well; see [Eviction](#eviction). App servers of
//! 0.1 running beside this version during a rolling upgrade read the new frames
//! as malformed (their validation deletes such a session): upgrade them all at
//! once, or expect users whose sessions both versions see to sign in again.
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
//! # Eviction
//!
//! "Sign out everywhere" (`delete_sessions_for_user`) and the listing find a user's
//! sessions through their index alone: an index lost while its sessions live on
//! would leave those sessions signed in. Redis loses keys to its memory limit under
//! an eviction policy (`maxmemory-policy`): `volatile-*` policies, the default of
//! several managed services, evict only keys with a TTL, `allkeys-*` any key.
//!
//! So an index has no TTL, and [`connect`](RedisStore::connect) reads the policy
//! (`CONFIG GET maxmemory-policy`) and refuses, with an
//! [`EvictionPolicyError`], anything but `noeviction` or a `volatile-*` policy.
//! Sessions keep their TTL: under `volatile-*` Redis may evict one when full, which
//! signs that session out, never in. Managed services often disable or rename
//! `CONFIG`: there `connect` fails with
//! [`EvictionPolicyError::PolicyUnreadable`], which names the switch,
//! [`RedisStoreBuilder::skip_eviction_policy_check`], for you to vouch for the
//! policy yourself. A policy changed after connecting is not seen.
//!
//! Why this design: the alternatives cost every request or every sign-out. A
//! per-user generation number checked at validation would cost a second `GET` (one
//! round trip is the point of this store) and change the frame; finding a user's
//! sessions by `SCAN` over every session key would make "sign out everywhere" as
//! slow as the whole store is large. An index that cannot be evicted keeps
//! validation one `GET`, the frame and the session keys as they were.
//!
//! Indexes written by 0.1, which have a TTL, keep working as before: the first read
//! of a session 0.1 wrote (the rewrite of its frame) takes its index's TTL off
//! (`PERSIST`), and so does the next save, deletion or listing of that user, or
//! one run of `delete_all_expired_sessions`. Until then such an index expires with
//! its user's latest session as it did, and could be evicted under a `volatile-*`
//! policy. An extension does not touch an index's TTL (it raises the session's
//! score with a plain `ZADD XX GT`): it extends a session this version already
//! read, whose index is permanent by then. Instances of 0.1 running beside this
//! version during an upgrade give indexes a TTL again, which only the next save,
//! deletion or listing takes off: upgrade every app server at once.
//!
//! # Limits
//!
//! [`RedisStore`] runs on one Redis server, or a primary with replicas (behind
//! Sentinel, see [Sentinel](#sentinel)), not on Redis Cluster: its scripts reach a
//! session and its user's index together, and those keys hash to different
//! slots. On a cluster, use [`RedisClusterStore`] (see
//! [Redis Cluster](#redis-cluster)). Needs Redis 7 or later (`SET ... PXAT`, `GETDEL`, and `TIME` in scripts
//! that write, which replication by effects allows); tested on Redis 7.0. The
//! eviction policy must be `noeviction` or `volatile-*` (see [Eviction](#eviction)).
//!
//! An index without TTL stays until emptied. In the worst case, a user who never
//! comes back and is never listed keeps an index holding the sessions that were
//! live at their last pruning save or deletion (about 100 bytes each, plus the
//! key): memory that grows with such users until `delete_all_expired_sessions`
//! runs, which deletes every index whose sessions are all over. Run it now and then
//! (daily, say).
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
//! and its client types would become this crate's API instead. Sentinel is
//! handled here, over `redis` connections, by [`SentinelConnection`] (feature
//! `sentinel`): `redis`'s own Sentinel client does not watch for failovers.
//!
//! It is the 1.x line: `redis` types are part of this crate's API (the re-export,
//! [`RedisStore::connect_with_config`], [`RedisStore::from_connection`]), so
//! starting on the superseded 0.x line would force a breaking release soon. 1.x
//! also times out connections and commands by default where 0.x waited forever,
//! which matters to apps that make their own `ConnectionManager`. It needs Rust
//! 1.88, the minimum of the whole workspace.

mod builder;
#[cfg(feature = "cluster")]
mod cluster;
mod error;
mod eviction;
mod fast_path;
mod frame;
mod keys;
mod lifecycle;
mod record;
mod scan;
mod scripts;
#[cfg(feature = "sentinel")]
mod sentinel;
mod store;
mod tls;

pub use crate::builder::RedisStoreBuilder;
#[cfg(feature = "cluster")]
pub use crate::cluster::{ClusterStoreBuilder, RedisClusterStore};
pub use crate::error::DecodeError;
pub use crate::eviction::EvictionPolicyError;
#[cfg(feature = "sentinel")]
pub use crate::sentinel::{
    SentinelConnection, SentinelStoreBuilder, DEFAULT_RESOLVE_TIMEOUT, DEFAULT_WATCH_INTERVAL,
};
pub use crate::store::{RedisStore, DEFAULT_KEY_PREFIX};
/// The `redis` client this store is built on, to make a connection or a
/// [`ConnectionManagerConfig`](redis::aio::ConnectionManagerConfig) of the same
/// version.
pub use redis;
