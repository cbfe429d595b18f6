//! [`RedisStore`]: the store over one Redis connection, the seven operations of
//! narvik 0.1, and typed data updates (the lifecycle controls are in
//! `lifecycle.rs`).

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use narvik::{
    async_trait, codec, DataUpdate, DeleteExpiredSessions, DeleteUserSessions, Error,
    FetchUserSessions, Result, Session, SessionData, SessionId, SessionStore, UpdateSessionData,
};
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisError, ServerErrorKind};
use time::OffsetDateTime;

use crate::keys::Keys;
use crate::scan::Scan;
use crate::{eviction, fast_path, frame, record, scripts, DecodeError, RedisStoreBuilder};

/// The key prefix of a store unless [`RedisStore::with_key_prefix`] sets another.
pub const DEFAULT_KEY_PREFIX: &str = "narvik:";

/// Sessions in Redis: each one string key that expires by itself, with a per-user
/// index kept in step by Lua scripts. Supports every operation: the four required,
/// the optional three of narvik 0.1, and the lifecycle controls
/// ([`RotateSessions`](narvik::RotateSessions),
/// [`DeleteOtherUserSessions`](narvik::DeleteOtherUserSessions),
/// [`DeleteAllSessions`](narvik::DeleteAllSessions),
/// [`LimitUserSessions`](narvik::LimitUserSessions)), and typed data updates
/// ([`UpdateSessionData`]).
///
/// `C` is the connection: a [`ConnectionManager`] (from [`connect`](Self::connect)),
/// or any clonable `redis` async connection given to
/// [`from_connection`](Self::from_connection). See the [crate docs](crate) for the
/// key layout, the round trips and the behaviour when Redis is down.
pub struct RedisStore<D, C = ConnectionManager> {
    pub(crate) connection: C,
    pub(crate) keys: Keys,
    data: PhantomData<fn() -> D>,
}

impl<D> RedisStore<D> {
    /// Connects to the Redis server at `url` (`redis://[:password@]host[:port][/db]`)
    /// with [`default_connection_config`](Self::default_connection_config), checks
    /// that its eviction policy never evicts a user index, and loads the store's
    /// scripts.
    ///
    /// On a server that refuses `CONFIG GET`, as many managed services do, connect
    /// with [`builder`](Self::builder) and
    /// [`skip_eviction_policy_check`](RedisStoreBuilder::skip_eviction_policy_check).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when `url` is invalid or the server cannot be reached (the
    /// `redis` error is the source), or when the server's `maxmemory-policy` may
    /// evict a user index (`allkeys-*`) or cannot be read (an
    /// [`EvictionPolicyError`](crate::EvictionPolicyError) is the source).
    pub async fn connect(url: &str) -> Result<Self> {
        Self::builder(url).connect().await
    }

    /// Like [`connect`](Self::connect), with your own timeouts and reconnection
    /// settings.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_with_config(url: &str, config: ConnectionManagerConfig) -> Result<Self> {
        Self::builder(url).connection_config(config).connect().await
    }

    /// A builder to connect to the server at `url` with settings beyond the URL:
    /// your own [`connection_config`](RedisStoreBuilder::connection_config), or
    /// [`skip_eviction_policy_check`](RedisStoreBuilder::skip_eviction_policy_check)
    /// for a server that refuses `CONFIG GET`.
    pub fn builder(url: &str) -> RedisStoreBuilder<D> {
        RedisStoreBuilder::new(url)
    }

    /// The settings [`connect`](Self::connect) uses: a connection attempt times out
    /// after 1 s and a command after 500 ms, and a lost connection is retried twice,
    /// so a request fails within a few seconds while Redis is down instead of
    /// hanging; the next request after that tries to reconnect again.
    pub fn default_connection_config() -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500))
    }
}

