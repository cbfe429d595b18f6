use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId};

#[derive(SessionData, Clone)]
struct AppData {
    username: String,
}

async fn list_devices() -> narvik::Result<usize> {
    let store = CallbackStore::new(
        |session: Session<AppData>| async move { Ok(session) },
        |_session_id: SessionId| async move { Ok(None) },
        |_session_id: SessionId, _expires_at| async move { Ok(()) },
        |_session_id: SessionId| async move { Ok(()) },
    );
    let narvik = Narvik::new(store);
    let sessions = narvik.fetch_sessions_for_user("user-1").await?;
    Ok(sessions.len())
}

fn main() {
    let _ = list_devices;
}
