use std::collections::HashMap;

use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

fn one() -> u32 {
    1
}

#[derive(SessionData, Debug, PartialEq)]
struct AppData {
    username: String,
    #[session(skip)]
    permission_cache: HashMap<String, bool>,
    #[session(skip, default = one)]
    cache_generation: u32,
    // Redundant but accepted: a skipped field already comes back as its default.
    #[session(skip, default)]
    scratch: Vec<u8>,
}

fn main() -> narvik::Result<()> {
    let data = AppData {
        username: "johnsmith".to_owned(),
        permission_cache: HashMap::from([("admin".to_owned(), true)]),
        cache_generation: 9,
        scratch: vec![1, 2, 3],
    };
    let json = encode_data(&data)?;
    assert_eq!(json, r#"{"username":"johnsmith"}"#);

    // Skipped fields come back as their defaults, even when the stored map has
    // a key of the same name.
    let decoded: AppData = decode_data(
        "s1",
        r#"{"username":"johnsmith","permission_cache":{"x":true},"cache_generation":5}"#,
    )?;
    assert_eq!(
        decoded,
        AppData {
            username: "johnsmith".to_owned(),
            permission_cache: HashMap::new(),
            cache_generation: 1,
            scratch: Vec::new(),
        }
    );
    Ok(())
}