impl<D, C> RedisStore<D, C> {
    /// A store over a connection you made, such as a
    /// [`ConnectionManager`] with your settings or a
    /// [`MultiplexedConnection`](redis::aio::MultiplexedConnection). The store
    /// clones it for each operation, so it must be cheap to clone and shared (both
    /// of those are). Call [`load_scripts`](Self::load_scripts) once to spare the
    /// first calls a round trip, and
    /// [`check_eviction_policy`](Self::check_eviction_policy) once, as
    /// [`connect`](RedisStore::connect) does, unless the server refuses `CONFIG GET`
    /// and you have checked its policy yourself.
    ///
    /// Name the connection type as `_` when naming the data type:
    /// `RedisStore::<AppData, _>::from_connection(connection)` (with
    /// `RedisStore::<AppData>` alone, Rust takes the default, `ConnectionManager`).
    pub fn from_connection(connection: C) -> Self {
        Self {
            connection,
            keys: Keys::new(DEFAULT_KEY_PREFIX),
            data: PhantomData,
        }
    }

    /// Puts every key of this store under `prefix` (default
    /// [`DEFAULT_KEY_PREFIX`]), so several apps, or tests, can share a server.
    ///
    /// End it with a separator such as `:`. No store's prefix may be another's
    /// followed by `session:` or `user:`, or one store would read the other's keys
    /// as its own.
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.keys = Keys::new(prefix);
        self
    }

    /// The prefix of every key of this store.
    pub fn key_prefix(&self) -> &str {
        self.keys.prefix()
    }

    /// The key of the string that holds session `session_id`:
    /// `{prefix}session:{session_id}`.
    pub fn session_key(&self, session_id: &SessionId) -> String {
        self.keys.session(session_id.as_str())
    }

    /// The key of the index of `user_id`'s sessions: `{prefix}user:{user_id}`.
    pub fn user_index_key(&self, user_id: &str) -> String {
        self.keys.user_index(user_id)
    }

    /// The connection.
    pub fn connection(&self) -> &C {
        &self.connection
    }
}

impl<D, C: ConnectionLike + Clone> RedisStore<D, C> {
    /// Loads the store's Lua scripts into the server's script cache, in one round
    /// trip. Optional: a script the server does not know is loaded on first use,
    /// at the cost of one more round trip then ([`connect`](Self::connect) loads
    /// them already).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when Redis fails or refuses a script.
    pub async fn load_scripts(&self) -> Result<()> {
        let mut pipeline = redis::pipe();
        for source in scripts::SOURCES {
            pipeline.cmd("SCRIPT").arg("LOAD").arg(source).ignore();
        }
        let mut connection = self.connection.clone();
        pipeline
            .exec_async(&mut connection)
            .await
            .map_err(Error::store)
    }
}

impl<D, C: ConnectionLike + Clone> RedisStore<D, C> {
    /// Checks that the server's `maxmemory-policy` never evicts a user index:
    /// `noeviction` or a `volatile-*` policy (an index has no TTL, so those never
    /// evict it). [`connect`](RedisStore::connect) calls it; call it once over a
    /// connection you made. It reads the policy now: a policy changed later (by
    /// `CONFIG SET`) is not seen.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] with an [`EvictionPolicyError`](crate::EvictionPolicyError)
    /// as source when the policy is another (`allkeys-*` may evict an index while
    /// its sessions live on, and "sign out everywhere" would miss them), or when the
    /// server refuses `CONFIG GET` or does not report the policy; with the `redis`
    /// error as source when the server cannot be reached.
    pub async fn check_eviction_policy(&self) -> Result<()> {
        let mut connection = self.connection.clone();
        eviction::check(&mut connection).await
    }
}

impl<D, C: Clone> Clone for RedisStore<D, C> {
    fn clone(&self) -> Self {
        Self {
            connection: self.connection.clone(),
            keys: self.keys.clone(),
            data: PhantomData,
        }
    }
}

impl<D, C> fmt::Debug for RedisStore<D, C> {
    /// Shows the key prefix only: a connection's debug output can show its URL,
    /// password included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("key_prefix", &self.keys.prefix())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<D, C> SessionStore for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    type Data = D;

