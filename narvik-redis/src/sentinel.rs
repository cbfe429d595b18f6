//! [`SentinelConnection`]: the current primary of a Sentinel-monitored group,
//! found again after a failover; and [`SentinelStoreBuilder`], a store over one.
//!
//! Not `redis::sentinel::SentinelClient`: it takes the first Sentinel that
//! names a server answering as a primary, and just after a failover a Sentinel
//! that has not heard of it yet still names the old primary, which answers as
//! one for seconds more. This asks them all and trusts the newest epoch.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::future::join_all;
use narvik::{Error, Result};
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{
    AsyncConnectionConfig, Client, Cmd, ConnectionAddr, ErrorKind, IntoConnectionInfo, Pipeline,
    RedisConnectionInfo, RedisError, RedisFuture, RedisResult, Value,
};

use crate::tls::TlsSettings;
use crate::RedisStore;

/// How long finding the primary through the Sentinels may take, unless
/// [`SentinelStoreBuilder::resolve_timeout`] says otherwise.
pub const DEFAULT_RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// How often the Sentinels are asked whether the primary moved, unless
/// [`SentinelStoreBuilder::watch_interval`] says otherwise.
pub const DEFAULT_WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// A connection to the current primary of a group that Redis Sentinel monitors,
/// which follows a failover by itself: the `redis`
/// [`ConnectionLike`] of a store made by [`RedisStore::sentinel`] (feature
/// `sentinel`).
///
/// **Finding the primary.** It asks every Sentinel (`SENTINEL MASTER {name}`, in
/// parallel) and takes the address named with the highest configuration epoch:
/// the latest failover any reachable Sentinel knows of wins over a Sentinel that
/// has not heard of it yet. It connects there, checks that the server answers
/// `ROLE` as a primary, and sends every request over that one multiplexed
/// connection.
///
/// **Following a failover.** A server demoted by a failover keeps answering as
/// a primary for a few seconds, until the Sentinels reconfigure it, and a write
/// it took meanwhile would be lost (a sign-out undone). So, while the store is
/// in use, a background task asks the Sentinels every
/// [watch interval](SentinelStoreBuilder::watch_interval) where the primary is,
/// and drops the connection as soon as they name another server; the next
/// request connects to the new one. A request that fails because its server is
/// gone or demoted (the connection dropped or timed out, as when Sentinel
/// closes the old primary's clients, or the server answers `READONLY`) drops the
/// connection too; it answers its error, except after `READONLY` (a write the
/// server refused before running it), where it is sent once more, to the
/// primary found then.
///
/// **Bounded waits.** Finding the primary takes at most the resolve timeout,
/// and one request looks it up at a time, so a request waits at most twice that
/// (its turn, then its own lookup) plus the connection's response timeout.
/// While no primary can be found, every request fails with an error (a
/// [`narvik::Error::Store`] through the store) rather than hang.
///
/// Clones share the connection, the Sentinels' connections and the watch.
#[derive(Clone)]
pub struct SentinelConnection {
    shared: Arc<Shared>,
}

struct Shared {
    sentinels: Vec<SentinelNode>,
    primary_name: String,
    /// The primary's user, password and database (the Sentinels name only its
    /// address).
    primary_settings: RedisConnectionInfo,
    /// Whether the primary is reached over TLS: when the Sentinels are.
    primary_tls: bool,
    tls: TlsSettings,
    config: AsyncConnectionConfig,
    resolve_timeout: Duration,
    watch_interval: Duration,
    /// Held by the one request that looks the primary up, so a failover costs
    /// one lookup, not one per request in flight.
    resolving: tokio::sync::Mutex<()>,
    /// The connection to the primary known last, if any.
    current: Mutex<Current>,
    /// Whether the watch task runs (started with the first connection, inside
    /// the app's runtime).
    watching: AtomicBool,
}

struct Current {
    /// Counts the connections opened, so a request that failed on an old one
    /// never drops a newer one.
    generation: u64,
    primary: Option<Primary>,
}

