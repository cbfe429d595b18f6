use narvik::{MemoryStore, Narvik, SessionData};

#[derive(SessionData, Clone, Debug, PartialEq)]
struct AppData {
    username: String,
    #[session(default)]
    visits: u32,
}

async fn run() -> narvik::Result<()> {
    let narvik = Narvik::new(MemoryStore::<AppData>::new());
    let data = AppData {
        username: "johnsmith".to_owned(),
        visits: 1,
    };
    let created = narvik.create_session("user-1", data.clone()).await?;
    let session = narvik.validate_session(created.token.as_str()).await?;
    assert_eq!(session.map(|session| session.data), Some(data));
    Ok(())
}

fn main() -> narvik::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(narvik::Error::store)?
        .block_on(run())
}
