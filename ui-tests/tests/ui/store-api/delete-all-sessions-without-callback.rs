use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId};

#[derive(SessionData, Clone)]
struct AppData {
    username: String,
}

// An administrator ends every session after a breach.
async fn end_all() -> narvik::Result<()> {
    let store = CallbackStore::new(
        |session: Session<AppData>| async move { Ok(session) },
        |_session_id: SessionId| async move { Ok(None) },
        |_session_id: SessionId, _expires_at| async move { Ok(()) },
        |_session_id: SessionId| async move { Ok(()) },
    );
    let narvik = Narvik::new(store);
    narvik.delete_all_sessions().await
}

fn main() {
    let _ = end_all;
}
