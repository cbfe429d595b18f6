//! [`RedisStoreBuilder`]: connecting with settings beyond the URL.

use std::fmt;
use std::marker::PhantomData;

use narvik::{Error, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::tls::TlsSettings;
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
    tls: TlsSettings,
    data: PhantomData<fn() -> D>,
}

impl<D> RedisStoreBuilder<D> {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            config: RedisStore::<D>::default_connection_config(),
            check_eviction_policy: true,
            tls: TlsSettings::default(),
            data: PhantomData,
        }
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM
    /// `CERTIFICATE` blocks) instead of the system's, for a `rediss://` URL:
    /// a server whose certificate they did not sign is refused, as is one whose
    /// certificate does not name the URL's host (a DNS name, or an IP address
    /// such as `127.0.0.1`). For a server with a certificate of your own CA, or a
    /// self-signed one; without it, the system's trusted roots decide.
    ///
    /// ```no_run
    /// # use narvik_redis::RedisStore;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> narvik::Result<()> {
    /// let ca = std::fs::read("/etc/redis/tls/ca.crt").map_err(narvik::Error::store)?;
    /// let store = RedisStore::<()>::builder("rediss://redis.internal:6380")
    ///     .tls_root_certificates(ca)
    ///     .connect()
    ///     .await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// A PEM that holds no certificate, or one that does not parse, makes
    /// [`connect`](Self::connect) fail with [`Error::Store`]; so does a
    /// `redis://` URL, which would not use TLS.
    #[cfg(feature = "tls")]
    pub fn tls_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.set_root_certificates(pem.into());
        self
    }

    /// Presents a client certificate (`certificate_pem`: its chain, leaf first)
    /// and its private key (`key_pem`: PKCS#8, PKCS#1 or SEC1), for a server that
    /// asks clients for one (`tls-auth-clients yes`). Needs a `rediss://` URL, as
    /// [`tls_root_certificates`](Self::tls_root_certificates) does.
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
        let client = self.tls.open(self.url.as_str()).map_err(Error::store)?;
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
            // Whether set, never the certificates or key.
            .field("tls", &self.tls.describe())
            .finish_non_exhaustive()
    }
}
