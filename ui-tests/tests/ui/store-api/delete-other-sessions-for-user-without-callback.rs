use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId};

#[derive(SessionData, Clone)]
struct AppData {
    username: String,
}

async fn sign_out_elsewhere(keep: SessionId) -> narvik::Result<()> {
    let store = CallbackStore::new(
        |session: Session<AppData>| async move { Ok(session) },
        |_session_id: SessionId| async move { Ok(None) },
        |_session_id: SessionId, _expires_at| async move { Ok(()) },
        |_session_id: SessionId| async move { Ok(()) },
    );
    let narvik = Narvik::new(store);
    narvik.delete_other_sessions_for_user("user-1", &keep).await
}

fn main() {
    let _ = sign_out_elsewhere;
}
