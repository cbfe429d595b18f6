use narvik::{MemoryStore, Narvik, SessionData};

#[derive(SessionData, Clone)]
struct AppData {
    username: String,
}

#[derive(SessionData, Clone)]
struct OtherData {
    username: String,
}

async fn sign_in(narvik: &Narvik<MemoryStore<AppData>>) -> narvik::Result<()> {
    let other = OtherData {
        username: "johnsmith".to_owned(),
    };
    narvik.create_session("user-1", other).await?;
    Ok(())
}

fn main() {
    let _ = sign_in;
}
