//! Helpers shared by the integration tests of narvik in `tests/`.
//!
//! [`narvik_over`] and [`with_manual_clock`] make a [`Narvik`](narvik::Narvik) on a
//! [`ManualClock`](narvik::ManualClock) at [`START`]; [`create`], [`validate`],
//! [`stored`], [`sessions_of`], [`invalidate`], [`delete_sessions_of`] and
//! [`delete_expired`] are its calls that fail the test on an error.
//!
//! [`JsonRows`] is a store kept the way a SQL store keeps sessions: one row per
//! session, the custom data as JSON text written by [`narvik::codec`]. The tests use
//! it to run the conformance suite against a [`CallbackStore`], and to plant rows of
//! "old" JSON that an earlier version of the data type wrote.
//!
//! [`error_chain`] prints an error with its causes, as anyhow's `{:#}` does.
//!
//! [`servers`] reaches the test servers (the store crates' and the demo's tests use
//! it too); [`proxy`] stands between a store and its server, counting round trips
//! on the wire and cutting the connection on demand.

mod calls;
mod error_chain;
mod manual_clock;
pub mod proxy;
pub mod servers;

pub use calls::{
    create, delete_expired, delete_sessions_of, invalidate, sessions_of, stored, validate,
};
pub use error_chain::error_chain;
pub use manual_clock::{narvik_over, with_manual_clock};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use narvik::codec::{decode_data, encode_data};
use narvik::store::callbacks::Provided;
use narvik::{CallbackStore, Result, Session, SessionData, SessionId};
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
    /// The custom data, as [`encode_data`] writes it.
    pub data: String,
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

    /// A [`CallbackStore`] over these rows with every callback, the three optional
    /// ones too.
    pub fn store<D: SessionData + Clone>(&self) -> CallbackStore<D, Provided, Provided, Provided> {
        let (by_user, delete_by_user, expired) = (self.clone(), self.clone(), self.clone());
        self.required_store()
            .fetch_sessions_for_user(move |user_id: String| {
                let rows = by_user.clone();
                async move { rows.sessions_of(&user_id) }
            })
            .delete_sessions_for_user(move |user_id: String| {
                let rows = delete_by_user.clone();
                async move {
                    rows.lock().retain(|_, row| row.user_id != user_id);
                    Ok(())
                }
            })
            .delete_all_expired_sessions(move |now: OffsetDateTime| {
                let rows = expired.clone();
                async move {
                    rows.lock().retain(|_, row| row.expires_at > now);
                    Ok(())
                }
            })
    }

    /// A [`CallbackStore`] over these rows with the four required callbacks only.
    pub fn required_store<D: SessionData + Clone>(&self) -> CallbackStore<D> {
        let (save, fetch, update, delete) =
            (self.clone(), self.clone(), self.clone(), self.clone());
        CallbackStore::new(
            move |session: Session<D>| {
                let rows = save.clone();
                async move {
                    let row = StoredRow {
                        user_id: session.user_id.clone(),
                        expires_at: session.expires_at,
                        data: encode_data(&session.data)?,
                    };
                    rows.insert(session.id, row);
                    Ok(session)
                }
            },
            move |session_id: SessionId| {
                let rows = fetch.clone();
                async move {
                    match rows.get(&session_id) {
                        Some(row) => decode_row(session_id, row).map(Some),
                        None => Ok(None),
                    }
                }
            },
            move |session_id: SessionId, expires_at: OffsetDateTime| {
                let rows = update.clone();
                async move {
                    // Never insert: a session deleted meanwhile stays deleted.
                    if let Some(row) = rows.lock().get_mut(&session_id) {
                        row.expires_at = expires_at;
                    }
                    Ok(())
                }
            },
            move |session_id: SessionId| {
                let rows = delete.clone();
                async move {
                    rows.lock().remove(&session_id);
                    Ok(())
                }
            },
        )
    }

    fn sessions_of<D: SessionData>(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        let rows: Vec<(SessionId, StoredRow)> = self
            .lock()
            .iter()
            .filter(|(_, row)| row.user_id == user_id)
            .map(|(session_id, row)| (*session_id, row.clone()))
            .collect();
        narvik::codec::decodable_sessions(
            rows.into_iter()
                .map(|(session_id, row)| decode_row(session_id, row)),
        )
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SessionId, StoredRow>> {
        // A test that panicked while holding the lock fails on its own; the map
        // itself is never left half-written.
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn decode_row<D: SessionData>(session_id: SessionId, row: StoredRow) -> Result<Session<D>> {
    let data = decode_data(session_id, &row.data)?;
    Ok(Session::new(session_id, row.user_id, row.expires_at, data))
}
