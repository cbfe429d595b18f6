//! Redis Cluster mode (feature `cluster`): [`RedisClusterStore`], over the `redis`
//! crate's async cluster client. Every script touches the keys of one hash slot;
//! the steps across slots run in the order the [crate docs](crate#redis-cluster)
//! give, which is what keeps "sign out everywhere" complete.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use futures_util::future::try_join_all;
use narvik::{
    async_trait, codec, DataUpdate, DeleteAllSessions, DeleteExpiredSessions,
    DeleteOtherUserSessions, DeleteUserSessions, Error, FetchUserSessions, LimitUserSessions,
    Result, RotateSessions, Session, SessionData, SessionId, SessionLimit, SessionStore,
    UpdateSessionData,
};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use time::OffsetDateTime;

use crate::frame::{self, Stamps};
use crate::keys::Keys;
use crate::lifecycle::limit_policy_arg;
use crate::store::{current_frame, fetch_error, run_update_data};
use crate::tls::TlsSettings;
use crate::{eviction, fast_path, record, scripts, DEFAULT_KEY_PREFIX};

/// What a session key holds once "sign out everywhere" ended it before its
/// sign-in wrote it; the same text as `TOMBSTONE` in `lua/cluster/common.lua`.
pub(crate) const TOMBSTONE: &[u8] = b"narvik:ended";

/// The keys of a cluster store: hash-tagged, so a session's key lies in the slot
/// of its id and a user's index in the slot of the user id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClusterKeys {
    prefix: String,
}

impl ClusterKeys {
    /// `{prefix}session:{<session_id>}`.
    fn session(&self, session_id: &str) -> String {
        format!("{}session:{{{session_id}}}", self.prefix)
    }

    /// `{prefix}user:{<user_id>}`.
    fn user_index(&self, user_id: &str) -> String {
        format!("{}user:{{{user_id}}}", self.prefix)
    }

    /// The session id in a session key of this prefix.
    fn session_id_in<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(&self.prefix)?
            .strip_prefix("session:{")?
            .strip_suffix('}')
    }

    /// The user id in a user index key of this prefix.
    fn user_id_in<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(&self.prefix)?
            .strip_prefix("user:{")?
            .strip_suffix('}')
    }

    /// `SCAN ... MATCH` patterns of every session key and every user index of
    /// this prefix (the prefix escaped), as on one server.
    fn patterns(&self) -> (String, String) {
        let keys = Keys::new(self.prefix.clone());
        (keys.session_pattern(), keys.user_index_pattern())
    }
}

/// How many keys one `SCAN` of a primary asks for.
const SCAN_PAGE: usize = 100;

/// A builder of a [`RedisClusterStore`]; made by [`RedisStore::cluster`](crate::RedisStore::cluster).
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct ClusterStoreBuilder<D> {
    urls: Vec<String>,
    connection_timeout: Duration,
    response_timeout: Duration,
    overall_timeout: Duration,
    check_eviction_policy: bool,
    tls: TlsSettings,
    data: PhantomData<fn() -> D>,
}

impl<D> crate::RedisStore<D> {
    /// A builder to connect to the Redis Cluster that the nodes at `node_urls`
    /// (`redis://[[user]:password@]host:port`, any of its nodes; the client
    /// finds the others) belong to. See [Redis Cluster](crate#redis-cluster).
    ///
    /// ```no_run
    /// # async fn cluster() -> narvik::Result<()> {
    /// use narvik_redis::RedisStore;
    ///
    /// let nodes = ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000", "redis://10.0.0.3:7000"];
    /// let store = RedisStore::<()>::cluster(nodes)
    ///     .connect()
    ///     .await?
    ///     .with_key_prefix("myapp:");
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn cluster<I, S>(node_urls: I) -> ClusterStoreBuilder<D>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ClusterStoreBuilder {
            urls: node_urls.into_iter().map(Into::into).collect(),
            connection_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_millis(500),
            overall_timeout: Duration::from_secs(5),
            check_eviction_policy: true,
            tls: TlsSettings::default(),
            data: PhantomData,
        }
    }
}

