use narvik::{MemoryStore, Narvik, SessionId, SessionToken};

async fn run() -> narvik::Result<()> {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    let created = narvik.create_session("user-1", ()).await?;

    // The cookie carries the token.
    let cookie = narvik.create_cookie(&created.token, &created.session);
    assert_eq!(cookie.value, created.token.as_str());

    // A token the client sent is parsed before it reaches a cookie; one of the
    // wrong shape is refused.
    let presented: SessionToken = created
        .token
        .as_str()
        .parse()
        .map_err(narvik::Error::store)?;
    assert_eq!(narvik.create_cookie(&presented, &created.session), cookie);
    assert!("abc; Domain=evil.example".parse::<SessionToken>().is_err());

    // A session is ended by its id, which the token hashes to.
    assert_eq!(presented.session_id(), created.session.id);
    let session_id: SessionId = created
        .session
        .id
        .as_str()
        .parse()
        .map_err(narvik::Error::store)?;
    narvik.invalidate_session(&session_id).await?;
    assert!(narvik
        .validate_session(created.token.as_str())
        .await?
        .is_none());
    Ok(())
}

fn main() -> narvik::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(narvik::Error::store)?
        .block_on(run())
}
