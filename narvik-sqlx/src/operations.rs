//! The seven session operations of [`SqlStore`] that narvik 0.1 had, and the
//! compare-and-set update of a session's data ([`UpdateSessionData`]), written
//! once for every backend; the lifecycle controls are in `lifecycle.rs`.
//!
//! Each binds its parameters to one of the store's prepared
//! [`Statements`](crate::sql::Statements) and runs it on the store's connections;
//! the time stamps go through the backend's conversions
//! ([`Backend::Timestamp`]).

use std::time::{Duration, Instant};

use narvik::{
    async_trait, BoxError, DataUpdate, DeleteExpiredSessions, DeleteUserSessions,
    FetchUserSessions, Session, SessionData, SessionId, SessionStore, SessionTimes,
    UpdateSessionData,
};
use sqlx::Database;
use time::{OffsetDateTime, UtcOffset};

use crate::backend::Backend;
use crate::queries::{BindInteger, BindText, Queries, QueryOf};
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

/// One conditional `UPDATE` (never an upsert): the data and the next version
/// are written only where the row still has the expected version, so two
/// writers that read the same version cannot both succeed. A success is one
/// round trip; only when nothing changed does a second query tell a session
/// gone from one updated meanwhile.
#[async_trait]
impl<B: Backend, D: SessionData> UpdateSessionData for SqlStore<B, D> {
    async fn update_session_data(
        &self,
        session_id: &SessionId,
        expected_version: u64,
        data: &D,
    ) -> narvik::Result<DataUpdate> {
        let data = narvik::codec::encode_data(data)?;
        let started = Instant::now();
        // A version beyond what the column holds is no session's.
        if let Ok(expected) = i64::try_from(expected_version) {
            let query = sqlx::query(&self.statements.update_data)
                .bind_text(&data)
                .bind_text(session_id.as_str())
                .bind_integer(expected);
            let changed = self
                .connections
                .execute_counting(query, self.query_timeout)
                .await?;
            if changed > 0 {
                return Ok(DataUpdate::Updated {
                    // At most `i64::MAX + 1`: no overflow.
                    data_version: expected_version + 1,
                });
            }
        }
        let query = sqlx::query(&self.statements.exists).bind_text(session_id.as_str());
        let stored = self
            .connections
            .fetch_optional(query, self.query_timeout)
            .await?;
        if stored.is_none() {
            return Ok(DataUpdate::Gone);
        }
        if B::ONE_WRITER_AT_A_TIME {
            conflict_pause(started.elapsed()).await;
        }
        Ok(DataUpdate::Conflict)
    }
}

/// The shortest and longest window of [`conflict_pause`].
const CONFLICT_PAUSE_WINDOW: (Duration, Duration) =
    (Duration::from_millis(5), Duration::from_millis(250));

/// How many times the failed update's own time the window of [`conflict_pause`]
/// spans.
const CONFLICT_PAUSE_FACTOR: u32 = 4;

/// A pause of a random length before a conflict is answered, where the store's
/// writes take turns (SQLite).
///
/// The writers of one session all read its version, then queue for their write
/// turn in order: the first wins, every other one fails, reads the new version
/// and queues again behind the rest, so each pass through the queue lets one
/// writer through, and `n` writers at once need `n` tries (more than
/// `narvik::MODIFY_ATTEMPTS` allows). Spread out, the retries read the version
/// close to their turn, and most of them win it.
///
/// The window grows with `waited`, how long the failed update took: that is the
/// time it queued behind the other writers, so it grows with their number and
/// with the machine's load (a fixed window of a few milliseconds let writers run
/// out of tries on a busy machine). Between 5 and 250 ms.
async fn conflict_pause(waited: Duration) {
    let (shortest, longest) = CONFLICT_PAUSE_WINDOW;
    let window = waited
        .saturating_mul(CONFLICT_PAUSE_FACTOR)
        .clamp(shortest, longest);
    // Uniform, so writers that conflicted at the same instant part ways (the
    // clock's digits would give them all the same pause).
    let pause = window.mul_f64(rand::random::<f64>());
    tokio::time::sleep(pause).await;
}

/// The values of a new session's row beside its id and user id, converted for
/// [`Statements::insert`](crate::sql::Statements::insert).
pub(crate) struct NewRow<B: Backend> {
    expires_at: B::Timestamp,
    issued_at: B::Timestamp,
    authenticated_at: B::Timestamp,
    data_version: i64,
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
            data_version: version_to_sql(session.data_version())?,
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
            .bind_integer(self.data_version)
            .bind_text(&self.data)
    }
}

/// A data version as stored: a signed 64-bit integer, the widest integer every
/// backend has.
///
/// # Errors
///
/// [`narvik::Error::Encode`] beyond `i64::MAX`, which no session reaches one
/// update at a time.
fn version_to_sql(data_version: u64) -> narvik::Result<i64> {
    i64::try_from(data_version).map_err(narvik::Error::encode)
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
/// data_version, data`, which leaves out the id when the query was given it (`known_id`: the
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
    let data_version = B::Database::integer(row, first + 4)
        .map_err(|error| undecodable(error.into()))
        .and_then(|stored| u64::try_from(stored).map_err(|error| undecodable(error.into())))?;
    // Borrowed from the row: the JSON is decoded, never kept.
    let data = B::Database::text(row, first + 5).map_err(|error| undecodable(error.into()))?;
    let data: D = narvik::codec::decode_data(session_id, data)?;
    Ok(Session::new(session_id, user_id, times, data).with_data_version(data_version))
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
