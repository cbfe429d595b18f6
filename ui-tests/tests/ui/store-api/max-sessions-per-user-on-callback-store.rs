use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId};

#[derive(SessionData, Clone)]
struct AppData {
    username: String,
}

// Callbacks cannot make the cap one atomic step, so a CallbackStore has none.
fn capped() -> narvik::Result<()> {
    let store = CallbackStore::new(
        |session: Session<AppData>| async move { Ok(session) },
        |_session_id: SessionId| async move { Ok(None) },
        |_session_id: SessionId, _expires_at| async move { Ok(()) },
        |_session_id: SessionId| async move { Ok(()) },
    );
    let narvik = Narvik::builder(store).max_sessions_per_user(5).build()?;
    let _ = narvik;
    Ok(())
}

fn main() {
    let _ = capped;
}
