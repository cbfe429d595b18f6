//! [`SqlStore`]: the store of every backend, and how one is made.
//!
//! Its session operations are in `operations.rs`; what differs between backends
//! comes from its [`Backend`].

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use narvik::SessionData;
use sqlx::pool::PoolOptions;
use sqlx::{Database, Pool};

use crate::backend::{Backend, ConnectOptionsOf};
use crate::conn::Connections;
use crate::sql::Statements;
use crate::table::TableName;
use crate::{Error, Result};

/// Sessions in a SQL database, on backend `B`, carrying data `D`.
///
/// Name it by its backend's alias: [`SqliteStore<D>`](crate::SqliteStore),
/// [`PostgresStore<D>`](crate::PostgresStore) or [`MySqlStore<D>`](crate::MySqlStore).
/// It implements every store operation: the four of [`narvik::SessionStore`], the
/// optional [`narvik::FetchUserSessions`], [`narvik::DeleteUserSessions`] and
/// [`narvik::DeleteExpiredSessions`], and the lifecycle controls
/// [`narvik::RotateSessions`], [`narvik::DeleteOtherUserSessions`],
/// [`narvik::DeleteAllSessions`] and [`narvik::LimitUserSessions`], and
/// [`narvik::UpdateSessionData`].
///
/// ```
/// use narvik::{Narvik, SessionData};
/// use narvik_sqlx::SqliteStore;
///
/// #[derive(SessionData, Clone, Debug)]
/// struct AppData {
///     username: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> narvik::Result<()> {
/// // A file, created if missing: `sqlite://sessions.db`. In memory for this example.
/// let store = SqliteStore::<AppData>::connect("sqlite::memory:").await?;
/// store.migrate().await?;
/// let narvik = Narvik::new(store);
///
/// let created = narvik.create_session("user-1", AppData { username: "ada".into() }).await?;
/// let session = narvik.validate_session(created.token.as_str()).await?;
/// assert_eq!(session.map(|s| s.data.username).as_deref(), Some("ada"));
/// # Ok(())
/// # }
/// ```
///
/// Clones share the connections. The modules [`sqlite`](crate::sqlite),
/// [`postgres`](crate::postgres) and [`mysql`](crate::mysql) show each backend's
/// table.
pub struct SqlStore<B: Backend, D> {
    pub(crate) connections: Arc<Connections<B::Database>>,
    pub(crate) statements: Arc<Statements>,
    /// How long each query waits for its answer.
    pub(crate) query_timeout: Duration,
    data: PhantomData<fn() -> D>,
}

impl<B: Backend, D> Clone for SqlStore<B, D> {
    fn clone(&self) -> Self {
        Self {
            connections: Arc::clone(&self.connections),
            statements: Arc::clone(&self.statements),
            query_timeout: self.query_timeout,
            data: PhantomData,
        }
    }
}

impl<B: Backend, D> fmt::Debug for SqlStore<B, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &B::NAME)
            .field("table_name", &self.table_name())
            .field("query_timeout", &self.query_timeout)
            .finish_non_exhaustive()
    }
}

