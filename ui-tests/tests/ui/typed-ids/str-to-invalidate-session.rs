use narvik::{MemoryStore, Narvik};

async fn sign_out(narvik: &Narvik<MemoryStore<()>>, session_id: &str) -> narvik::Result<()> {
    narvik.invalidate_session(session_id).await
}

fn main() {
    let _ = sign_out;
}