impl<D> ClusterStoreBuilder<D> {
    /// How long connecting to one node may take (default 1 s).
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// How long one node may take to answer one command (default 500 ms).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How long one command may take in all, redirections and retries
    /// (while a replica takes over a failed primary) included (default 5 s):
    /// past it the operation fails with [`Error::Store`].
    pub fn overall_timeout(mut self, timeout: Duration) -> Self {
        self.overall_timeout = timeout;
        self
    }

    /// Trusts the certificate authorities in `pem` instead of the system's,
    /// for `rediss://` node URLs, as
    /// [`RedisStoreBuilder::tls_root_certificates`](crate::RedisStoreBuilder::tls_root_certificates)
    /// does for one server. Every node's certificate must name the address the
    /// cluster gives for it (its IP address, unless the nodes announce
    /// hostnames).
    #[cfg(feature = "tls")]
    pub fn tls_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.set_root_certificates(pem.into());
        self
    }

    /// Presents a client certificate and its key to nodes that ask for one, as
    /// [`RedisStoreBuilder::tls_client_certificate`](crate::RedisStoreBuilder::tls_client_certificate).
    #[cfg(feature = "tls")]
    pub fn tls_client_certificate(
        mut self,
        certificate_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.tls
            .set_client_certificate(certificate_pem.into(), key_pem.into());
        self
    }

    /// Connects without reading the nodes' `maxmemory-policy`, for clusters
    /// that refuse `CONFIG GET`: you then vouch that every node's is
    /// `noeviction` or a `volatile-*` one (see [Eviction](crate#eviction)).
    pub fn skip_eviction_policy_check(mut self) -> Self {
        self.check_eviction_policy = false;
        self
    }

    /// Connects to the cluster, checks the eviction policy of every primary (as
    /// [`RedisStore::connect`](crate::RedisStore::connect) checks its server's)
    /// unless told not to, and loads the store's scripts on every node.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when a URL is invalid or no node can be reached, within
    /// the timeouts, or when a primary's eviction policy may evict a user index or
    /// cannot be read (an [`EvictionPolicyError`](crate::EvictionPolicyError)
    /// is the source).
    pub async fn connect(self) -> Result<RedisClusterStore<D>> {
        #[cfg(feature = "tls")]
        if self.tls.certificates().is_some()
            && !self.urls.iter().all(|url| url.starts_with("rediss://"))
        {
            return Err(Error::store(
                "TLS certificates were given for a cluster whose node URLs are not all \
                 `rediss://`: use `rediss://` URLs",
            ));
        }
        #[allow(unused_mut, reason = "only the `tls` feature adds certificates")]
        let mut builder = ClusterClientBuilder::new(self.urls);
        #[cfg(feature = "tls")]
        if let Some(certificates) = self.tls.certificates() {
            builder = builder.certs(certificates);
        }
        let client: ClusterClient = builder
            .connection_timeout(self.connection_timeout)
            .response_timeout(self.response_timeout)
            .overall_response_timeout(Some(self.overall_timeout))
            // A failover takes seconds: a few retries, never the client's default
            // of 16 with waits of minutes.
            .retries(6)
            .min_retry_wait(100)
            .max_retry_wait(1000)
            .build()
            .map_err(Error::store)?;
        let connection = tokio::time::timeout(self.overall_timeout, client.get_async_connection())
            .await
            .map_err(|_| Error::store("connecting to the Redis Cluster timed out"))?
            .map_err(Error::store)?;
        let store = RedisClusterStore::from_connection(connection);
        if self.check_eviction_policy {
            store.check_eviction_policy().await?;
        }
        store.load_scripts().await?;
        Ok(store)
    }
}

impl<D> fmt::Debug for ClusterStoreBuilder<D> {
    /// Leaves the URLs out: they may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterStoreBuilder")
            .field("nodes", &self.urls.len())
            .field("tls", &self.tls.describe())
            .finish_non_exhaustive()
    }
}

/// A session store on Redis Cluster (feature `cluster`): a session's key in the
/// hash slot of its id, the user's index in the slot of the user, written in the
/// order the [crate docs](crate#redis-cluster) give. Made by
/// [`RedisStore::cluster`](crate::RedisStore::cluster) or
/// [`from_connection`](Self::from_connection); clones share the connection.
///
/// Implements [`SessionStore`], [`FetchUserSessions`], [`DeleteUserSessions`],
/// [`RotateSessions`], [`DeleteOtherUserSessions`], [`UpdateSessionData`],
/// [`DeleteAllSessions`], [`DeleteExpiredSessions`] and [`LimitUserSessions`]:
/// every optional operation.
pub struct RedisClusterStore<D> {
    connection: ClusterConnection,
    keys: ClusterKeys,
    data: PhantomData<fn() -> D>,
}