#[derive(Clone)]
struct Primary {
    address: (String, u16),
    connection: MultiplexedConnection,
}

/// One Sentinel and the connection to it, kept once made.
struct SentinelNode {
    client: Client,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl SentinelNode {
    /// What this Sentinel says of the primary `name`: its address and the
    /// configuration epoch that named it.
    async fn primary(
        &self,
        name: &str,
        config: &AsyncConnectionConfig,
    ) -> RedisResult<(u64, (String, u16))> {
        let cached = lock(&self.connection).clone();
        let mut connection = match cached {
            Some(connection) => connection,
            None => {
                let connection = self
                    .client
                    .get_multiplexed_async_connection_with_config(config)
                    .await?;
                *lock(&self.connection) = Some(connection.clone());
                connection
            }
        };
        let reply: RedisResult<HashMap<String, String>> = redis::cmd("SENTINEL")
            .arg("MASTER")
            .arg(name)
            .query_async(&mut connection)
            .await;
        let fields = match reply {
            Ok(fields) => fields,
            Err(error) => {
                if error.is_io_error() || error.is_timeout() || error.is_unrecoverable_error() {
                    *lock(&self.connection) = None;
                }
                return Err(error);
            }
        };
        let field = |name: &str| {
            fields.get(name).ok_or_else(|| {
                RedisError::from((
                    ErrorKind::Parse,
                    "SENTINEL MASTER answered without a field",
                    name.to_owned(),
                ))
            })
        };
        let ip = field("ip")?.clone();
        let port = field("port")?
            .parse::<u16>()
            .map_err(|_| RedisError::from((ErrorKind::Parse, "SENTINEL MASTER named no port")))?;
        // Missing before the first failover on some versions: epoch 0.
        let epoch = fields
            .get("config-epoch")
            .and_then(|epoch| epoch.parse::<u64>().ok())
            .unwrap_or(0);
        Ok((epoch, (ip, port)))
    }
}

/// A lock whose data stays valid after a panic: every write under it is one
/// assignment.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SentinelConnection {
    fn new(settings: SentinelSettings) -> RedisResult<Self> {
        let sentinels = settings
            .sentinel_urls
            .iter()
            .map(|url| {
                Ok(SentinelNode {
                    client: settings.tls.open(url.as_str())?,
                    connection: Mutex::new(None),
                })
            })
            .collect::<RedisResult<Vec<_>>>()?;
        // A group behind TLS: its servers too, on the ports the Sentinels name.
        let primary_tls = sentinels.iter().any(|sentinel| {
            matches!(
                sentinel.client.get_connection_info().addr(),
                ConnectionAddr::TcpTls { .. }
            )
        });
        if sentinels.is_empty() {
            return Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "no Sentinel URL given",
            )));
        }
        Ok(Self {
            shared: Arc::new(Shared {
                sentinels,
                primary_name: settings.primary_name,
                primary_settings: settings.primary_settings,
                primary_tls,
                tls: settings.tls,
                config: settings.config,
                resolve_timeout: settings.resolve_timeout,
                watch_interval: settings.watch_interval,
                resolving: tokio::sync::Mutex::new(()),
                current: Mutex::new(Current {
                    generation: 0,
                    primary: None,
                }),
                watching: AtomicBool::new(false),
            }),
        })
    }

    /// The timeouts of the connections to the primary and to the Sentinels
    /// that [`RedisStore::sentinel`] uses: 1 s to connect, 500 ms for a
    /// response, as [`RedisStore::default_connection_config`].
    pub fn default_connection_config() -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_millis(500)))
    }

    /// The address (`host`, `port`) of the primary this connection sends its
    /// requests to, if it is connected.
    pub fn primary_address(&self) -> Option<(String, u16)> {
        lock(&self.shared.current)
            .primary
            .as_ref()
            .map(|primary| primary.address.clone())
    }
}

impl Shared {
    fn known(&self) -> Option<(u64, Primary)> {
        let current = lock(&self.current);
        current
            .primary
            .clone()
            .map(|primary| (current.generation, primary))
    }

