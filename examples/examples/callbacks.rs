//! The original's configuration style: the store is a set of async callbacks, four
//! required and six optional. Here they keep rows as a database would: the core
//! columns plus the custom data as JSON, through `narvik::codec`.
//!
//! Run with `cargo run --example callbacks`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use narvik::{codec, CallbackStore, Narvik, Session, SessionData, SessionId, SessionTimes};
use time::{Duration, OffsetDateTime};

#[derive(SessionData, Clone, Debug)]
struct AppData {
    username: String,
}

/// A row of the `sessions` table.
#[derive(Clone)]
struct Row {
    user_id: String,
    issued_at: OffsetDateTime,
    authenticated_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    data_json: String,
}

impl Row {
    fn of(session: &Session<AppData>) -> narvik::Result<Self> {
        Ok(Self {
            user_id: session.user_id.clone(),
            issued_at: session.issued_at,
            authenticated_at: session.authenticated_at,
            expires_at: session.expires_at,
            data_json: codec::encode_data(&session.data)?,
        })
    }

    fn session(&self, session_id: SessionId) -> narvik::Result<Session<AppData>> {
        let data = codec::decode_data(session_id, &self.data_json)?;
        let times = SessionTimes {
            issued_at: self.issued_at,
            authenticated_at: self.authenticated_at,
            expires_at: self.expires_at,
        };
        Ok(Session::new(session_id, self.user_id.clone(), times, data))
    }
}

#[derive(Clone, Default)]
struct Table(Arc<Mutex<HashMap<SessionId, Row>>>);

impl Table {
    fn rows(&self) -> MutexGuard<'_, HashMap<SessionId, Row>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> narvik::Result<()> {
    let table = Table::default();
    // One handle on the table per callback.
    let [t1, t2, t3, t4, t5, t6, t7, t8, t9, t10] = std::array::from_fn(|_| table.clone());
    let store = CallbackStore::new(
        // saveSession
        move |session: Session<AppData>| {
            let table = t1.clone();
            async move {
                let row = Row::of(&session)?;
                table.rows().insert(session.id, row);
                Ok(session)
            }
        },
        // fetchSession
        move |session_id: SessionId| {
            let table = t2.clone();
            async move {
                let row = table.rows().get(&session_id).cloned();
                row.map(|row| row.session(session_id)).transpose()
            }
        },
        // updateSessionExpiry: update only, never insert.
        move |session_id: SessionId, expires_at| {
            let table = t3.clone();
            async move {
                if let Some(row) = table.rows().get_mut(&session_id) {
                    row.expires_at = expires_at;
                }
                Ok(())
            }
        },
        // deleteSession
        move |session_id: SessionId| {
            let table = t4.clone();
            async move {
                table.rows().remove(&session_id);
                Ok(())
            }
        },
    )
    // fetchSessionsForUser (optional)
    .fetch_sessions_for_user(move |user_id: String| {
        let table = t5.clone();
        async move {
            let rows: Vec<(SessionId, Row)> = table
                .rows()
                .iter()
                .filter(|(_, row)| row.user_id == user_id)
                .map(|(session_id, row)| (*session_id, row.clone()))
                .collect();
            // A row whose data no longer decodes is left out, not an error.
            codec::decodable_sessions(
                rows.into_iter()
                    .map(|(session_id, row)| row.session(session_id)),
            )
        }
    })
    // deleteSessionsForUser (optional)
    .delete_sessions_for_user(move |user_id: String| {
        let table = t6.clone();
        async move {
            table.rows().retain(|_, row| row.user_id != user_id);
            Ok(())
        }
    })
    // deleteAllExpiredSessions (optional)
    .delete_all_expired_sessions(move |now| {
        let table = t7.clone();
        async move {
            table.rows().retain(|_, row| row.expires_at > now);
            Ok(())
        }
    })
    // rotateSession (optional): a new id for the same row. It must be one atomic
    // step in the backend (in SQL: `UPDATE sessions SET id = $2, ... WHERE id = $1
    // RETURNING ...`); here one lock covers the whole move.
    .rotate_session(move |from: SessionId, to: SessionId, authenticated_at| {
        let table = t8.clone();
        async move {
            let mut rows = table.rows();
            // Gone (signed out meanwhile): store nothing, never bring it back.
            let Some(mut row) = rows.remove(&from) else {
                return Ok(None);
            };
            if let Some(authenticated_at) = authenticated_at {
                row.authenticated_at = authenticated_at;
            }
            let session = row.session(to)?;
            rows.insert(to, row);
            Ok(Some(session))
        }
    })
    // deleteOtherSessionsForUser (optional): one atomic step too (in SQL: `DELETE
    // FROM sessions WHERE user_id = $1 AND id <> $2`).
    .delete_other_sessions_for_user(move |user_id: String, keep: SessionId| {
        let table = t9.clone();
        async move {
            table
                .rows()
                .retain(|session_id, row| row.user_id != user_id || *session_id == keep);
            Ok(())
        }
    })
    // deleteAllSessions (optional)
    .delete_all_sessions(move || {
        let table = t10.clone();
        async move {
            table.rows().clear();
            Ok(())
        }
    });

    let narvik = Narvik::builder(store)
        .session_expires_in(Duration::days(7))
        .cookie_name("example-cookie")
        .cookie_expires_in(Duration::days(3))
        .secure(false)
        .domain("example.com")
        .path("/example")
        .build()?;

    let johnsmith = || AppData {
        username: "johnsmith".into(),
    };
    let laptop = narvik.create_session("123", johnsmith()).await?;
    let phone = narvik.create_session("123", johnsmith()).await?;
    let tablet = narvik.create_session("123", johnsmith()).await?;
    println!(
        "Set-Cookie: {}",
        narvik.create_cookie(&laptop.token, &laptop.session)
    );
    for (session_id, row) in table.rows().iter() {
        println!(
            "row {session_id}: user {} data {}",
            row.user_id, row.data_json
        );
    }

    let sessions = narvik.fetch_sessions_for_user("123").await?;
    println!("user 123 has {} sessions", sessions.len());

    // The laptop confirms the password: a new token, the old one ended.
    let laptop = narvik
        .reauthenticate(&laptop.session.id)
        .await?
        .ok_or_else(|| narvik::Error::store("the laptop's session is missing"))?;
    println!(
        "the laptop's new cookie: {}",
        narvik.create_cookie(&laptop.token, &laptop.session)
    );

    // ... then signs out every other device.
    narvik
        .delete_other_sessions_for_user("123", &laptop.session.id)
        .await?;
    let phone_now = narvik.validate_session(phone.token.as_str()).await?;
    let tablet_now = narvik.validate_session(tablet.token.as_str()).await?;
    println!(
        "after \"sign out everywhere else\": phone signed in {}, tablet signed in {}, rows {}",
        phone_now.is_some(),
        tablet_now.is_some(),
        table.rows().len()
    );

    narvik.delete_sessions_for_user("123").await?;
    let gone = narvik.validate_session(laptop.token.as_str()).await?;
    println!("after signing out everywhere, the laptop's token gives {gone:?}");

    narvik.create_session("456", johnsmith()).await?;
    narvik.delete_all_sessions().await?;
    narvik.delete_all_expired_sessions().await?;
    println!(
        "after ending every session: rows left {}",
        table.rows().len()
    );
    Ok(())
}