impl<D> RedisClusterStore<D> {
    /// A store over a cluster connection you made. Call
    /// [`load_scripts`](Self::load_scripts) once to spare the first calls a
    /// round trip.
    pub fn from_connection(connection: ClusterConnection) -> Self {
        Self {
            connection,
            keys: ClusterKeys {
                prefix: DEFAULT_KEY_PREFIX.to_owned(),
            },
            data: PhantomData,
        }
    }

    /// Puts every key of this store under `prefix` (default
    /// [`DEFAULT_KEY_PREFIX`]). A prefix holding `{` would put every key in
    /// one hash slot (correct, but not sharded at all).
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.keys.prefix = prefix.into();
        self
    }

    /// The prefix of every key of this store.
    pub fn key_prefix(&self) -> &str {
        &self.keys.prefix
    }

    /// The key of session `session_id`: `{prefix}session:{<session_id>}`, in
    /// the hash slot of the session id.
    pub fn session_key(&self, session_id: &SessionId) -> String {
        self.keys.session(session_id.as_str())
    }

    /// The key of `user_id`'s index: `{prefix}user:{<user_id>}`, in the hash
    /// slot of the user id.
    pub fn user_index_key(&self, user_id: &str) -> String {
        self.keys.user_index(user_id)
    }

    /// The connection.
    pub fn connection(&self) -> &ClusterConnection {
        &self.connection
    }

    /// Loads the store's scripts on every node (`SCRIPT LOAD` goes to all of
    /// them). Optional: a script a node lacks is loaded on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when a node fails or refuses a script.
    pub async fn load_scripts(&self) -> Result<()> {
        let mut connection = self.connection.clone();
        for source in scripts::CLUSTER_SOURCES {
            redis::cmd("SCRIPT")
                .arg("LOAD")
                .arg(source)
                .exec_async(&mut connection)
                .await
                .map_err(Error::store)?;
        }
        Ok(())
    }

    /// Lists `session_id` in `user_id`'s index at `expires_at_ms` (raising a
    /// lower score), before its key is written.
    async fn index(&self, user_id: &str, session_id: &str, expires_at_ms: i64) -> Result<()> {
        let mut connection = self.connection.clone();
        let index = self.keys.user_index(user_id);
        if fast_path::is_near_over(expires_at_ms) {
            return scripts::CLUSTER_INDEX_ADD
                .key(index)
                .arg(session_id)
                .arg(expires_at_ms)
                .invoke_async::<()>(&mut connection)
                .await
                .map_err(Error::store);
        }
        // Plain commands on one key: one round trip to its slot's primary.
        let mut commands = redis::pipe();
        commands
            .cmd("ZADD")
            .arg(&index)
            .arg("GT")
            .arg(expires_at_ms)
            .arg(session_id)
            .ignore();
        fast_path::prune_on_some_saves(&mut commands, &index, session_id);
        commands
            .exec_async(&mut connection)
            .await
            .map_err(Error::store)
    }

    /// Writes a session key unless it was ended meanwhile; whether written.
    /// Usually one `SET ... NX` (a tombstone is a value, so `NX` refuses to
    /// write over it); the script when that refuses, or when the session is
    /// over or nearly, by this app server's clock.
    async fn write(&self, session_id: &str, expires_at_ms: i64, value: &[u8]) -> Result<bool> {
        let mut connection = self.connection.clone();
        let session_key = self.keys.session(session_id);
        if !fast_path::is_near_over(expires_at_ms) {
            let set: Option<String> = redis::cmd("SET")
                .arg(&session_key)
                .arg(value)
                .arg("PXAT")
                .arg(expires_at_ms)
                .arg("NX")
                .query_async(&mut connection)
                .await
                .map_err(Error::store)?;
            if set.is_some() {
                return Ok(true);
            }
        }
        let written: i64 = scripts::CLUSTER_SAVE
            .key(session_key)
            .arg(expires_at_ms)
            .arg(value)
            .invoke_async(&mut connection)
            .await
            .map_err(Error::store)?;
        Ok(written == 1)
    }

    /// Raises the index score of a listed session to `expires_at_ms` (`ZADD XX
    /// GT`): before its key's expiry moves, so that the index never scores it
    /// earlier than its key expires.
    async fn raise_index_score(
        &self,
        connection: &mut ClusterConnection,
        user_id: &str,
        session_id: &SessionId,
        expires_at_ms: i64,
    ) -> Result<()> {
        redis::cmd("ZADD")
            .arg(self.keys.user_index(user_id))
            .arg("XX")
            .arg("GT")
            .arg(expires_at_ms)
            .arg(session_id.as_str())
            .exec_async(connection)
            .await
            .map_err(Error::store)
    }

    /// Drops `session_ids` from `user_id`'s index.
    async fn unindex(&self, user_id: &str, session_ids: &[&str]) -> Result<()> {
        if session_ids.is_empty() {
            return Ok(());
        }
        let mut connection = self.connection.clone();
        redis::cmd("ZREM")
            .arg(self.keys.user_index(user_id))
            .arg(session_ids)
            .exec_async(&mut connection)
            .await
            .map_err(Error::store)
    }

    /// The members of `user_id`'s index with their scores.
    async fn members(&self, user_id: &str) -> Result<Vec<(String, i64)>> {
        let mut connection = self.connection.clone();
        redis::cmd("ZRANGE")
            .arg(self.keys.user_index(user_id))
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut connection)
            .await
            .map_err(Error::store)
    }

    /// Ends every session `user_id`'s index lists but `keep`, then drops the
    /// members it ended (never the whole index: a sign-in in flight may have
    /// listed itself meanwhile).
    async fn end_sessions(&self, user_id: &str, keep: Option<&SessionId>) -> Result<()> {
        let mut members = self.members(user_id).await?;
        members.retain(|(session_id, _)| keep.is_none_or(|keep| keep.as_str() != session_id));
        self.end_members(user_id, &members).await
    }

    /// Ends the sessions `members` (id and index score) of `user_id`, each in
    /// its slot, then drops their members.
    async fn end_members(&self, user_id: &str, members: &[(String, i64)]) -> Result<()> {
        let ended = members.iter().map(|(session_id, score)| {
            let mut connection = self.connection.clone();
            let session = self.keys.session(session_id);
            async move {
                scripts::CLUSTER_END
                    .key(session)
                    .arg(user_id)
                    .arg(*score)
                    .invoke_async::<i64>(&mut connection)
                    .await
                    .map(|_| session_id.as_str())
                    .map_err(Error::store)
            }
        });
        let ended = try_join_all(ended).await?;
        self.unindex(user_id, &ended).await
    }
}