impl<B: Backend, D: SessionData> SqlStore<B, D> {
    /// Connects to `url` on a pool of the store's own, with
    /// [`pool_options`](crate::pool_options).
    ///
    /// - SQLite: `sqlite://path/to/sessions.db` (or `sqlite:sessions.db`) is a file,
    ///   created if missing, in WAL mode (readers do not wait for a writer).
    ///   `sqlite::memory:` is a database in memory, gone when the store (and its
    ///   clones) is dropped; each `connect` makes another. It lives only while a
    ///   connection to it is open, and its connections would lock each other out, so
    ///   the store keeps exactly one, open for its whole life: queries take turns on
    ///   it. (With [`connect_with`](Self::connect_with), give such a database
    ///   `max_connections(1)`, `idle_timeout(None)` and `max_lifetime(None)`.)
    /// - PostgreSQL: `postgres://user:password@host:5432/database`.
    /// - MySQL or MariaDB: `mysql://user:password@host:3306/database`.
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] when the URL is malformed, the SQLite file cannot be
    /// opened, or the server cannot be reached: within twice the acquire timeout
    /// (the pool's attempts, then one more to learn why they failed).
    pub async fn connect(url: &str) -> Result<Self> {
        let (connect_options, pool_options) =
            B::connect_options(url).map_err(|source| Error::Connect { source })?;
        Self::connect_with(connect_options, pool_options).await
    }

    /// Connects with `connect_options` (`SqliteConnectOptions`, `PgConnectOptions`
    /// or `MySqlConnectOptions`) on a pool of the store's own, made from
    /// `pool_options` (start from [`pool_options`](crate::pool_options)).
    ///
    /// The store keeps the connections it has used between queries, so after the
    /// first use of each statement a query is one round trip (see the crate docs).
    /// The pool's `max_connections`, `acquire_timeout`, `idle_timeout` and
    /// `max_lifetime` apply to those connections too.
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] when the first connection fails.
    pub async fn connect_with(
        connect_options: ConnectOptionsOf<B::Database>,
        pool_options: PoolOptions<B::Database>,
    ) -> Result<Self> {
        let acquire_timeout = pool_options.get_acquire_timeout();
        // The store opens the first connection itself, and keeps it: one that
        // the pool opened would wait in the pool, out of the store's reach when a
        // failure clears the connections it keeps.
        let pool = pool_options.connect_lazy_with(connect_options.clone());
        let store = Self::over(Connections::owned(pool));
        match store.connections.open_first().await {
            Ok(()) => Ok(store),
            Err(sqlx::Error::PoolTimedOut) => {
                // The pool retried until its timeout and kept only "timed out"; one
                // direct attempt says why (refused, unknown host, password).
                let attempt = tokio::time::timeout(
                    acquire_timeout,
                    <<B::Database as Database>::Connection as sqlx::Connection>::connect_with(
                        &connect_options,
                    ),
                )
                .await;
                let source = match attempt {
                    Ok(Err(cause)) => cause,
                    Ok(Ok(_)) | Err(_) => sqlx::Error::PoolTimedOut,
                };
                Err(Error::Connect { source })
            }
            Err(source) => Err(Error::Connect { source }),
        }
    }

    /// A store over `pool`, which the application shares: each query takes a
    /// connection from the pool and gives it back, where sqlx pings it: one more
    /// round trip after each answer (and one before it too, unless the pool has
    /// `test_before_acquire(false)`). A store made by `connect` keeps its
    /// connections and skips both. Call [`migrate`](Self::migrate) once.
    ///
    /// Queries are bounded by the [query timeout](Self::with_query_timeout) here
    /// too, and a connection that failed or timed out is closed rather than given
    /// back. But sqlx's ping of a connection given back has no time limit: if the
    /// network goes silent during one, that connection keeps its place in the
    /// pool until TCP gives up.
    pub fn from_pool(pool: Pool<B::Database>) -> Self {
        Self::over(Connections::shared(pool))
    }

    fn over(connections: Connections<B::Database>) -> Self {
        let connections = connections
            .with_write_turns(B::ONE_WRITER_AT_A_TIME)
            .closing_broken(B::OVER_NETWORK);
        Self {
            connections: Arc::new(connections),
            statements: Arc::new(Statements::new(TableName::default_name(), &B::DIALECT)),
            query_timeout: crate::DEFAULT_QUERY_TIMEOUT,
            data: PhantomData,
        }
    }

    /// Keeps sessions in table `table_name` instead of
    /// [`DEFAULT_TABLE_NAME`](crate::DEFAULT_TABLE_NAME) (`narvik_sessions`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTableName`] unless the name is 1 to 48 ASCII letters, digits
    /// and `_`, not starting with a digit: the name goes into SQL text, so nothing
    /// else is accepted.
    pub fn with_table_name(self, table_name: &str) -> Result<Self> {
        let table = TableName::new(table_name)?;
        Ok(Self {
            statements: Arc::new(Statements::new(table, &B::DIALECT)),
            ..self
        })
    }

    /// Waits at most `query_timeout` for the answer to each query, instead of
    /// [`DEFAULT_QUERY_TIMEOUT`](crate::DEFAULT_QUERY_TIMEOUT) (5 seconds).
    ///
    /// A query that gets no answer in time fails with [`narvik::Error::Store`],
    /// and the store drops its connections, as when one breaks: a server gone
    /// silent (a network partition, a dead host) then costs a request this long,
    /// not the minutes TCP takes to give up; validation answers an error, never
    /// "signed out". Make it longer than your slowest query: deleting expired
    /// sessions of a big table may take the longest. A sign-in under a session
    /// limit also waits at most this long, on the server, for the lock of its user
    /// (other sign-ins of the user hold it), then fails with
    /// [`narvik::Error::Store`] (on MySQL rounded up to whole seconds). Getting a
    /// connection is bounded apart, by the pool's acquire timeout;
    /// [`migrate`](Self::migrate) has no limit. On SQLite, in the application's process, a timed-out query's
    /// connection goes back to the pool rather than being closed.
    #[must_use]
    pub fn with_query_timeout(self, query_timeout: Duration) -> Self {
        Self {
            query_timeout,
            ..self
        }
    }

    /// Creates the session table and its indexes unless they exist, and brings a
    /// table made by an earlier release up to date in place: safe to run at every
    /// start, and from several application servers at once.
    ///
    /// A table of narvik-sqlx 0.1 gains the columns `issued_at`,
    /// `authenticated_at` and `data_version`: its sessions stay valid, issued at
    /// the time of the migration, with [`narvik::UNKNOWN_TIME`] as their last
    /// proof of a credential and data version 0 (see the crate docs, "Upgrading
    /// from 0.1").
    ///
    /// # Errors
    ///
    /// [`Error::Migrate`] when a statement fails.
    //
    // Not an `async fn`: its future is proved `Send` here, once, for every
    // backend. As an `async fn`, awaiting it inside a spawned task failed to
    // compile ("lifetime bound not satisfied", rust-lang/rust#100013: rustc loses
    // the lifetimes of the generic executor bounds inside async code).
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` cannot say that its future is `Send`"
    )]
    pub fn migrate(&self) -> impl Future<Output = Result<()>> + Send + '_ {
        async move {
            self.statements
                .migration
                .run(&self.connections)
                .await
                .map_err(|source| Error::Migrate {
                    table: self.table_name().to_owned(),
                    source,
                })
        }
    }
}

impl<B: Backend, D> SqlStore<B, D> {
    /// The table the sessions are kept in.
    pub fn table_name(&self) -> &str {
        self.statements.table.as_str()
    }

    /// How long each query waits for its answer: see
    /// [`with_query_timeout`](Self::with_query_timeout).
    pub fn query_timeout(&self) -> Duration {
        self.query_timeout
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod send_tests {
    use crate::SqliteStore;

    fn assert_send<F: std::future::Future + Send>(future: F) -> F {
        future
    }

    /// Compiles only if connecting and migrating can run in a spawned task, as a
    /// web app's start-up does.
    #[tokio::test]
    async fn connect_and_migrate_run_in_a_spawned_task() {
        let task = assert_send(async {
            let store = SqliteStore::<()>::connect("sqlite::memory:").await?;
            store.migrate().await?;
            Ok::<_, crate::Error>(store.table_name().to_owned())
        });
        let table = tokio::spawn(task).await.map_err(|error| error.to_string());
        assert_eq!(
            table.ok().and_then(Result::ok).as_deref(),
            Some(crate::DEFAULT_TABLE_NAME)
        );
    }
}
