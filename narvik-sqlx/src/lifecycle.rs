//! The lifecycle controls of [`SqlStore`], written once for every backend:
//! rotating a session's id ([`RotateSessions`]), ending a user's other sessions
//! ([`DeleteOtherUserSessions`]) or every session ([`DeleteAllSessions`]), and a
//! cap on a user's sessions ([`LimitUserSessions`]).
//!
//! # Atomic steps
//!
//! - A rotation is one `UPDATE` of the row's id (and `authenticated_at`): the old
//!   id is gone the moment the new one exists, and a session deleted before the
//!   `UPDATE` stays deleted (it matches no row). PostgreSQL and SQLite answer
//!   the moved row in the same statement (`RETURNING`); MySQL and MariaDB have
//!   no `UPDATE ... RETURNING`, so the store reads the row under its new id next.
//!   No one else knows that id yet, so the read finds the row as moved, or none
//!   if a sign-out of the user (or of everyone) deleted it in between, and then
//!   there is no session to return.
//! - Ending a user's other sessions, or all sessions, is one `DELETE`.
//! - A sign-in under a limit is one transaction that holds a lock of the user's
//!   while it counts the user's live sessions, inserts the new one and deletes
//!   those beyond the limit: PostgreSQL's `pg_advisory_xact_lock`, MySQL's
//!   `GET_LOCK` (and `READ COMMITTED`, which locks no gaps between rows),
//!   SQLite's `BEGIN IMMEDIATE` (the database's write lock). The sign-ins of one
//!   user take turns; those of different users do not wait for each other
//!   (except on SQLite, which has one writer at a time anyway). Each transaction
//!   takes one lock, always first, so none waits for another in a circle.
//!
//! # Bounded waits
//!
//! Every statement waits at most the store's query timeout for its answer. The
//! server gives up waiting for the user's lock by itself after that long too:
//! PostgreSQL's `lock_timeout` for the transaction (which bounds its row lock
//! waits as well), MySQL's `GET_LOCK` timeout (in whole seconds, rounded up).
//! A sign-in that could not get the lock fails with [`narvik::Error::Store`],
//! storing nothing.

use std::time::Duration;

use narvik::{
    async_trait, DeleteAllSessions, DeleteOtherUserSessions, LimitUserSessions, RotateSessions,
    Session, SessionData, SessionId, SessionLimit, SessionLimitPolicy, SessionStore,
};
use time::OffsetDateTime;

use crate::backend::Backend;
use crate::failure;
use crate::held::Held;
use crate::operations::{decode_row, to_micros, NewRow};
use crate::queries::{BindText, Queries};
use crate::SqlStore;

/// How much longer than the server's own limit on a lock wait the store waits
/// for its answer, so that the server's "not free" arrives first.
const LOCK_ANSWER_MARGIN: Duration = Duration::from_secs(1);

#[async_trait]
impl<B: Backend, D: SessionData> RotateSessions for SqlStore<B, D> {
    async fn rotate_session(
        &self,
        from: &SessionId,
        to: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> narvik::Result<Option<Session<D>>> {
        let statements = &self.statements;
        let authenticated_at = authenticated_at
            .map(|at| B::timestamp_to_sql(to_micros(at)))
            .transpose()?;
        let query = match authenticated_at {
            None => sqlx::query(&statements.rotate).bind_text(to.as_str()),
            Some(authenticated_at) => sqlx::query(&statements.rotate_reauthenticated)
                .bind_text(to.as_str())
                .bind(authenticated_at),
        };
        let query = query.bind_text(from.as_str());
        if statements.rotate_returns_row {
            let row = self
                .connections
                .fetch_optional_writing(query, self.query_timeout)
                .await?;
            return row
                .map(|row| decode_row::<B, D>(&row, Some(*to)))
                .transpose();
        }
        // MySQL: the move is done; the row under the new id is as moved, or
        // gone (see the module docs).
        self.connections.execute(query, self.query_timeout).await?;
        self.fetch_session(to).await
    }
}

#[async_trait]
impl<B: Backend, D: SessionData> DeleteOtherUserSessions for SqlStore<B, D> {
    async fn delete_other_sessions_for_user(
        &self,
        user_id: &str,
        keep: &SessionId,
    ) -> narvik::Result<()> {
        let query = sqlx::query(&self.statements.delete_others)
            .bind_text(user_id)
            .bind_text(keep.as_str());
        self.connections.execute(query, self.query_timeout).await
    }
}

#[async_trait]
impl<B: Backend, D: SessionData> DeleteAllSessions for SqlStore<B, D> {
    async fn delete_all_sessions(&self) -> narvik::Result<()> {
        let query = sqlx::query(&self.statements.delete_all);
        self.connections.execute(query, self.query_timeout).await
    }
}

/// How a sign-in under a session limit ended, short of a failure.
enum Limited {
    /// The session is stored, and the user's sessions beyond the limit ended.
    Stored,
    /// The user is at the limit and the policy refuses new sessions: nothing
    /// changed.
    Refused,
    /// The user's lock was not free within the wait: nothing changed.
    LockBusy,
}

#[async_trait]
impl<B: Backend, D: SessionData> LimitUserSessions for SqlStore<B, D> {
    async fn save_session_limited(
        &self,
        session: &mut Session<D>,
        limit: SessionLimit,
    ) -> narvik::Result<bool> {
        let row = NewRow::<B>::of(session)?;
        let now = B::timestamp_to_sql(to_micros(limit.now))?;
        let sign_in = SignIn {
            session,
            row: &row,
            now,
            limit,
        };
        let mut held = self
            .connections
            .hold()
            .await
            .map_err(narvik::Error::store)?;
        let limited = self.save_limited(&mut held, &sign_in).await;
        let limited = held
            .finish(limited, Some(self.query_timeout))
            .await
            .map_err(narvik::Error::store)?;
        match limited {
            Limited::Stored => Ok(true),
            Limited::Refused => Ok(false),
            Limited::LockBusy => Err(narvik::Error::store(failure::user_lock_busy(
                self.query_timeout,
            ))),
        }
    }
}

/// A sign-in under a session limit: the new session, its row, and the limit.
struct SignIn<'a, B: Backend, D> {
    session: &'a Session<D>,
    row: &'a NewRow<B>,
    /// `limit.now`, as stored.
    now: B::Timestamp,
    limit: SessionLimit,
}