impl<D> RedisClusterStore<D> {
    /// Checks that every primary's `maxmemory-policy` never evicts a user
    /// index: `noeviction` or a `volatile-*` policy, as
    /// [`RedisStore::check_eviction_policy`](crate::RedisStore::check_eviction_policy)
    /// does on one server. [`connect`](ClusterStoreBuilder::connect) calls it.
    /// The client holds no connection to a replica, so replicas are not read:
    /// give them the same policy (a replica becomes a primary on failover).
    ///
    /// # Errors
    ///
    /// [`Error::Store`], with an
    /// [`EvictionPolicyError`](crate::EvictionPolicyError) as source when a
    /// node's policy may evict an index or cannot be read.
    pub async fn check_eviction_policy(&self) -> Result<()> {
        for (host, port) in self.primaries().await? {
            let mut connection = self.connection.clone();
            let reply = connection
                .route_command(
                    eviction::policy_query(),
                    RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port }),
                )
                .await
                .and_then(|value| redis::from_redis_value(value).map_err(redis::RedisError::from));
            eviction::check_reply(reply)?;
        }
        Ok(())
    }

    /// The address (`host`, `port`) of every primary that has not failed,
    /// from `CLUSTER NODES`.
    async fn primaries(&self) -> Result<Vec<(String, u16)>> {
        let mut connection = self.connection.clone();
        let nodes: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query_async(&mut connection)
            .await
            .map_err(Error::store)?;
        // `<id> <ip:port@cport[,hostname]> <flags> ...`
        Ok(nodes
            .lines()
            .filter_map(|line| {
                let mut fields = line.split(' ');
                let address = fields.nth(1)?;
                let flags = fields.next()?;
                let wanted = flags.split(',').any(|flag| flag == "master")
                    && !flags
                        .split(',')
                        .any(|flag| flag == "fail" || flag == "noaddr");
                let (host, port) = address.split('@').next()?.rsplit_once(':')?;
                Some((host.to_owned(), port.parse().ok()?)).filter(|_| wanted)
            })
            .collect())
    }

    /// Calls `each_page` with every page of keys matching `pattern`, walking
    /// each primary with `SCAN` (which the cluster client does not route).
    async fn scan_primaries<F, Fut>(&self, pattern: &str, mut each_page: F) -> Result<()>
    where
        F: FnMut(Vec<String>) -> Fut,
        Fut: std::future::Future<Output = Result<()>>,
    {
        for (host, port) in self.primaries().await? {
            let mut cursor: u64 = 0;
            loop {
                let mut connection = self.connection.clone();
                let mut scan = redis::cmd("SCAN");
                scan.arg(cursor)
                    .arg("MATCH")
                    .arg(pattern)
                    .arg("COUNT")
                    .arg(SCAN_PAGE);
                let reply = connection
                    .route_command(
                        scan,
                        RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                            host: host.clone(),
                            port,
                        }),
                    )
                    .await
                    .map_err(Error::store)?;
                let (next, page): (u64, Vec<String>) =
                    redis::from_redis_value(reply).map_err(Error::store)?;
                if !page.is_empty() {
                    each_page(page).await?;
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        Ok(())
    }
}

