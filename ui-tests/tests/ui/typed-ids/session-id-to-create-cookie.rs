use narvik::{MemoryStore, Narvik};

// The cookie carries the token; the id is only its hash and opens nothing.
async fn sign_in(narvik: &Narvik<MemoryStore<()>>) -> narvik::Result<String> {
    let created = narvik.create_session("user-1", ()).await?;
    let cookie = narvik.create_cookie(&created.session.id, &created.session);
    Ok(cookie.to_string())
}

fn main() {
    let _ = sign_in;
}
