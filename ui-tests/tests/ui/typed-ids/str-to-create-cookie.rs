use narvik::{MemoryStore, Narvik, Session};

// An unchecked string could carry `;` and add cookie attributes.
fn set_cookie(narvik: &Narvik<MemoryStore<()>>, session: &Session<()>) -> String {
    narvik.create_cookie("abc; Domain=evil.example", session).to_string()
}

fn main() {
    let _ = set_cookie;
}
