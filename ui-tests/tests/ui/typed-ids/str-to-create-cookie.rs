use narvik::{MemoryStore, Narvik};

// An unchecked string could carry `;` and add cookie attributes.
fn set_cookie(narvik: &Narvik<MemoryStore<()>>) -> String {
    narvik.create_cookie("abc; Domain=evil.example").to_string()
}

fn main() {
    let _ = set_cookie;
}
