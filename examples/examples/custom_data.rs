//! The two ways of filling custom session data, from the original's guide:
//! given at creation, or filled in by the store's save callback.
//!
//! Run with `cargo run --example custom_data`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use narvik::{codec, CallbackStore, MemoryStore, Narvik, Session, SessionData, SessionId};
use time::OffsetDateTime;

/// Custom fields, typed: the derive replaces TypeScript declaration merging.
#[derive(SessionData, Clone, Debug)]
struct AppData {
    /// Required: given at creation.
    username: String,
    /// Optional: `None` unless someone fills it in (here, the save callback).
    created_at: Option<OffsetDateTime>,
    /// Stored under another name.
    #[session(rename = "ua")]
    user_agent: Option<String>,
    /// Counted in memory only; comes back as 0 from the store.
    #[session(skip)]
    request_count: u32,
}

type Sessions = Arc<Mutex<HashMap<SessionId, Session<AppData>>>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> narvik::Result<()> {
    // 1. Populating custom data in the `create_session` call.
    let narvik = Narvik::new(MemoryStore::<AppData>::new());
    let authenticated_user = ("123", "johnsmith");
    let created = narvik
        .create_session(
            authenticated_user.0,
            AppData {
                username: authenticated_user.1.into(),
                created_at: None,
                user_agent: Some("curl/8.5".into()),
                request_count: 1,
            },
        )
        .await?;
    let session = narvik.validate_session(created.token.as_str()).await?;
    println!("given at creation: {session:#?}");
    if let Some(session) = &session {
        // `#[session(skip)]`: never encoded, so a store that serializes (SQL, Redis)
        // gives back the default, 0. `MemoryStore` keeps the value itself: 1.
        let encoded = codec::encode_data(&session.data)?;
        let decoded: AppData = codec::decode_data(session.id, &encoded)?;
        println!(
            "skipped field: {} in memory, {} through the codec ({encoded})",
            session.request_count, decoded.request_count
        );
    }

    // 2. Populating custom data in the save callback.
    let sessions = Sessions::default();
    let narvik = Narvik::new(callback_store(sessions));
    let created = narvik
        .create_session(
            "123",
            AppData {
                username: "johnsmith".into(),
                created_at: None,
                user_agent: None,
                request_count: 0,
            },
        )
        .await?;
    println!(
        "filled in by the save callback: created_at = {:?}",
        created.session.created_at
    );
    Ok(())
}

/// A store whose save callback stamps `created_at`, as the guide's example does.
fn callback_store(sessions: Sessions) -> CallbackStore<AppData> {
    let (save, fetch, update, delete) = (
        sessions.clone(),
        sessions.clone(),
        sessions.clone(),
        sessions,
    );
    CallbackStore::new(
        move |mut session: Session<AppData>| {
            let sessions = save.clone();
            async move {
                session.created_at = Some(OffsetDateTime::now_utc());
                lock(&sessions).insert(session.id, session.clone());
                Ok(session)
            }
        },
        move |session_id: SessionId| {
            let sessions = fetch.clone();
            async move { Ok(lock(&sessions).get(&session_id).cloned()) }
        },
        move |session_id: SessionId, expires_at| {
            let sessions = update.clone();
            async move {
                if let Some(session) = lock(&sessions).get_mut(&session_id) {
                    session.expires_at = expires_at;
                }
                Ok(())
            }
        },
        move |session_id: SessionId| {
            let sessions = delete.clone();
            async move {
                lock(&sessions).remove(&session_id);
                Ok(())
            }
        },
    )
}

fn lock(sessions: &Sessions) -> std::sync::MutexGuard<'_, HashMap<SessionId, Session<AppData>>> {
    sessions.lock().unwrap_or_else(PoisonError::into_inner)
}