    /// One round trip. Usually plain commands in one pipeline: `SET ... PXAT`,
    /// then `ZADD` to the user's index, `PERSIST` on it (an index of 0.1 had a
    /// TTL), and in one save of 16 a `ZREMRANGEBYSCORE` of the members that
    /// expired. Not a transaction, and it need not be: the key is written before
    /// its member, so a "sign out everywhere" that runs between the two misses a
    /// session that is then listed (the next one ends it), and a save cut short
    /// between them leaves a key whose token was never handed out. A session over
    /// already (or within a minute of it, by this server's clock) goes to the save
    /// script, which decides by Redis's clock.
    async fn save_session(&self, session: &mut Session<D>) -> Result<()> {
        let value = record::encode(session)?;
        let expires_at = record::unix_ms(session.expires_at);
        let session_id = session.id.as_str();
        let session_key = self.keys.session(session_id);
        let index = self.keys.user_index(&session.user_id);
        let mut connection = self.connection.clone();
        if fast_path::is_near_over(expires_at) {
            return scripts::SAVE
                .key(session_key)
                .key(index)
                .arg(session_id)
                .arg(expires_at)
                .arg(value)
                .invoke_async::<()>(&mut connection)
                .await
                .map_err(Error::store);
        }
        let mut commands = redis::pipe();
        commands
            .cmd("SET")
            .arg(session_key)
            .arg(value)
            .arg("PXAT")
            .arg(expires_at)
            .ignore()
            .cmd("ZADD")
            .arg(&index)
            .arg(expires_at)
            .arg(session_id)
            .ignore()
            .cmd("PERSIST")
            .arg(&index)
            .ignore();
        fast_path::prune_on_some_saves(&mut commands, &index, session_id);
        commands
            .exec_async(&mut connection)
            .await
            .map_err(Error::store)
    }

    /// One round trip: a `GET` of the session's string, decoded here. A frame of
    /// 0.1 costs one more, once: a script rewrites it in the current layout (see
    /// the [crate docs](crate#upgrading-from-01)).
    async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<D>>> {
        let mut connection = self.connection.clone();
        let session_key = self.keys.session(session_id.as_str());
        let value: Option<Vec<u8>> = redis::cmd("GET")
            .arg(&session_key)
            .query_async(&mut connection)
            .await
            .map_err(|error| fetch_error(session_id, error))?;
        let Some(value) = value else {
            return Ok(None);
        };
        let Some(value) = current_frame(
            &mut connection,
            session_key,
            session_id,
            value,
            Some(self.keys.user_index_prefix()),
        )
        .await?
        else {
            return Ok(None);
        };
        record::decode(session_id, &value).map(Some)
    }

    async fn update_session_expiry(
        &self,
        session_id: &SessionId,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let mut connection = self.connection.clone();
        scripts::UPDATE_EXPIRY
            .key(self.keys.session(session_id.as_str()))
            .arg(self.keys.user_index_prefix())
            .arg(session_id.as_str())
            .arg(record::unix_ms(expires_at))
            .invoke_async::<()>(&mut connection)
            .await
            .map_err(Error::store)
    }

    /// One round trip, one pipeline: `ZADD XX GT` raises the score in the index
    /// of the user validation read (`XX`: a member a sign-out removed stays
    /// removed), and a short script moves the expiry in the value and the key of
    /// a session that still exists (no `TIME`, no pruning, none of the helpers
    /// the other scripts share). A frame of 0.1 takes one more, once, to the full
    /// script; so does an expiry within a minute of now.
    async fn extend_session(&self, session: &Session<D>) -> Result<()> {
        let expires_at = record::unix_ms(session.expires_at);
        if fast_path::is_near_over(expires_at) {
            return self
                .update_session_expiry(&session.id, session.expires_at)
                .await;
        }
        let mut commands = redis::pipe();
        commands
            .cmd("ZADD")
            .arg(self.keys.user_index(&session.user_id))
            .arg("XX")
            .arg("GT")
            .arg(expires_at)
            .arg(session.id.as_str())
            .ignore()
            .cmd("EVALSHA")
            .arg(scripts::EXTEND.get_hash())
            .arg(1)
            .arg(self.keys.session(session.id.as_str()))
            .arg(expires_at);
        let mut connection = self.connection.clone();
        let (extended,): (i64,) = match commands.query_async(&mut connection).await {
            Err(error) if error.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                // The server lost its scripts (a restart, `SCRIPT FLUSH`): load
                // this one and send the pipeline again (raising a score twice
                // changes nothing).
                scripts::EXTEND
                    .load_async(&mut connection)
                    .await
                    .map_err(Error::store)?;
                commands.query_async(&mut connection).await
            }
            answered => answered,
        }
        .map_err(Error::store)?;
        if extended < 0 {
            return self
                .update_session_expiry(&session.id, session.expires_at)
                .await;
        }
        Ok(())
    }

    async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
        let mut connection = self.connection.clone();
        scripts::DELETE
            .key(self.keys.session(session_id.as_str()))
            .arg(self.keys.user_index_prefix())
            .arg(session_id.as_str())
            .invoke_async::<()>(&mut connection)
            .await
            .map_err(Error::store)
    }
}

