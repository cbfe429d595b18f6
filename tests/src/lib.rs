//! Helpers shared by the integration tests of narvik in `tests/`.
//!
//! [`narvik_over`] and [`with_manual_clock`] make a [`Narvik`](narvik::Narvik) on a
//! [`ManualClock`](narvik::ManualClock) at [`START`]; [`create`],
//! [`create_sessions`], [`validate`], [`stored`], [`sessions_of`],
//! [`session_ids_of`], [`invalidate`], [`delete_sessions_of`] and [`delete_expired`]
//! are its calls that fail the test on an error.
//!
//! [`JsonRows`] is a store kept the way a SQL store keeps sessions: one row per
//! session, the custom data as JSON text written by [`narvik::codec`]. The tests use
//! it to run the conformance suite against a [`CallbackStore`] with every callback, and to plant rows of
//! "old" JSON that an earlier version of the data type wrote.
//!
//! [`cookies`] holds the token and the builder the cookie and configuration tests
//! share.
//!
//! [`servers`] reaches the test servers (the store crates' and the demo's tests use
//! it too); [`proxy`] stands between a store and its server, counting round trips
//! on the wire and cutting the connection on demand.

mod calls;
pub mod cookies;
mod manual_clock;
pub mod proxy;
pub mod servers;

pub use calls::{
    create, create_sessions, delete_expired, delete_sessions_of, invalidate, session_ids_of,
    sessions_of, stored, validate,
};
pub use manual_clock::{narvik_over, with_manual_clock};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use narvik::codec::{decode_data, encode_data};
use narvik::store::callbacks::AllCallbacks;
use narvik::{CallbackStore, DataUpdate, Result, Session, SessionData, SessionId, SessionTimes};
use time::macros::datetime;
use time::OffsetDateTime;

/// The time the tests' [`ManualClock`](narvik::ManualClock)s start at.
pub const START: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);

/// One stored session: the core fields, and the custom data as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    /// The user the session belongs to.
    pub user_id: String,
    /// When the session expires.
    pub expires_at: OffsetDateTime,
    /// When the session was issued (sign-in).
    pub issued_at: OffsetDateTime,
    /// When the user last proved a credential.
    pub authenticated_at: OffsetDateTime,
    /// The custom data, as [`encode_data`] writes it.
    pub data: String,
    /// How many times the data was updated.
    pub data_version: u64,
}

/// Sessions as [`StoredRow`]s in a map behind a mutex; clones share the map.
#[derive(Debug, Clone, Default)]
pub struct JsonRows {
    rows: Arc<Mutex<HashMap<SessionId, StoredRow>>>,
}

impl JsonRows {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `row` under `session_id` as it is, replacing any row there.
    pub fn insert(&self, session_id: SessionId, row: StoredRow) {
        self.lock().insert(session_id, row);
    }

    /// The row stored under `session_id`.
    pub fn get(&self, session_id: &SessionId) -> Option<StoredRow> {
        self.lock().get(session_id).cloned()
    }

    /// How many rows are stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no row is stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A [`CallbackStore`] over these rows with every callback, each optional one
    /// one atomic step under the map's lock.
    pub fn store<D: SessionData + Clone>(&self) -> CallbackStore<D, AllCallbacks> {
        let (by_user, delete_by_user, expired) = (self.clone(), self.clone(), self.clone());
        let (rotate, delete_others, delete_all) = (self.clone(), self.clone(), self.clone());
        let update_data = self.clone();
        self.required_store()
            .fetch_sessions_for_user(move |user_id: String| {
                let rows = by_user.clone();
                async move { rows.sessions_of(&user_id) }
            })
            .delete_sessions_for_user(move |user_id: String| {
                let rows = delete_by_user.clone();
                async move {
                    rows.keep_only(|_, row| row.user_id != user_id);
                    Ok(())
                }
            })
            .delete_all_expired_sessions(move |now: OffsetDateTime| {
                let rows = expired.clone();
                async move {
                    rows.keep_only(|_, row| row.expires_at > now);
                    Ok(())
                }
            })
            .rotate_session(
                move |from: SessionId, to: SessionId, authenticated_at: Option<OffsetDateTime>| {
                    let rows = rotate.clone();
                    async move { rows.rotate(from, to, authenticated_at) }
                },
            )
            .delete_other_sessions_for_user(move |user_id: String, keep: SessionId| {
                let rows = delete_others.clone();
                async move {
                    rows.keep_only(|session_id, row| row.user_id != user_id || *session_id == keep);
                    Ok(())
                }
            })
            .delete_all_sessions(move || {
                let rows = delete_all.clone();
                async move {
                    rows.keep_only(|_, _| false);
                    Ok(())
                }
            })
            .update_session_data(move |session_id: SessionId, expected: u64, data: D| {
                let rows = update_data.clone();
                async move { rows.update_data(&session_id, expected, &data) }
            })
    }

