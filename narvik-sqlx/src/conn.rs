//! The connections a store queries on.
//!
//! A sqlx [`Pool`] pings every connection it takes back (`PoolConnection`'s drop
//! sends a ping before the connection goes idle again), so each query through a pool
//! costs a second round trip on the wire after its answer, and a third before it
//! when `test_before_acquire` is on. A store that owns its pool therefore keeps the
//! connections it has used checked out, in a list of its own, and hands them straight
//! to the next query: a query is then one round trip. A semaphore sized to the pool's
//! `max_connections` makes queries wait for one of those connections (or for room to
//! open another) instead of waiting inside the pool for connections it will never
//! get back. A store over a pool the application shares takes each connection from
//! the pool and gives it back, as any other user of the pool does.
//!
//! A kept connection that has died (the server restarted, the network dropped it)
//! fails its next query, which is then a [`narvik::Error::Store`]; the store drops
//! it, together with the other kept connections (they most likely died with it), and
//! the next query opens a fresh one. [`failure`](crate::failure) says which errors
//! mean that. A query that gets no answer within its time limit counts as one: a
//! connection to a server gone silent would otherwise wait until TCP gives up,
//! minutes later.
//!
//! Over a network (PostgreSQL, MySQL), the connections dropped that way are
//! closed, each within sqlx's close timeout: a pool given one back would first
//! ping it, with no time limit, and keep its place in the pool while that ping
//! waits on a silent server. SQLite's connections, in the application's process,
//! go back to the pool, which tests them (and an in-memory database lives only as
//! long as its connection).
//!
//! On SQLite, which lets one writer in at a time, the store's writes also take
//! turns here rather than in SQLite's sleeping busy handler
//! ([`Connections::write_turn`]).

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool};
use tokio::sync::{
    Mutex as AsyncMutex, MutexGuard as AsyncMutexGuard, Semaphore, SemaphorePermit, TryAcquireError,
};

use crate::failure;
use crate::queries::{Queries, QueryOf};

/// A pool, and the connections kept out of it when the pool is the store's own.
pub(crate) struct Connections<DB: Database> {
    pool: Pool<DB>,
    kept: Option<Kept<DB>>,
    /// Where writers exclude each other (SQLite), the store's writes take turns
    /// here: see [`write_turn`](Self::write_turn).
    write_turns: Option<AsyncMutex<()>>,
    /// Whether a connection that failed is closed rather than given back to the
    /// pool (over a network: see the module docs).
    close_broken: bool,
}

/// The connections a store keeps between queries.
struct Kept<DB: Database> {
    idle: Mutex<Vec<KeptConnection<DB>>>,
    /// One permit per connection the pool may open.
    permits: Semaphore,
    acquire_timeout: Duration,
    idle_timeout: Option<Duration>,
    max_lifetime: Option<Duration>,
}

struct KeptConnection<DB: Database> {
    connection: PoolConnection<DB>,
    /// When the store took it from the pool (at most its age).
    taken_at: Instant,
    idle_since: Instant,
}

impl<DB: Database> Connections<DB> {
    /// Connections of a pool the store owns: it keeps those it has used.
    pub(crate) fn owned(pool: Pool<DB>) -> Self {
        let options = pool.options();
        let kept = Kept {
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(options.get_max_connections() as usize),
            acquire_timeout: options.get_acquire_timeout(),
            idle_timeout: options.get_idle_timeout(),
            max_lifetime: options.get_max_lifetime(),
        };
        Self {
            pool,
            kept: Some(kept),
            write_turns: None,
            close_broken: false,
        }
    }

    /// Connections of a pool the application shares: each goes back after its query.
    pub(crate) fn shared(pool: Pool<DB>) -> Self {
        Self {
            pool,
            kept: None,
            write_turns: None,
            close_broken: false,
        }
    }

    /// Makes the store's writes take turns when `one_writer_at_a_time` (SQLite).
    pub(crate) fn with_write_turns(self, one_writer_at_a_time: bool) -> Self {
        Self {
            write_turns: one_writer_at_a_time.then(|| AsyncMutex::new(())),
            ..self
        }
    }

    /// Closes the connections that fail, rather than giving them back to the
    /// pool, when `over_network` (not SQLite): see the module docs.
    pub(crate) fn closing_broken(self, over_network: bool) -> Self {
        Self {
            close_broken: over_network,
            ..self
        }
    }