impl<D> Clone for RedisClusterStore<D> {
    fn clone(&self) -> Self {
        Self {
            connection: self.connection.clone(),
            keys: self.keys.clone(),
            data: PhantomData,
        }
    }
}

impl<D> fmt::Debug for RedisClusterStore<D> {
    /// Shows the key prefix only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisClusterStore")
            .field("key_prefix", &self.keys.prefix)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<D: SessionData> SessionStore for RedisClusterStore<D> {
    type Data = D;

    /// Lists the session in its user's index (one script in the user's slot),
    /// then writes its key (one in the session's slot). A "sign out everywhere"
    /// that ran between the two ended it: then nothing is written, and the
    /// token it was made for never validates.
    async fn save_session(&self, session: &mut Session<D>) -> Result<()> {
        let value = record::encode(session)?;
        let expires_at = record::unix_ms(session.expires_at);
        self.index(&session.user_id, session.id.as_str(), expires_at)
            .await?;
        self.write(session.id.as_str(), expires_at, value.as_bytes())
            .await?;
        Ok(())
    }

    /// One round trip: a `GET`, routed to the session's slot. A tombstone
    /// reads as no session.
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
        if value == TOMBSTONE {
            return Ok(None);
        }
        let Some(value) =
            current_frame(&mut connection, session_key, session_id, value, None).await?
        else {
            return Ok(None);
        };
        record::decode(session_id, &value).map(Some)
    }

    /// Three round trips: a `GET` for the session's user, `ZADD XX GT` to
    /// raise its index score first, then a script that rewrites the expiry of
    /// the session if it still exists (a session ended meanwhile stays ended).
    async fn update_session_expiry(
        &self,
        session_id: &SessionId,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let mut connection = self.connection.clone();
        let session_key = self.keys.session(session_id.as_str());
        let value: Option<Vec<u8>> = redis::cmd("GET")
            .arg(&session_key)
            .query_async(&mut connection)
            .await
            .map_err(|error| fetch_error(session_id, error))?;
        let Some(value) = value else {
            return Ok(());
        };
        // A tombstone or no frame: nothing to extend (validation deletes the latter).
        let Ok(parsed) = frame::parse(&value) else {
            return Ok(());
        };
        let expires_at = record::unix_ms(expires_at);
        self.raise_index_score(&mut connection, parsed.user_id, session_id, expires_at)
            .await?;
        scripts::CLUSTER_EXTEND
            .key(session_key)
            .arg(expires_at)
            .invoke_async::<()>(&mut connection)
            .await
            .map_err(Error::store)
    }