    /// The address of the primary as the Sentinels name it: the one named with
    /// the highest configuration epoch.
    async fn find_primary(&self) -> RedisResult<(String, u16)> {
        let answers = join_all(
            self.sentinels
                .iter()
                .map(|sentinel| sentinel.primary(&self.primary_name, &self.config)),
        )
        .await;
        let mut best: Option<(u64, (String, u16))> = None;
        let mut last_error = None;
        for answer in answers {
            match answer {
                Ok(named) if best.as_ref().is_none_or(|best| named.0 > best.0) => {
                    best = Some(named);
                }
                Ok(_) => {}
                Err(error) => last_error = Some(error),
            }
        }
        match (best, last_error) {
            (Some((_, address)), _) => Ok(address),
            (None, Some(error)) => Err(error),
            (None, None) => Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "no Sentinel answered",
            ))),
        }
    }

    /// Connects to the server at `address` and checks it answers as a primary.
    async fn connect_primary(&self, address: (String, u16)) -> RedisResult<Primary> {
        let (host, port) = address.clone();
        let addr = if self.primary_tls {
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure: false,
                tls_params: None,
            }
        } else {
            ConnectionAddr::Tcp(host, port)
        };
        let info = addr
            .into_connection_info()?
            .set_redis_settings(self.primary_settings.clone());
        let mut connection = self
            .tls
            .open(info)?
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        let role: Vec<Value> = redis::cmd("ROLE").query_async(&mut connection).await?;
        let is_primary = match role.first() {
            Some(Value::BulkString(role)) => role == b"master",
            Some(Value::SimpleString(role)) => role == "master",
            _ => false,
        };
        if !is_primary {
            return Err(RedisError::from((
                ErrorKind::Io,
                "the server the Sentinels name is not a primary (yet): a failover is under way",
            )));
        }
        Ok(Primary {
            address,
            connection,
        })
    }

    /// The connection to the primary, looked up through the Sentinels if none
    /// is known.
    async fn connection(self: &Arc<Self>) -> RedisResult<(u64, MultiplexedConnection)> {
        if let Some((generation, primary)) = self.known() {
            return Ok((generation, primary.connection));
        }
        let resolving = tokio::time::timeout(self.resolve_timeout, self.resolving.lock())
            .await
            .map_err(|_| resolve_timed_out())?;
        // Another request may have found it while this one waited.
        if let Some((generation, primary)) = self.known() {
            return Ok((generation, primary.connection));
        }
        let primary = tokio::time::timeout(self.resolve_timeout, async {
            let address = self.find_primary().await?;
            self.connect_primary(address).await
        })
        .await
        .map_err(|_| resolve_timed_out())??;
        let connection = primary.connection.clone();
        let generation = {
            let mut current = lock(&self.current);
            current.generation += 1;
            current.primary = Some(primary);
            current.generation
        };
        drop(resolving);
        self.start_watching();
        Ok((generation, connection))
    }

    /// Starts the task that drops the connection when the Sentinels name
    /// another primary; it ends once every clone of the connection is dropped.
    fn start_watching(self: &Arc<Self>) {
        if self.watching.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = Arc::downgrade(self);
        let interval = self.watch_interval;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let Some(shared) = shared.upgrade() else {
                    return;
                };
                let found =
                    tokio::time::timeout(shared.resolve_timeout, shared.find_primary()).await;
                // No answer: the requests find out for themselves.
                if let Ok(Ok(address)) = found {
                    let mut current = lock(&shared.current);
                    if current
                        .primary
                        .as_ref()
                        .is_some_and(|primary| primary.address != address)
                    {
                        current.primary = None;
                    }
                }
            }
        });
    }

    /// Drops connection `generation` if `error` says its server is no longer
    /// the primary (or no longer reachable); whether to send the request again.
    fn after_error(&self, generation: u64, error: &RedisError) -> bool {
        let demoted = error.code() == Some("READONLY");
        let lost = demoted
            || error.is_io_error()
            || error.is_connection_dropped()
            || error.is_connection_refusal()
            || error.is_timeout()
            || error.is_unrecoverable_error()
            || matches!(error.code(), Some("MASTERDOWN" | "LOADING"));
        if lost {
            let mut current = lock(&self.current);
            if current.generation == generation {
                current.primary = None;
            }
        }
        // A replica refused the write before running it: safe to send again.
        demoted
    }
}

