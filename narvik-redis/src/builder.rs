//! [`RedisStoreBuilder`]: connecting with settings beyond the URL.

use std::fmt;
use std::marker::PhantomData;

use narvik::{Error, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::RedisStore;

/// Connects a [`RedisStore`] with settings beyond the URL; made by
/// [`RedisStore::builder`].
///
/// ```no_run
/// # use narvik_redis::RedisStore;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> narvik::Result<()> {
/// // A managed Redis whose CONFIG command is disabled, and whose policy you have
/// // checked in its console is `volatile-lru`:
/// let store = RedisStore::<()>::builder("redis://127.0.0.1:6379")
///     .skip_eviction_policy_check()
///     .connect()
///     .await?
///     .with_key_prefix("myapp:");
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct RedisStoreBuilder<D> {
    url: String,
    config: ConnectionManagerConfig,
    check_eviction_policy: bool,
    data: PhantomData<fn() -> D>,
}

impl<D> RedisStoreBuilder<D> {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            config: RedisStore::<D>::default_connection_config(),
            check_eviction_policy: true,
            data: PhantomData,
        }
    }

    /// Your own timeouts and reconnection settings instead of
    /// [`default_connection_config`](RedisStore::default_connection_config).
    pub fn connection_config(mut self, config: ConnectionManagerConfig) -> Self {
        self.config = config;
        self
    }

    /// Connects without reading the server's `maxmemory-policy`: for servers that
    /// refuse `CONFIG GET` (managed services often disable or rename `CONFIG`; an
    /// ACL may forbid it), where [`connect`](Self::connect) would fail with
    /// [`EvictionPolicyError::PolicyUnreadable`](crate::EvictionPolicyError::PolicyUnreadable).
    ///
    /// You then vouch for the policy yourself: it must be `noeviction` or a
    /// `volatile-*` one (check your provider's console or parameter group). Under
    /// an `allkeys-*` policy Redis may evict a user's index while their sessions
    /// live on, and "sign out everywhere" would miss those sessions (see the
    /// [crate docs](crate#eviction)).
    pub fn skip_eviction_policy_check(mut self) -> Self {
        self.check_eviction_policy = false;
        self
    }

    /// Connects to the server (a [`ConnectionManager`], which reconnects by
    /// itself), checks its eviction policy unless told not to, and loads the
    /// store's scripts.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the URL is invalid or the server cannot be reached
    /// (the `redis` error is the source), or when its eviction policy may evict a
    /// user index or cannot be read (an
    /// [`EvictionPolicyError`](crate::EvictionPolicyError) is the source).
    pub async fn connect(self) -> Result<RedisStore<D>> {
        let client = redis::Client::open(self.url.as_str()).map_err(Error::store)?;
        let manager = ConnectionManager::new_with_config(client, self.config)
            .await
            .map_err(Error::store)?;
        let store = RedisStore::from_connection(manager);
        if self.check_eviction_policy {
            store.check_eviction_policy().await?;
        }
        store.load_scripts().await?;
        Ok(store)
    }
}

impl<D> fmt::Debug for RedisStoreBuilder<D> {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("check_eviction_policy", &self.check_eviction_policy)
            .finish_non_exhaustive()
    }
}
