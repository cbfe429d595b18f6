use narvik::codec::{decode_session, encode_session};
use narvik::time::{Duration, OffsetDateTime};
use narvik::{MemoryStore, Narvik, SessionData};

// The original's guide keeps a `created_at` of its own as custom data; narvik's
// sign-in time is the core field `issued_at`, so the name stays free.
#[derive(SessionData, Clone, Debug, PartialEq)]
struct AppData {
    username: String,
    created_at: Option<OffsetDateTime>,
}

async fn run() -> narvik::Result<()> {
    let narvik = Narvik::new(MemoryStore::<AppData>::new());
    let created_at = OffsetDateTime::UNIX_EPOCH + Duration::days(365);
    let data = AppData {
        username: "johnsmith".to_owned(),
        created_at: Some(created_at),
    };
    let created = narvik.create_session("user-1", data.clone()).await?;
    let Some(session) = narvik.validate_session(created.token.as_str()).await? else {
        return Err(narvik::Error::store("the new session did not validate"));
    };
    assert_eq!(session.data, data);
    assert_eq!(session.created_at, Some(created_at));
    assert_ne!(session.issued_at, created_at);

    // Stored side by side, each under its own name.
    let json = encode_session(&session)?;
    assert!(json.contains(r#""created_at":"#) && json.contains(r#""issued_at":"#));
    let decoded = decode_session::<AppData>("s1", &json)?;
    assert_eq!(decoded.data, data);
    assert_eq!(decoded.issued_at, session.issued_at);
    Ok(())
}

fn main() -> narvik::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(narvik::Error::store)?
        .block_on(run())
}
