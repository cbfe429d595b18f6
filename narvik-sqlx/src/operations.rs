//! The seven session operations of [`SqlStore`] that narvik 0.1 had, written once
//! for every backend; the lifecycle controls are in `lifecycle.rs`.
//!
//! Each binds its parameters to one of the store's prepared
//! [`Statements`](crate::sql::Statements) and runs it on the store's connections;
//! the time stamps go through the backend's conversions
//! ([`Backend::Timestamp`]).

use narvik::{
    async_trait, BoxError, DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions, Session,
    SessionData, SessionId, SessionStore, SessionTimes,
};
use sqlx::Database;
use time::{OffsetDateTime, UtcOffset};

use crate::backend::Backend;
use crate::queries::{BindText, Queries, QueryOf};
use crate::SqlStore;

/// A row of the database of backend `B`.
pub(crate) type RowOf<B> = <<B as Backend>::Database as Database>::Row;

#[async_trait]
impl<B: Backend, D: SessionData> SessionStore for SqlStore<B, D> {
    type Data = D;

    async fn save_session(&self, session: &mut Session<D>) -> narvik::Result<()> {
        // A plain INSERT: a session id is new by construction.
        let row = NewRow::<B>::of(session)?;
        let query = row.bind(&self.statements.insert, session);
        self.connections.execute(query, self.query_timeout).await
    }

    async fn fetch_session(&self, session_id: &SessionId) -> narvik::Result<Option<Session<D>>> {
        let query = sqlx::query(&self.statements.select).bind_text(session_id.as_str());
        let row = self
            .connections
            .fetch_optional(query, self.query_timeout)
            .await?;
        row.map(|row| decode_row::<B, D>(&row, Some(*session_id)))
            .transpose()
    }

    async fn update_session_expiry(
        &self,
        session_id: &SessionId,
        expires_at: OffsetDateTime,
    ) -> narvik::Result<()> {
        let expires_at = B::timestamp_to_sql(to_micros(expires_at))?;
        let query = sqlx::query(&self.statements.update_expiry)
            .bind(expires_at)
            .bind_text(session_id.as_str());
        self.connections.execute(query, self.query_timeout).await
    }

    async fn delete_session(&self, session_id: &SessionId) -> narvik::Result<()> {
        let query = sqlx::query(&self.statements.delete).bind_text(session_id.as_str());
        self.connections.execute(query, self.query_timeout).await
    }
}

#[async_trait]
impl<B: Backend, D: SessionData> FetchUserSessions for SqlStore<B, D> {
    async fn fetch_sessions_for_user(&self, user_id: &str) -> narvik::Result<Vec<Session<D>>> {
        let query = sqlx::query(&self.statements.select_by_user).bind_text(user_id);
        let rows = self
            .connections
            .fetch_all(query, self.query_timeout)
            .await?;
        narvik::codec::decodable_sessions(rows.iter().map(|row| decode_row::<B, D>(row, None)))
    }
}

#[async_trait]
impl<B: Backend, D: SessionData> DeleteUserSessions for SqlStore<B, D> {
    async fn delete_sessions_for_user(&self, user_id: &str) -> narvik::Result<()> {
        let query = sqlx::query(&self.statements.delete_by_user).bind_text(user_id);
        self.connections.execute(query, self.query_timeout).await
    }
}

#[async_trait]
impl<B: Backend, D: SessionData> DeleteExpiredSessions for SqlStore<B, D> {
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> narvik::Result<()> {
        let now = B::timestamp_to_sql(to_micros(now))?;
        let query = sqlx::query(&self.statements.delete_expired).bind(now);
        self.connections.execute(query, self.query_timeout).await
    }
}

/// The values of a new session's row beside its id and user id, converted for
/// [`Statements::insert`](crate::sql::Statements::insert).
pub(crate) struct NewRow<B: Backend> {
    expires_at: B::Timestamp,
    issued_at: B::Timestamp,
    authenticated_at: B::Timestamp,
    data: String,
}