fn resolve_timed_out() -> RedisError {
    RedisError::from((
        ErrorKind::Io,
        "timed out finding the primary through the Sentinels",
    ))
}

impl ConnectionLike for SentinelConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let mut retried = false;
            loop {
                let (generation, mut connection) = self.shared.connection().await?;
                match connection.req_packed_command(cmd).await {
                    Err(error) if self.shared.after_error(generation, &error) && !retried => {
                        retried = true;
                    }
                    result => return result,
                }
            }
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let mut retried = false;
            loop {
                let (generation, mut connection) = self.shared.connection().await?;
                match connection
                    .req_packed_commands(pipeline, offset, count)
                    .await
                {
                    Err(error) if self.shared.after_error(generation, &error) && !retried => {
                        retried = true;
                    }
                    result => return result,
                }
            }
        })
    }

    fn get_db(&self) -> i64 {
        self.shared.primary_settings.db()
    }
}

impl fmt::Debug for SentinelConnection {
    /// Shows the primary's name and address, never credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentinelConnection")
            .field("primary_name", &self.shared.primary_name)
            .field("primary_address", &self.primary_address())
            .finish_non_exhaustive()
    }
}

/// What [`SentinelStoreBuilder`] gathers for a [`SentinelConnection`].
struct SentinelSettings {
    sentinel_urls: Vec<String>,
    primary_name: String,
    primary_settings: RedisConnectionInfo,
    tls: TlsSettings,
    config: AsyncConnectionConfig,
    resolve_timeout: Duration,
    watch_interval: Duration,
}

/// Connects a [`RedisStore`] to the primary that Redis Sentinel names, following
/// failovers; made by [`RedisStore::sentinel`] (feature `sentinel`).
///
/// ```no_run
/// # use narvik_redis::RedisStore;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> narvik::Result<()> {
/// let store = RedisStore::<()>::sentinel(
///     [
///         "redis://10.0.0.1:26379",
///         "redis://10.0.0.2:26379",
///         "redis://10.0.0.3:26379",
///     ],
///     "mymaster",
/// )
/// .connect()
/// .await?
/// .with_key_prefix("myapp:");
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct SentinelStoreBuilder<D> {
    settings: SentinelSettings,
    check_eviction_policy: bool,
    data: PhantomData<fn() -> D>,
}

impl<D> RedisStore<D> {
    /// A builder to connect, through the Sentinels at `sentinel_urls`
    /// (`redis://[[user]:password@]host:port`, the credentials there being the
    /// Sentinels'), to the primary they monitor as `primary_name`, following
    /// failovers: see [`SentinelConnection`] (feature `sentinel`). Keys, frames
    /// and scripts are those of one server.
    pub fn sentinel<I, S>(sentinel_urls: I, primary_name: &str) -> SentinelStoreBuilder<D>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SentinelStoreBuilder {
            settings: SentinelSettings {
                sentinel_urls: sentinel_urls.into_iter().map(Into::into).collect(),
                primary_name: primary_name.to_owned(),
                primary_settings: RedisConnectionInfo::default(),
                tls: TlsSettings::default(),
                config: SentinelConnection::default_connection_config(),
                resolve_timeout: DEFAULT_RESOLVE_TIMEOUT,
                watch_interval: DEFAULT_WATCH_INTERVAL,
            },
            check_eviction_policy: true,
            data: PhantomData,
        }
    }
}

