use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId};

#[derive(SessionData, Clone)]
struct AppData {
    username: String,
}

// Sudo mode: the password was checked again; stamp it and rotate the token.
async fn confirm_password(session_id: SessionId) -> narvik::Result<bool> {
    let store = CallbackStore::new(
        |session: Session<AppData>| async move { Ok(session) },
        |_session_id: SessionId| async move { Ok(None) },
        |_session_id: SessionId, _expires_at| async move { Ok(()) },
        |_session_id: SessionId| async move { Ok(()) },
    );
    let narvik = Narvik::new(store);
    let renewed = narvik.reauthenticate(&session_id).await?;
    Ok(renewed.is_some())
}

fn main() {
    let _ = confirm_password;
}