impl<B: Backend> NewRow<B> {
    /// The row of `session`, whose time stamps are cut to whole microseconds
    /// first, so the session the caller keeps equals the one read back.
    ///
    /// # Errors
    ///
    /// [`narvik::Error::UserIdTooLong`] for a user id longer than narvik allows:
    /// `Narvik::create_session` refuses it first; this holds for code that calls
    /// the store directly, where MySQL without strict mode would cut the id
    /// short and hide the session from its user's listing.
    pub(crate) fn of<D: SessionData>(session: &mut Session<D>) -> narvik::Result<Self> {
        if session.user_id.len() > narvik::MAX_USER_ID_LEN {
            return Err(narvik::Error::UserIdTooLong {
                length: session.user_id.len(),
            });
        }
        session.expires_at = to_micros(session.expires_at);
        session.issued_at = to_micros(session.issued_at);
        session.authenticated_at = to_micros(session.authenticated_at);
        Ok(Self {
            expires_at: B::timestamp_to_sql(session.expires_at)?,
            issued_at: B::timestamp_to_sql(session.issued_at)?,
            authenticated_at: B::timestamp_to_sql(session.authenticated_at)?,
            data: narvik::codec::encode_data(&session.data)?,
        })
    }

    /// `insert` with the row of `session` bound.
    pub(crate) fn bind<'q, D>(
        &'q self,
        insert: &'q str,
        session: &'q Session<D>,
    ) -> QueryOf<'q, B::Database> {
        sqlx::query(insert)
            .bind_text(session.id.as_str())
            .bind_text(&session.user_id)
            .bind(self.expires_at)
            .bind(self.issued_at)
            .bind(self.authenticated_at)
            .bind_text(&self.data)
    }
}

/// `at` in UTC, cut to whole microseconds: what every backend keeps, so a saved
/// session equals the one fetched back.
pub(crate) fn to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let at = at.to_offset(UtcOffset::UTC);
    // Always in range: the nanosecond only gets smaller.
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// A session from a row of `user_id, expires_at, issued_at, authenticated_at,
/// data`, which leaves out the id when the query was given it (`known_id`: the
/// fetch by id, one column less to send, describe and decode on every
/// validation), or of `id` and those (the rows of a fetch by user).
///
/// A row that does not decode is [`narvik::Error::Decode`], naming the session: by
/// its id, or by the text in its id column when that is no session id (no one when
/// even that does not decode).
pub(crate) fn decode_row<B: Backend, D: SessionData>(
    row: &RowOf<B>,
    known_id: Option<SessionId>,
) -> narvik::Result<Session<D>> {
    let (session_id, first) = match known_id {
        Some(session_id) => (session_id, 0),
        None => {
            let stored =
                B::Database::text(row, 0).map_err(|source| narvik::Error::decode("", source))?;
            let session_id = stored
                .parse::<SessionId>()
                .map_err(|source| narvik::Error::decode(stored, source))?;
            (session_id, 1)
        }
    };
    let undecodable = |source: BoxError| narvik::Error::decode(session_id, source);
    let user_id = B::Database::text(row, first).map_err(|error| undecodable(error.into()))?;
    let time = |index: usize| {
        B::Database::value::<B::Timestamp>(row, index)
            .map_err(|error| undecodable(error.into()))
            .and_then(|stored| B::timestamp_from_sql(stored).map_err(undecodable))
    };
    let times = SessionTimes {
        expires_at: time(first + 1)?,
        issued_at: time(first + 2)?,
        authenticated_at: time(first + 3)?,
    };
    // Borrowed from the row: the JSON is decoded, never kept.
    let data = B::Database::text(row, first + 4).map_err(|error| undecodable(error.into()))?;
    let data = narvik::codec::decode_data(session_id, data)?;
    Ok(Session::new(session_id, user_id, times, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_at_is_cut_to_microseconds_in_utc() {
        let at = time::macros::datetime!(2026-03-01 13:34:56.123_456_789 +01:00);
        assert_eq!(
            to_micros(at),
            time::macros::datetime!(2026-03-01 12:34:56.123_456 UTC)
        );
        assert_eq!(to_micros(at).offset(), UtcOffset::UTC);
    }
}