    /// Two round trips, each to one slot: `ZADD XX GT` raises the index score
    /// first, in the slot of the user validation read, then a short script
    /// rewrites the expiry of the session if it still exists (a session ended
    /// meanwhile stays ended). A frame of 0.1, a tombstone or an expiry within a
    /// minute of now go to [`update_session_expiry`](Self::update_session_expiry).
    async fn extend_session(&self, session: &Session<D>) -> Result<()> {
        let expires_at = record::unix_ms(session.expires_at);
        if fast_path::is_near_over(expires_at) {
            return self
                .update_session_expiry(&session.id, session.expires_at)
                .await;
        }
        let mut connection = self.connection.clone();
        self.raise_index_score(&mut connection, &session.user_id, &session.id, expires_at)
            .await?;
        let extended: i64 = scripts::EXTEND
            .key(self.keys.session(session.id.as_str()))
            .arg(expires_at)
            .invoke_async(&mut connection)
            .await
            .map_err(Error::store)?;
        if extended < 0 {
            return scripts::CLUSTER_EXTEND
                .key(self.keys.session(session.id.as_str()))
                .arg(expires_at)
                .invoke_async::<()>(&mut connection)
                .await
                .map_err(Error::store);
        }
        Ok(())
    }

    /// Deletes the key (one script in the session's slot), then its index
    /// member (a member left behind meanwhile lists nothing).
    async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
        let mut connection = self.connection.clone();
        let value: Option<Vec<u8>> = scripts::CLUSTER_TAKE
            .key(self.keys.session(session_id.as_str()))
            .invoke_async(&mut connection)
            .await
            .map_err(Error::store)?;
        match value.as_deref().map(frame::parse) {
            Some(Ok(parsed)) => self.unindex(parsed.user_id, &[session_id.as_str()]).await,
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl<D: SessionData> FetchUserSessions for RedisClusterStore<D> {
    /// The index (`ZRANGE`, in the user's slot), then each listed session's
    /// `GET` at once, each in its own slot; a session that is gone, ended or
    /// another user's is left out. Soonest to expire first.
    async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        let members = self.members(user_id).await?;
        let values = members.iter().map(|(session_id, _)| {
            let mut connection = self.connection.clone();
            let key = self.keys.session(session_id);
            async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<Vec<u8>>>(&mut connection)
                    .await
                    // Another type than a string: no session this store reads.
                    .or_else(|error| {
                        if error.code() == Some("WRONGTYPE") {
                            Ok(None)
                        } else {
                            Err(Error::store(error))
                        }
                    })
            }
        });
        let values = try_join_all(values).await?;
        let listed = members
            .iter()
            .zip(values)
            .filter_map(|((session_id, _), value)| {
                let value = value?;
                let parsed = frame::parse(&value).ok()?;
                (parsed.user_id == user_id)
                    .then(|| record::decode_listed(session_id.as_bytes(), &value))
            })
            .collect::<Vec<_>>();
        codec::decodable_sessions(listed)
    }
}

#[async_trait]
impl<D: SessionData> DeleteUserSessions for RedisClusterStore<D> {
    /// Reads the index, ends each listed session in its own slot (deleted, or
    /// held by a tombstone until its score if not yet written: a sign-in in
    /// flight then writes nothing), then drops those members only.
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
        self.end_sessions(user_id, None).await
    }
}

#[async_trait]
impl<D: SessionData> DeleteOtherUserSessions for RedisClusterStore<D> {
    /// As [`delete_sessions_for_user`](DeleteUserSessions::delete_sessions_for_user),
    /// sparing `keep`.
    async fn delete_other_sessions_for_user(&self, user_id: &str, keep: &SessionId) -> Result<()> {
        self.end_sessions(user_id, Some(keep)).await
    }
}