impl<B: Backend, D: SessionData> SqlStore<B, D> {
    /// The transaction of `sign_in` on `held`, under the user's lock; a
    /// transaction left open (after a failure, or when nothing is to change) is
    /// rolled back by [`Held::finish`].
    async fn save_limited(
        &self,
        held: &mut Held<'_, B::Database>,
        sign_in: &SignIn<'_, B, D>,
    ) -> Result<Limited, sqlx::Error> {
        let time_limit = Some(self.query_timeout);
        let user_id = sign_in.session.user_id.as_str();
        let lock = &self.statements.user_lock;
        held.begin((lock.begin)(self.query_timeout), time_limit)
            .await?;
        if let Some(take) = &lock.take {
            let wait_seconds = whole_seconds(self.query_timeout).to_string();
            let mut query = sqlx::query(take).bind_text(user_id);
            if lock.release.is_some() {
                query = query.bind_text(&wait_seconds);
            }
            let lock_wait = self.query_timeout.saturating_add(LOCK_ANSWER_MARGIN);
            if held.fetch_optional(query, Some(lock_wait)).await?.is_none() {
                return Ok(Limited::LockBusy);
            }
        }
        let limited = match self.count_and_store(held, sign_in).await {
            Ok(Limited::Stored) => held.commit(time_limit).await.map(|()| Limited::Stored),
            other => other,
        };
        let Some(release) = &lock.release else {
            return limited;
        };
        // A lock of the connection outlives the transaction: roll back first,
        // then let go of it. A connection that failed is closed instead, which
        // lets go of it on the server.
        if limited.as_ref().is_err_and(failure::ends_connection) {
            return limited;
        }
        let released = async {
            held.rollback(time_limit).await?;
            let query = sqlx::query(release).bind_text(user_id);
            held.execute(query, time_limit).await
        }
        .await;
        match released {
            Ok(()) => limited,
            Err(release_failed) => {
                held.never_keep();
                limited.and(Err(release_failed))
            }
        }
    }

    /// Counts the user's live sessions and stores the new one, ending the
    /// least recently extended beyond the limit, or refuses it: the part of a
    /// limited sign-in under the user's lock.
    async fn count_and_store(
        &self,
        held: &mut Held<'_, B::Database>,
        sign_in: &SignIn<'_, B, D>,
    ) -> Result<Limited, sqlx::Error> {
        let time_limit = Some(self.query_timeout);
        let statements = &self.statements;
        let session = sign_in.session;
        let user_id = session.user_id.as_str();
        // The latest expiry first.
        let query = sqlx::query(&statements.select_live)
            .bind_text(user_id)
            .bind(sign_in.now);
        let live = held.fetch_all(query, time_limit).await?;
        let max = usize::try_from(sign_in.limit.max.get()).unwrap_or(usize::MAX);
        if sign_in.limit.policy == SessionLimitPolicy::RefuseNew && live.len() >= max {
            return Ok(Limited::Refused);
        }
        let insert = sign_in.row.bind(&statements.insert, session);
        held.execute(insert, time_limit).await?;
        // Beside the new session, the user keeps the `max - 1` live sessions
        // that expire last; the rest go, from the first of them on.
        let Some(first_to_go) = live.get(max.saturating_sub(1)) else {
            return Ok(Limited::Stored);
        };
        let first_id = B::Database::text(first_to_go, 0)?;
        let first_expires_at = B::Database::value::<B::Timestamp>(first_to_go, 1)?;
        let query = sqlx::query(&statements.delete_live_from)
            .bind_text(user_id)
            .bind(sign_in.now)
            .bind_text(session.id.as_str())
            .bind(first_expires_at)
            .bind(first_expires_at)
            .bind_text(first_id);
        held.execute(query, time_limit).await?;
        Ok(Limited::Stored)
    }
}

/// `wait` in whole seconds, rounded up, at least 1: MySQL's `GET_LOCK` counts
/// whole seconds.
fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_waits_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_secs(5)), 5);
        assert_eq!(whole_seconds(Duration::from_millis(5_001)), 6);
        assert_eq!(whole_seconds(Duration::from_millis(200)), 1);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }
}