impl<D> SentinelStoreBuilder<D> {
    /// How to sign in to the primary (and any server promoted later): its ACL
    /// user, password and database, which the Sentinels do not tell. Default:
    /// no password, database 0.
    pub fn primary_settings(mut self, settings: RedisConnectionInfo) -> Self {
        self.settings.primary_settings = settings;
        self
    }

    /// Trusts the certificate authorities in `pem` instead of the system's, for
    /// the Sentinels and the primary, as
    /// [`RedisStoreBuilder::tls_root_certificates`](crate::RedisStoreBuilder::tls_root_certificates)
    /// (feature `tls`). A group behind TLS is given `rediss://` Sentinel URLs:
    /// the primary is then reached over TLS too, at the address and port the
    /// Sentinels name (its `tls-port`: configure them with `tls-replication
    /// yes`), and its certificate must name that address.
    #[cfg(feature = "tls")]
    pub fn tls_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.settings.tls.set_root_certificates(pem.into());
        self
    }

    /// Presents a client certificate and its private key to the Sentinels and
    /// the primary, as
    /// [`RedisStoreBuilder::tls_client_certificate`](crate::RedisStoreBuilder::tls_client_certificate)
    /// (feature `tls`).
    #[cfg(feature = "tls")]
    pub fn tls_client_certificate(
        mut self,
        certificate_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.settings
            .tls
            .set_client_certificate(certificate_pem.into(), key_pem.into());
        self
    }

    /// Your own timeouts for the connections to the primary and to the
    /// Sentinels, instead of [`SentinelConnection::default_connection_config`].
    pub fn connection_config(mut self, config: AsyncConnectionConfig) -> Self {
        self.settings.config = config;
        self
    }

    /// How long finding the primary through the Sentinels may take (default
    /// [`DEFAULT_RESOLVE_TIMEOUT`]).
    pub fn resolve_timeout(mut self, resolve_timeout: Duration) -> Self {
        self.settings.resolve_timeout = resolve_timeout;
        self
    }

    /// How often the Sentinels are asked whether the primary moved (default
    /// [`DEFAULT_WATCH_INTERVAL`]): about the longest a demoted primary may
    /// still receive writes after the Sentinels named another.
    pub fn watch_interval(mut self, watch_interval: Duration) -> Self {
        self.settings.watch_interval = watch_interval;
        self
    }

    /// Connects without reading the primary's `maxmemory-policy`, as
    /// [`RedisStoreBuilder::skip_eviction_policy_check`](crate::RedisStoreBuilder::skip_eviction_policy_check).
    /// Give every server of the group the same policy: a replica promoted later is
    /// not checked.
    pub fn skip_eviction_policy_check(mut self) -> Self {
        self.check_eviction_policy = false;
        self
    }

    /// Finds the primary through the Sentinels, connects to it, checks its
    /// eviction policy unless told not to, and loads the store's scripts.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when a URL is invalid, when no Sentinel answers or names
    /// a primary that answers as one within the resolve timeout (the `redis`
    /// error is the source), or when the primary's eviction policy may evict a
    /// user index or cannot be read (an
    /// [`EvictionPolicyError`](crate::EvictionPolicyError) is the source).
    pub async fn connect(self) -> Result<RedisStore<D, SentinelConnection>> {
        let connection = SentinelConnection::new(self.settings).map_err(Error::store)?;
        let store = RedisStore::from_connection(connection);
        if self.check_eviction_policy {
            store.check_eviction_policy().await?;
        }
        store.load_scripts().await?;
        Ok(store)
    }
}

impl<D> fmt::Debug for SentinelStoreBuilder<D> {
    /// Leaves the URLs and the primary's settings out: they may hold passwords.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentinelStoreBuilder")
            .field("sentinels", &self.settings.sentinel_urls.len())
            .field("primary_name", &self.settings.primary_name)
            .field("resolve_timeout", &self.settings.resolve_timeout)
            .field("watch_interval", &self.settings.watch_interval)
            .field("tls", &self.settings.tls.describe())
            .field("check_eviction_policy", &self.check_eviction_policy)
            .finish_non_exhaustive()
    }
}