#[async_trait]
impl<D: SessionData> RotateSessions for RedisClusterStore<D> {
    /// Reads `from`, lists `to` in the user's index, takes `from` (deletes it,
    /// stopping if it is gone or ended), writes `to` (unless ended meanwhile),
    /// then drops `from` from the index. No moment has both ids stored; between
    /// the take and the write neither is, and the index lists both, so a
    /// concurrent sign-out ends whichever exists. A process that dies between
    /// those two steps loses the session (its user signs in again).
    async fn rotate_session(
        &self,
        from: &SessionId,
        to: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> Result<Option<Session<D>>> {
        let mut connection = self.connection.clone();
        let value: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.keys.session(from.as_str()))
            .query_async(&mut connection)
            .await
            .map_err(|error| fetch_error(from, error))?;
        let Some(value) = value.filter(|value| value != TOMBSTONE) else {
            return Ok(None);
        };
        let parsed = frame::parse(&value).map_err(|error| Error::decode(from, error))?;
        let user_id = parsed.user_id.to_owned();
        self.index(&user_id, to.as_str(), parsed.expires_at_ms)
            .await?;
        let taken: Option<Vec<u8>> = scripts::CLUSTER_TAKE
            .key(self.keys.session(from.as_str()))
            .invoke_async(&mut connection)
            .await
            .map_err(|error| fetch_error(from, error))?;
        let Some(taken) = taken else {
            return Ok(None);
        };
        let taken = frame::parse(&taken).map_err(|error| Error::decode(from, error))?;
        if taken.expires_at_ms > parsed.expires_at_ms {
            // Extended since the read: `to`'s score must cover its key's expiry.
            self.index(&user_id, to.as_str(), taken.expires_at_ms)
                .await?;
        }
        let now = record::unix_ms(OffsetDateTime::now_utc());
        let stamps = match taken.stamps {
            Some(stamps) => stamps,
            // A frame of 0.1, upgraded as its first fetch would.
            None => Stamps {
                issued_at_ms: now,
                authenticated_at_ms: 0,
            },
        };
        let stamps = Stamps {
            authenticated_at_ms: authenticated_at
                .map_or(stamps.authenticated_at_ms, record::unix_ms),
            ..stamps
        };
        let moved = frame::encode(
            taken.expires_at_ms,
            stamps,
            taken.data_version,
            taken.user_id,
            taken.data,
        );
        let written = self
            .write(to.as_str(), taken.expires_at_ms, moved.as_bytes())
            .await?;
        self.unindex(&user_id, &[from.as_str()]).await?;
        if !written {
            return Ok(None);
        }
        record::decode(to, moved.as_bytes()).map(Some)
    }
}

#[async_trait]
impl<D: SessionData> UpdateSessionData for RedisClusterStore<D> {
    /// One script call in the session's slot, as on one server; an ended
    /// session is [`DataUpdate::Gone`].
    async fn update_session_data(
        &self,
        session_id: &SessionId,
        expected_version: u64,
        data: &D,
    ) -> Result<DataUpdate> {
        let key = self.keys.session(session_id.as_str());
        let mut connection = self.connection.clone();
        let ended = Some(TOMBSTONE);
        run_update_data(
            &mut connection,
            &key,
            session_id,
            expected_version,
            data,
            ended,
        )
        .await
    }
}

#[async_trait]
impl<D: SessionData> DeleteAllSessions for RedisClusterStore<D> {
    /// Walks the session keys of this prefix on every primary with `SCAN`
    /// (pages of about 100 keys), deleting each (a tombstone stays) and then its
    /// index member. Not one atomic step: every session stored when it starts
    /// is deleted; one created while it runs may survive, whole and indexed.
    async fn delete_all_sessions(&self) -> Result<()> {
        let (session_pattern, _) = self.keys.patterns();
        self.scan_primaries(&session_pattern, |page| async move {
            let deleted = page.iter().map(|key| {
                let mut connection = self.connection.clone();
                async move {
                    let value: Option<Vec<u8>> = scripts::CLUSTER_TAKE
                        .key(key)
                        .invoke_async(&mut connection)
                        .await
                        .map_err(Error::store)?;
                    let (Some(value), Some(session_id)) = (value, self.keys.session_id_in(key))
                    else {
                        return Ok(());
                    };
                    match frame::parse(&value) {
                        Ok(parsed) => self.unindex(parsed.user_id, &[session_id]).await,
                        Err(_) => Ok(()),
                    }
                }
            });
            try_join_all(deleted).await.map(|_| ())
        })
        .await
    }
}