#[async_trait]
impl<D, C> FetchUserSessions for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// The user's sessions, soonest to expire first, in one script call. Members of
    /// the index whose session expired by itself are dropped on the way, and frames
    /// of 0.1 are rewritten in the current layout, as a fetch does (see the
    /// [crate docs](crate#upgrading-from-01)).
    ///
    /// A session whose stored value no longer decodes is left out, with a
    /// `tracing` warning naming it (see [`codec::decodable_sessions`]); validating
    /// it deletes it. So is a member whose id is not a session id (written by hand:
    /// no token opens it).
    async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        let mut connection = self.connection.clone();
        // Session id, then its value, for each session.
        let flat: Vec<Vec<u8>> = scripts::FETCH_USER
            .key(self.keys.user_index(user_id))
            .arg(self.keys.session_prefix())
            .arg(user_id)
            .arg(record::unix_ms(OffsetDateTime::now_utc()))
            .invoke_async(&mut connection)
            .await
            .map_err(Error::store)?;
        codec::decodable_sessions(
            flat.chunks_exact(2)
                .map(|pair| record::decode_listed(&pair[0], &pair[1])),
        )
    }
}

#[async_trait]
impl<D, C> DeleteUserSessions for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// Deletes the user's sessions and index in one script call; a session that
    /// names another user is never touched.
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
        let mut connection = self.connection.clone();
        scripts::DELETE_USER
            .key(self.keys.user_index(user_id))
            .arg(self.keys.session_prefix())
            .arg(user_id)
            .invoke_async::<()>(&mut connection)
            .await
            .map_err(Error::store)
    }
}

#[async_trait]
impl<D, C> DeleteExpiredSessions for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// Not needed for expiry: Redis deletes each session key at its `expires_at`
    /// by itself. This walks the user indexes of this prefix with `SCAN` (pages of
    /// about 100 keys, one script call per page, so Redis is never blocked for
    /// long), drops members whose session is gone, and deletes the sessions whose
    /// `expires_at` is at or before `now` by your clock (which may run ahead of
    /// Redis's). An index left empty is gone: run it now and then (daily, say) so
    /// the indexes of users who never come back do not pile up, as an index has
    /// no TTL (see the [crate docs](crate#eviction)).
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
        let mut connection = self.connection.clone();
        let session_prefix = self.keys.session_prefix();
        let user_index_prefix = self.keys.user_index_prefix();
        let now = record::unix_ms(now);
        let mut indexes = Scan::new(self.keys.user_index_pattern());
        while let Some(page) = indexes.next_page(&mut connection).await? {
            scripts::PRUNE_EXPIRED
                .key(page)
                .arg(&session_prefix)
                .arg(&user_index_prefix)
                .arg(now)
                .invoke_async::<()>(&mut connection)
                .await
                .map_err(Error::store)?;
        }
        Ok(())
    }
}

#[async_trait]
impl<D, C> UpdateSessionData for RedisStore<D, C>
where
    D: SessionData,
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// One script call, so one round trip (two for a value of 0.1, once): reads
    /// the session's frame, compares
    /// its data version with `expected_version`, and on a match writes the new
    /// data and the version plus one (`SET ... KEEPTTL`); every other byte of the
    /// frame, the key's expiry and the user's index stay as they were. The data
    /// is encoded here: the script never decodes JSON.
    ///
    /// A frame of 0.1 has data version 0; updated, it is written in the current
    /// layout, as its first fetch would have written it (see the
    /// [crate docs](crate#upgrading-from-01)). A value that is no frame (or no
    /// string) is an [`Error::Decode`], and nothing is written; validation
    /// deletes it.
    async fn update_session_data(
        &self,
        session_id: &SessionId,
        expected_version: u64,
        data: &D,
    ) -> Result<DataUpdate> {
        // The version wraps as `MemoryStore`'s does: 2^64 updates of one session
        // never happen.
        let key = self.keys.session(session_id.as_str());
        let mut connection = self.connection.clone();
        run_update_data(
            &mut connection,
            &key,
            session_id,
            expected_version,
            data,
            None,
        )
        .await
    }
}

