//! [`Held`]: one connection held for several statements in a row: a
//! transaction (a sign-in under a session limit) or a migration.
//!
//! Each statement waits at most the time limit it is given for its answer
//! (`None`: no limit, for migrations), as a single query does. When the statements
//! end, [`Held::finish`] rolls back a transaction left open by a failure and keeps
//! the connection, or lets it go after a failure of the connection itself, as
//! [`Checkout::finish`] does.
//!
//! A `Held` dropped before `finish` (its future was cancelled: the client went
//! away mid-request) may leave a transaction open, or a lock of the connection
//! taken: its connection is never kept. Over a network it is closed, so the
//! server rolls back and lets go of every lock; SQLite's goes back to the pool
//! with the rollback queued ahead of anything else.

use std::future::Future;
use std::time::Duration;

use sqlx::{Database, TransactionManager};
use tokio::sync::MutexGuard as AsyncMutexGuard;

use crate::conn::{within, Checkout, Connections};
use crate::failure;
use crate::queries::{Queries, QueryOf};

/// One connection held for several statements, in the store's write turn.
pub(crate) struct Held<'a, DB: Database> {
    /// `None` only once `finish` has taken it.
    checkout: Option<Checkout<'a, DB>>,
    /// Held until the connection is let go: the statements write.
    _turn: Option<AsyncMutexGuard<'a, ()>>,
    /// Whether a transaction is open on the connection.
    in_transaction: bool,
    /// Whether the connection may be kept once done: not when it may still
    /// hold a lock of its own.
    keepable: bool,
}

impl<DB: Database> Connections<DB> {
    /// A connection held for several statements that write, in the store's
    /// write turn (see [`write_turn`](Self::write_turn)).
    pub(crate) async fn hold(&self) -> Result<Held<'_, DB>, sqlx::Error> {
        let turn = self.write_turn().await?;
        let checkout = self.acquire().await?;
        Ok(Held {
            checkout: Some(checkout),
            _turn: turn,
            in_transaction: false,
            keepable: true,
        })
    }
}

impl<DB: Queries> Held<'_, DB> {
    fn connection(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        // Only `finish` takes the checkout, and it consumes the `Held`.
        self.checkout.as_deref_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Begins a transaction with `statement` (a `BEGIN` of the backend's,
    /// possibly with settings of the transaction in the same text).
    pub(crate) async fn begin(
        &mut self,
        statement: String,
        time_limit: Option<Duration>,
    ) -> Result<(), sqlx::Error> {
        let connection = self.connection()?;
        let begin = DB::TransactionManager::begin(connection, Some(statement.into()));
        bounded(time_limit, begin).await?;
        self.in_transaction = true;
        Ok(())
    }

    /// Commits the open transaction.
    pub(crate) async fn commit(&mut self, time_limit: Option<Duration>) -> Result<(), sqlx::Error> {
        let connection = self.connection()?;
        bounded(time_limit, DB::TransactionManager::commit(connection)).await?;
        self.in_transaction = false;
        Ok(())
    }

    /// Rolls the open transaction back, if one is open.
    pub(crate) async fn rollback(
        &mut self,
        time_limit: Option<Duration>,
    ) -> Result<(), sqlx::Error> {
        if !self.in_transaction {
            return Ok(());
        }
        let connection = self.connection()?;
        bounded(time_limit, DB::TransactionManager::rollback(connection)).await?;
        self.in_transaction = false;
        Ok(())
    }

    /// Runs `query`, for what it changes.
    pub(crate) async fn execute(
        &mut self,
        query: QueryOf<'_, DB>,
        time_limit: Option<Duration>,
    ) -> Result<(), sqlx::Error> {
        let connection = self.connection()?;
        bounded(time_limit, DB::execute(connection, query))
            .await
            .map(|_rows| ())
    }

    /// The row `query` selects, if any.
    pub(crate) async fn fetch_optional(
        &mut self,
        query: QueryOf<'_, DB>,
        time_limit: Option<Duration>,
    ) -> Result<Option<DB::Row>, sqlx::Error> {
        let connection = self.connection()?;
        bounded(time_limit, DB::fetch_optional(connection, query)).await
    }

    /// Every row `query` selects.
    pub(crate) async fn fetch_all(
        &mut self,
        query: QueryOf<'_, DB>,
        time_limit: Option<Duration>,
    ) -> Result<Vec<DB::Row>, sqlx::Error> {
        let connection = self.connection()?;
        bounded(time_limit, DB::fetch_all(connection, query)).await
    }

    /// Makes sure the connection is let go, never kept nor given back to the
    /// pool, when done: it may hold a lock that could not be released.
    pub(crate) fn never_keep(&mut self) {
        self.keepable = false;
    }

    /// Ends the statements with their `result`: rolls back a transaction still
    /// open (after a failure), then keeps the connection or lets it go as
    /// [`Checkout::finish`] does. A failure of the connection itself skips the
    /// rollback: the connection is let go, and the server rolls back.
    pub(crate) async fn finish<T>(
        mut self,
        result: Result<T, sqlx::Error>,
        time_limit: Option<Duration>,
    ) -> Result<T, sqlx::Error> {
        if !self.keepable {
            // The drop lets the connection go (over a network: closes it).
            return result;
        }
        let connection_failed = result.as_ref().is_err_and(failure::ends_connection);
        let rolled_back = if connection_failed {
            if self.in_transaction {
                // Queued for a connection that goes back to a pool (SQLite).
                if let Ok(connection) = self.connection() {
                    DB::TransactionManager::start_rollback(connection);
                }
                self.in_transaction = false;
            }
            Ok(())
        } else {
            self.rollback(time_limit).await
        };
        let rollback_failed = match rolled_back {
            Ok(()) => {
                return match self.checkout.take() {
                    Some(checkout) => checkout.finish(result),
                    None => result,
                };
            }
            Err(rollback_failed) => rollback_failed,
        };
        if !failure::ends_connection(&rollback_failed) {
            // `in_transaction` is still set: the drop queues another rollback and
            // lets the connection go, never to be kept.
            return result.and(Err(rollback_failed));
        }
        // The connection failed: let it go, with the connections kept beside it.
        self.in_transaction = false;
        let Some(checkout) = self.checkout.take() else {
            return result.and(Err(rollback_failed));
        };
        match result {
            Ok(_) => checkout.finish(Err(rollback_failed)),
            // The first failure is what the caller hears about.
            Err(error) => {
                let _ = checkout.finish::<()>(Err(rollback_failed));
                Err(error)
            }
        }
    }
}

impl<DB: Database> Drop for Held<'_, DB> {
    fn drop(&mut self) {
        let Some(mut checkout) = self.checkout.take() else {
            return;
        };
        // Cancelled halfway: see the module docs.
        if self.in_transaction {
            DB::TransactionManager::start_rollback(&mut checkout);
        }
        checkout.abandon();
    }
}

/// The answer of `statement`, within `time_limit` if there is one.
async fn bounded<T>(
    time_limit: Option<Duration>,
    statement: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    match time_limit {
        Some(time_limit) => within(time_limit, statement).await,
        None => statement.await,
    }
}
