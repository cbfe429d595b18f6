use narvik::{MemoryStore, Narvik, SessionData};

// The derive fails on the attribute; using the type as session data must not add
// "`SessionData` is not implemented" errors on top.
#[derive(SessionData, Clone)]
struct AppData {
    #[session(rename = 5)]
    username: String,
}

async fn sign_in(narvik: &Narvik<MemoryStore<AppData>>) -> narvik::Result<()> {
    narvik
        .create_session(
            "user-1",
            AppData {
                username: "johnsmith".to_owned(),
            },
        )
        .await?;
    Ok(())
}

fn main() {
    let _ = sign_in;
}