#[async_trait]
impl<D: SessionData> DeleteExpiredSessions for RedisClusterStore<D> {
    /// Walks the user indexes of this prefix on every primary with `SCAN`; for
    /// each, deletes the listed sessions whose `expires_at` is at or before
    /// `now` by your clock (each in its slot), then drops their members if still
    /// scored at or before `now`. An index left empty is gone.
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
        let now = record::unix_ms(now);
        let (_, user_index_pattern) = self.keys.patterns();
        self.scan_primaries(&user_index_pattern, |page| async move {
            for index in &page {
                let Some(user_id) = self.keys.user_id_in(index) else {
                    continue;
                };
                let mut connection = self.connection.clone();
                let over: Vec<String> = redis::cmd("ZRANGEBYSCORE")
                    .arg(index)
                    .arg("-inf")
                    .arg(now)
                    .query_async(&mut connection)
                    .await
                    .map_err(Error::store)?;
                let deleted = over.iter().map(|session_id| {
                    let mut connection = self.connection.clone();
                    let key = self.keys.session(session_id);
                    async move {
                        scripts::CLUSTER_TAKE_EXPIRED
                            .key(key)
                            .arg(now)
                            .invoke_async::<i64>(&mut connection)
                            .await
                            .map_err(Error::store)
                    }
                });
                try_join_all(deleted).await?;
                scripts::CLUSTER_PRUNE
                    .key(self.keys.user_index(user_id))
                    .arg(now)
                    .arg(&over)
                    .invoke_async::<()>(&mut connection)
                    .await
                    .map_err(Error::store)?;
            }
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl<D: SessionData> LimitUserSessions for RedisClusterStore<D> {
    /// One script in the user's slot applies the limit by the index's scores
    /// and lists the new session; then the sessions it names (over by
    /// `limit.now`, or ended by the policy) are ended, each in its slot, and
    /// dropped from the index; then the new session is written. 50 sign-ins of
    /// one user at once under a limit of 5 leave 5.
    ///
    /// The index counts what it lists: a member whose session was deleted a
    /// moment ago but not yet dropped (by a sign-out or rotation in flight, or
    /// an app server that died between the two steps, until its score passes)
    /// counts too, so `RefuseNew` may refuse a sign-in that a single server
    /// would take. A session the user has that the index does not list does not
    /// count.
    async fn save_session_limited(
        &self,
        session: &mut Session<D>,
        limit: SessionLimit,
    ) -> Result<bool> {
        let policy = limit_policy_arg(limit.policy)?;
        let value = record::encode(session)?;
        let expires_at = record::unix_ms(session.expires_at);
        let mut connection = self.connection.clone();
        let reply: Vec<String> = scripts::CLUSTER_LIMIT
            .key(self.keys.user_index(&session.user_id))
            .arg(session.id.as_str())
            .arg(expires_at)
            .arg(limit.max.get())
            .arg(policy)
            .arg(record::unix_ms(limit.now))
            .invoke_async(&mut connection)
            .await
            .map_err(Error::store)?;
        let Some((listed, to_end)) = reply.split_first() else {
            return Err(Error::store(
                "save_session_limited: empty reply from the script",
            ));
        };
        let to_end = to_end
            .chunks_exact(2)
            .map(|pair| {
                // Scores are whole milliseconds; Redis may print them as floats.
                let score = pair[1].parse::<f64>().map_err(Error::store)?;
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "a score is a Unix ms time, within i64"
                )]
                Ok((pair[0].clone(), score as i64))
            })
            .collect::<Result<Vec<_>>>()?;
        self.end_members(&session.user_id, &to_end).await?;
        if listed != "1" {
            return Ok(false);
        }
        // Written unless a sign-out ended it meanwhile: it was stored, then ended.
        self.write(session.id.as_str(), expires_at, value.as_bytes())
            .await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::{ClusterKeys, TOMBSTONE};

    #[test]
    fn keys_are_hash_tagged_by_session_and_by_user() {
        let keys = ClusterKeys {
            prefix: "app:".to_owned(),
        };
        assert_eq!(keys.session("abc"), "app:session:{abc}");
        assert_eq!(keys.user_index("42"), "app:user:{42}");
    }

    #[test]
    fn the_scripts_tombstone_is_the_rust_one_and_no_frame() {
        let lua = include_str!("lua/cluster/common.lua");
        let tombstone = std::str::from_utf8(TOMBSTONE).expect("ASCII");
        assert!(lua.contains(&format!("local TOMBSTONE = '{tombstone}'")));
        assert!(crate::frame::parse(TOMBSTONE).is_err());
    }
}