/// Runs the data-update script on `key`, the key of session `session_id`: the
/// lean one for the current layout, then, when it answers that the frame is of
/// another layout (0.1, or no frame), the one that reads every layout; reads
/// its reply. `ended` is the value that marks an ended session where a store
/// writes one (the cluster's tombstone): it answers [`DataUpdate::Gone`].
pub(crate) async fn run_update_data<C: ConnectionLike + Send, D: SessionData>(
    connection: &mut C,
    key: &str,
    session_id: &SessionId,
    expected_version: u64,
    data: &D,
    ended: Option<&[u8]>,
) -> Result<DataUpdate> {
    let data = codec::encode_data(data)?;
    let data_version = expected_version.wrapping_add(1);
    let reply: redis::Value = scripts::UPDATE_DATA
        .key(key)
        .arg(expected_version)
        .arg(data_version)
        .arg(&data)
        .invoke_async(connection)
        .await
        .map_err(|error| fetch_error(session_id, error))?;
    let reply = if reply == redis::Value::Int(-1) {
        // Not the current layout: rare enough for a second call to the script
        // that reads every layout.
        scripts::UPDATE_DATA_ANY
            .key(key)
            .arg(expected_version)
            .arg(data_version)
            .arg(&data)
            .arg(record::unix_ms(OffsetDateTime::now_utc()))
            .invoke_async(connection)
            .await
            .map_err(|error| fetch_error(session_id, error))?
    } else {
        reply
    };
    match reply {
        redis::Value::Nil => Ok(DataUpdate::Gone),
        redis::Value::Int(1) => Ok(DataUpdate::Updated { data_version }),
        redis::Value::Int(0) => Ok(DataUpdate::Conflict),
        redis::Value::BulkString(value) if ended == Some(value.as_slice()) => Ok(DataUpdate::Gone),
        // Not a frame: parsing names what is wrong with it, never its bytes.
        redis::Value::BulkString(value) => Err(match frame::parse(&value) {
            Err(error) => Error::decode(session_id, error),
            Ok(_) => Error::store("update_session_data: the script refused a frame it reads"),
        }),
        _ => Err(Error::store(
            "update_session_data: unexpected reply from the script",
        )),
    }
}

/// `value`, the stored value of session `session_id` under `session_key`, in the
/// current layout: a 0.1 frame is rewritten once, conditionally, by the upgrade
/// script, which answers the new frame; `None` when the session was deleted since
/// it was read (signed out meanwhile).
pub(crate) async fn current_frame<C: ConnectionLike + Send>(
    connection: &mut C,
    session_key: String,
    session_id: &SessionId,
    value: Vec<u8>,
    user_index_prefix: Option<String>,
) -> Result<Option<Vec<u8>>> {
    if !frame::is_0_1_frame(&value) {
        return Ok(Some(value));
    }
    let mut upgrade = scripts::UPGRADE.prepare_invoke();
    upgrade
        .key(session_key)
        .arg(record::unix_ms(OffsetDateTime::now_utc()));
    if let Some(prefix) = user_index_prefix {
        upgrade.arg(prefix);
    }
    upgrade
        .invoke_async(connection)
        .await
        .map_err(|error| fetch_error(session_id, error))
}

/// A key that holds no string is stored data that does not decode (so validation
/// drops it); any other failure is the store's.
pub(crate) fn fetch_error(session_id: &SessionId, error: RedisError) -> Error {
    if error.code() == Some("WRONGTYPE") {
        Error::decode(session_id, DecodeError::NotAString)
    } else {
        Error::store(error)
    }
}
