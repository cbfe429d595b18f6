use narvik::{MemoryStore, Narvik};

// The token is the client's secret; a session is named by its id.
async fn sign_out(narvik: &Narvik<MemoryStore<()>>) -> narvik::Result<()> {
    let created = narvik.create_session("user-1", ()).await?;
    narvik.invalidate_session(&created.token).await
}

fn main() {
    let _ = sign_out;
}