    /// Takes the connection the pool opens first into the store's keeping, so
    /// that no connection waits in the pool where a failure could not clear it.
    pub(crate) async fn open_first(&self) -> Result<(), sqlx::Error> {
        let connection = self.acquire().await?;
        connection.finish(Ok(()))
    }

    /// The turn of one statement that writes, held until it has run; `None` where
    /// writers do not exclude each other.
    ///
    /// SQLite lets one writer in at a time. Writers that find it busy fail inside
    /// SQLite and its busy handler sleeps 1, 2, 5, 10... ms before each retry, so a
    /// few writes at once on the store's connections would spend most of their time
    /// asleep while the database is free again after a fraction of a millisecond.
    /// Queued here instead, each write starts the moment the previous one is done.
    /// Reads never wait here: in WAL mode they run beside a write. A write that
    /// waits longer than the pool's acquire timeout fails as the pool would.
    pub(crate) async fn write_turn(&self) -> Result<Option<AsyncMutexGuard<'_, ()>>, sqlx::Error> {
        let Some(turns) = &self.write_turns else {
            return Ok(None);
        };
        if let Ok(turn) = turns.try_lock() {
            return Ok(Some(turn));
        }
        let acquire_timeout = match &self.kept {
            Some(kept) => kept.acquire_timeout,
            None => self.pool.options().get_acquire_timeout(),
        };
        tokio::time::timeout(acquire_timeout, turns.lock())
            .await
            .map(Some)
            .map_err(|_| sqlx::Error::PoolTimedOut)
    }

    /// A connection for one query: a kept one if there is one, else one from the pool.
    pub(crate) async fn acquire(&self) -> Result<Checkout<'_, DB>, sqlx::Error> {
        let Some(kept) = &self.kept else {
            let connection = self.pool.acquire().await?;
            return Ok(self.checkout(connection, Instant::now(), None));
        };
        // Unless every connection is busy, a permit is there at once: no timer to
        // set, and the one clock read below serves every check.
        let (permit, waited_since) = match kept.permits.try_acquire() {
            Ok(permit) => (permit, None),
            Err(TryAcquireError::Closed) => return Err(sqlx::Error::PoolClosed),
            Err(TryAcquireError::NoPermits) => {
                let started = Instant::now();
                let permit = tokio::time::timeout(kept.acquire_timeout, kept.permits.acquire())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                (permit, Some(started))
            }
        };
        let now = Instant::now();
        if let Some((connection, taken_at)) = kept.pop_usable(now) {
            return Ok(self.checkout(connection, taken_at, Some((kept, permit))));
        }
        let waited = waited_since.map_or(Duration::ZERO, |started| {
            now.saturating_duration_since(started)
        });
        let remaining = kept.acquire_timeout.saturating_sub(waited);
        let connection = tokio::time::timeout(remaining, self.pool.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
        Ok(self.checkout(connection, Instant::now(), Some((kept, permit))))
    }

    fn checkout<'a>(
        &self,
        connection: PoolConnection<DB>,
        taken_at: Instant,
        kept: Option<(&'a Kept<DB>, SemaphorePermit<'a>)>,
    ) -> Checkout<'a, DB> {
        Checkout {
            connection,
            taken_at,
            kept,
            close_broken: self.close_broken,
        }
    }
}

/// The queries themselves, on the connections above.
///
/// Each waits at most `time_limit` for its answer, once it has a connection
/// (getting one waits at most the pool's acquire timeout).
impl<DB: Queries> Connections<DB> {
    /// Runs `query`, a statement that writes, in its [write turn](Self::write_turn).
    /// A failure, of the statement or of getting a connection, is
    /// [`narvik::Error::Store`], as is each failure of the two below.
    pub(crate) async fn execute(
        &self,
        query: QueryOf<'_, DB>,
        time_limit: Duration,
    ) -> narvik::Result<()> {
        self.execute_counting(query, time_limit)
            .await
            .map(|_rows| ())
    }

