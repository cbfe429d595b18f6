use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId};

#[derive(SessionData, Clone)]
struct AppData {
    username: String,
}

async fn sweep() -> narvik::Result<()> {
    let store = CallbackStore::new(
        |session: Session<AppData>| async move { Ok(session) },
        |_session_id: SessionId| async move { Ok(None) },
        |_session_id: SessionId, _expires_at| async move { Ok(()) },
        |_session_id: SessionId| async move { Ok(()) },
    );
    let narvik = Narvik::new(store);
    narvik.delete_all_expired_sessions().await
}

fn main() {
    let _ = sweep;
}
