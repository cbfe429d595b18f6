//! The original's configuration style: the store is a set of async callbacks, four
//! required and three optional. Here they keep rows as a database would: the core
//! columns plus the custom data as JSON, through `narvik::codec`.
//!
//! Run with `cargo run --example callbacks`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use narvik::{codec, CallbackStore, Narvik, Session, SessionData, SessionId};
use time::{Duration, OffsetDateTime};

#[derive(SessionData, Clone, Debug)]
struct AppData {
    username: String,
}

/// A row of the `sessions` table.
#[derive(Clone)]
struct Row {
    user_id: String,
    expires_at: OffsetDateTime,
    data_json: String,
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
    let (t1, t2, t3, t4, t5, t6, t7) = (
        table.clone(),
        table.clone(),
        table.clone(),
        table.clone(),
        table.clone(),
        table.clone(),
        table.clone(),
    );
    let store = CallbackStore::new(
        // saveSession
        move |session: Session<AppData>| {
            let table = t1.clone();
            async move {
                let row = Row {
                    user_id: session.user_id.clone(),
                    expires_at: session.expires_at,
                    data_json: codec::encode_data(&session.data)?,
                };
                table.rows().insert(session.id, row);
                Ok(session)
            }
        },
        // fetchSession
        move |session_id: SessionId| {
            let table = t2.clone();
            async move {
                let row = table.rows().get(&session_id).cloned();
                row.map(|row| {
                    let data = codec::decode_data(session_id, &row.data_json)?;
                    Ok(Session::new(session_id, row.user_id, row.expires_at, data))
                })
                .transpose()
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
            codec::decodable_sessions(rows.into_iter().map(|(session_id, row)| {
                let data = codec::decode_data(session_id, &row.data_json)?;
                Ok(Session::new(session_id, row.user_id, row.expires_at, data))
            }))
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
    });

    let narvik = Narvik::builder(store)
        .session_expires_in(Duration::days(7))
        .cookie_name("example-cookie")
        .cookie_expires_in(Duration::days(3))
        .secure(false)
        .domain("example.com")
        .path("/example")
        .build()?;

    let laptop = narvik
        .create_session(
            "123",
            AppData {
                username: "johnsmith".into(),
            },
        )
        .await?;
    narvik
        .create_session(
            "123",
            AppData {
                username: "johnsmith".into(),
            },
        )
        .await?;
    println!("Set-Cookie: {}", narvik.create_cookie(&laptop.token));
    for (session_id, row) in table.rows().iter() {
        println!(
            "row {session_id}: user {} data {}",
            row.user_id, row.data_json
        );
    }

    let sessions = narvik.fetch_sessions_for_user("123").await?;
    println!("user 123 has {} sessions", sessions.len());

    narvik.delete_sessions_for_user("123").await?;
    let gone = narvik.validate_session(laptop.token.as_str()).await?;
    println!("after signing out everywhere, the laptop's token gives {gone:?}");

    narvik.delete_all_expired_sessions().await?;
    println!("rows left: {}", table.rows().len());
    Ok(())
}