    /// [`execute`](Self::execute), answering how many rows `query` changed.
    pub(crate) async fn execute_counting(
        &self,
        query: QueryOf<'_, DB>,
        time_limit: Duration,
    ) -> narvik::Result<u64> {
        let _turn = self.write_turn().await.map_err(narvik::Error::store)?;
        let mut connection = self.acquire().await.map_err(narvik::Error::store)?;
        let result = within(time_limit, DB::execute(&mut *connection, query)).await;
        connection.finish(result).map_err(narvik::Error::store)
    }

    /// The row `query` selects, if any.
    pub(crate) async fn fetch_optional(
        &self,
        query: QueryOf<'_, DB>,
        time_limit: Duration,
    ) -> narvik::Result<Option<DB::Row>> {
        let mut connection = self.acquire().await.map_err(narvik::Error::store)?;
        let result = within(time_limit, DB::fetch_optional(&mut *connection, query)).await;
        connection.finish(result).map_err(narvik::Error::store)
    }

    /// The row `query`, a statement that writes, answers (`RETURNING`), if any;
    /// in its [write turn](Self::write_turn).
    pub(crate) async fn fetch_optional_writing(
        &self,
        query: QueryOf<'_, DB>,
        time_limit: Duration,
    ) -> narvik::Result<Option<DB::Row>> {
        let _turn = self.write_turn().await.map_err(narvik::Error::store)?;
        self.fetch_optional(query, time_limit).await
    }

    /// Every row `query` selects.
    pub(crate) async fn fetch_all(
        &self,
        query: QueryOf<'_, DB>,
        time_limit: Duration,
    ) -> narvik::Result<Vec<DB::Row>> {
        let mut connection = self.acquire().await.map_err(narvik::Error::store)?;
        let result = within(time_limit, DB::fetch_all(&mut *connection, query)).await;
        connection.finish(result).map_err(narvik::Error::store)
    }
}

/// The answer to `query`, or a timeout error (which ends the connection) if none
/// came within `time_limit`.
pub(crate) async fn within<T>(
    time_limit: Duration,
    query: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    tokio::time::timeout(time_limit, query)
        .await
        .unwrap_or_else(|_| Err(failure::query_timed_out(time_limit)))
}

impl<DB: Database> Kept<DB> {
    /// The most recently used kept connection that is neither idle too long nor too
    /// old at `now`; those that are go back to the pool, which closes them.
    fn pop_usable(&self, now: Instant) -> Option<(PoolConnection<DB>, Instant)> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(kept) = idle.pop() {
            let idle_too_long = self
                .idle_timeout
                .is_some_and(|timeout| now.saturating_duration_since(kept.idle_since) >= timeout);
            let too_old = self
                .max_lifetime
                .is_some_and(|lifetime| now.saturating_duration_since(kept.taken_at) >= lifetime);
            if !(idle_too_long || too_old) {
                return Some((kept.connection, kept.taken_at));
            }
        }
        None
    }

    fn keep(&self, connection: PoolConnection<DB>, taken_at: Instant) {
        let kept = KeptConnection {
            connection,
            taken_at,
            idle_since: Instant::now(),
        };
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(kept);
    }

    /// Lets go of every kept connection: closes it when `close`, else gives it
    /// back to the pool, which tests and closes the dead ones.
    fn release_all(&self, close: bool) {
        let released =
            std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for kept in released {
            let_go(kept.connection, close);
        }
    }
}

/// Drops `connection`: closes it (in a task of its own, within sqlx's close
/// timeout) when `close`, else gives it back to the pool.
fn let_go<DB: Database>(mut connection: PoolConnection<DB>, close: bool) {
    if close {
        connection.close_on_drop();
    }
    drop(connection);
}

impl<DB: Database> Drop for Kept<DB> {
    fn drop(&mut self) {
        // Giving a connection back to its pool spawns a task, which needs a Tokio
        // runtime; a store dropped outside one closes its kept connections instead.
        if tokio::runtime::Handle::try_current().is_err() {
            let idle = self.idle.get_mut().unwrap_or_else(PoisonError::into_inner);
            for kept in idle.drain(..) {
                drop(kept.connection.detach());
            }
        }
    }
}

/// One connection, checked out for one query.
///
/// [`finish`](Self::finish) keeps it for the next query when the query worked; a
/// checkout dropped without `finish` (the query's future was cancelled) gives the
/// connection back to the pool, which cleans it up or closes it.
pub(crate) struct Checkout<'a, DB: Database> {
    connection: PoolConnection<DB>,
    taken_at: Instant,
    kept: Option<(&'a Kept<DB>, SemaphorePermit<'a>)>,
    close_broken: bool,
}