    /// A [`CallbackStore`] over these rows with the four required callbacks only.
    pub fn required_store<D: SessionData + Clone>(&self) -> CallbackStore<D> {
        let (save, fetch, update, delete) =
            (self.clone(), self.clone(), self.clone(), self.clone());
        CallbackStore::new(
            move |session: Session<D>| {
                let rows = save.clone();
                async move { rows.save(&session).map(|()| session) }
            },
            move |session_id: SessionId| {
                let rows = fetch.clone();
                async move { rows.fetch(session_id) }
            },
            move |session_id: SessionId, expires_at: OffsetDateTime| {
                let rows = update.clone();
                async move {
                    rows.set_expiry(&session_id, expires_at);
                    Ok(())
                }
            },
            move |session_id: SessionId| {
                let rows = delete.clone();
                async move {
                    rows.remove(&session_id);
                    Ok(())
                }
            },
        )
    }

    fn save<D: SessionData>(&self, session: &Session<D>) -> Result<()> {
        let row = StoredRow {
            user_id: session.user_id.clone(),
            expires_at: session.expires_at,
            issued_at: session.issued_at,
            authenticated_at: session.authenticated_at,
            data: encode_data(&session.data)?,
            data_version: session.data_version(),
        };
        self.insert(session.id, row);
        Ok(())
    }

    fn fetch<D: SessionData>(&self, session_id: SessionId) -> Result<Option<Session<D>>> {
        self.get(&session_id)
            .map(|row| decode_row(session_id, row))
            .transpose()
    }

    /// Never inserts: a session deleted meanwhile stays deleted.
    fn set_expiry(&self, session_id: &SessionId, expires_at: OffsetDateTime) {
        if let Some(row) = self.lock().get_mut(session_id) {
            row.expires_at = expires_at;
        }
    }

    fn remove(&self, session_id: &SessionId) {
        self.lock().remove(session_id);
    }

    fn keep_only(&self, mut keep: impl FnMut(&SessionId, &StoredRow) -> bool) {
        self.lock().retain(|session_id, row| keep(session_id, row));
    }

    /// Moves row `from` to `to` under one lock; `None`, storing nothing, when
    /// there is no row `from`.
    fn rotate<D: SessionData>(
        &self,
        from: SessionId,
        to: SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> Result<Option<Session<D>>> {
        let mut rows = self.lock();
        let Some(mut row) = rows.remove(&from) else {
            return Ok(None);
        };
        if let Some(authenticated_at) = authenticated_at {
            row.authenticated_at = authenticated_at;
        }
        rows.insert(to, row.clone());
        decode_row(to, row).map(Some)
    }

    /// Writes `data` if row `session_id` is at `expected`, under one lock.
    fn update_data<D: SessionData>(
        &self,
        session_id: &SessionId,
        expected: u64,
        data: &D,
    ) -> Result<DataUpdate> {
        let encoded = encode_data(data)?;
        let mut rows = self.lock();
        let Some(row) = rows.get_mut(session_id) else {
            return Ok(DataUpdate::Gone);
        };
        if row.data_version != expected {
            return Ok(DataUpdate::Conflict);
        }
        row.data = encoded;
        row.data_version = expected.wrapping_add(1);
        Ok(DataUpdate::Updated {
            data_version: row.data_version,
        })
    }

    fn sessions_of<D: SessionData>(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        let rows = self.lock();
        let of_user = rows.iter().filter(|(_, row)| row.user_id == user_id);
        narvik::codec::decodable_sessions(
            of_user.map(|(session_id, row)| decode_row(*session_id, row.clone())),
        )
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SessionId, StoredRow>> {
        // A test that panicked while holding the lock fails on its own; the map
        // itself is never left half-written.
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn decode_row<D: SessionData>(session_id: SessionId, row: StoredRow) -> Result<Session<D>> {
    let data: D = decode_data(session_id, &row.data)?;
    let times = SessionTimes {
        issued_at: row.issued_at,
        authenticated_at: row.authenticated_at,
        expires_at: row.expires_at,
    };
    Ok(Session::new(session_id, row.user_id, times, data).with_data_version(row.data_version))
}