impl<DB: Database> Checkout<'_, DB> {
    /// Ends the checkout with the query's `result`: a connection that worked is kept
    /// for the next query; after a failure of the connection itself (see
    /// [`failure`](crate::failure)), it is let go, and so is every kept connection.
    pub(crate) fn finish<T>(self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        let Self {
            connection,
            taken_at,
            kept,
            close_broken,
        } = self;
        let broken = result.as_ref().is_err_and(failure::ends_connection);
        // The permit drops last, so whoever gets it next finds the kept connection.
        match kept {
            Some((kept, _permit)) if result.is_ok() => kept.keep(connection, taken_at),
            Some((kept, _permit)) if broken => {
                let_go(connection, close_broken);
                kept.release_all(close_broken);
            }
            Some(_) | None => let_go(connection, broken && close_broken),
        }
        result
    }

    /// Lets the connection go, never to be kept, after a use that stopped
    /// halfway (its future was dropped inside a transaction): closed over a
    /// network, where the server then rolls back and lets go of every lock the
    /// connection held; else given back to the pool, which runs the rollback
    /// queued on it before anything else.
    pub(crate) fn abandon(self) {
        let_go(self.connection, self.close_broken);
    }
}

impl<DB: Database> Deref for Checkout<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.connection
    }
}

impl<DB: Database> DerefMut for Checkout<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.connection
    }
}

/// How long a store waits for the answer to a query unless given another limit
/// with `with_query_timeout`: 5 seconds.
///
/// A query that gets no answer by then fails with [`narvik::Error::Store`] (its
/// source an I/O error of kind `TimedOut`, "no answer within the query timeout of
/// 5s"), and the store drops the connection and those it keeps, as after any
/// failure of a connection: a server that went silent (a network partition, a
/// host that died) costs a request that limit, not the minutes TCP takes to give
/// up. A query that timed out may still have taken effect on the server.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The pool settings a store made by `connect` uses; change them and pass them to
/// `connect_with`.
///
/// - `test_before_acquire(false)`: sqlx's default pings a connection before every
///   query, one more round trip each time. Without it a connection that died
///   surfaces as an error of the query that uses it ([`narvik::Error::Store`]); the
///   store drops that connection and the next query opens a fresh one, so the
///   application recovers without a restart.
/// - `acquire_timeout` of 5 seconds (sqlx: 30): a request waiting for a connection,
///   or for an unreachable server, fails within that time instead of hanging.
///   Connecting is bounded by it too. Once a query is sent, the store's own
///   [query timeout](DEFAULT_QUERY_TIMEOUT) bounds the wait for its answer.
///
/// Everything else is sqlx's default: at most 10 connections, closed after 10
/// minutes idle or 30 minutes of age.
pub fn pool_options<DB: Database>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(5))
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    fn connections(one_writer_at_a_time: bool) -> Option<Connections<sqlx::Sqlite>> {
        let pool = pool_options::<sqlx::Sqlite>()
            .connect_lazy("sqlite::memory:")
            .ok()?;
        Some(Connections::owned(pool).with_write_turns(one_writer_at_a_time))
    }

    #[tokio::test]
    async fn writes_take_turns_where_writers_exclude_each_other() {
        let Some(connections) = connections(true) else {
            panic!("a lazy SQLite pool needs no connection yet");
        };
        let first = connections.write_turn().await;
        assert!(matches!(first, Ok(Some(_))));
        let second =
            tokio::time::timeout(Duration::from_millis(50), connections.write_turn()).await;
        assert!(second.is_err(), "a second write waits for the first");
        drop(first);
        assert!(matches!(connections.write_turn().await, Ok(Some(_))));
    }

    #[tokio::test]
    async fn writes_need_no_turn_where_writers_run_together() {
        let Some(connections) = connections(false) else {
            panic!("a lazy SQLite pool needs no connection yet");
        };
        let first = connections.write_turn().await;
        assert!(matches!(first, Ok(None)));
        assert!(matches!(connections.write_turn().await, Ok(None)));
    }
}
