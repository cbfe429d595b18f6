use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

#[derive(SessionData, Debug, PartialEq)]
struct AppData {
    username: String,
    #[session(default)]
    visits: u32,
    #[session(default)]
    roles: Vec<String>,
    // Accepted, and the same as without it: `None`.
    #[session(default)]
    nickname: Option<String>,
}

fn main() -> narvik::Result<()> {
    let decoded: AppData = decode_data("s1", r#"{"username":"johnsmith"}"#)?;
    assert_eq!(
        decoded,
        AppData {
            username: "johnsmith".to_owned(),
            visits: 0,
            roles: Vec::new(),
            nickname: None
        }
    );

    let data = AppData {
        username: "johnsmith".to_owned(),
        visits: 7,
        roles: vec!["admin".to_owned()],
        nickname: Some("john".to_owned()),
    };
    let json = encode_data(&data)?;
    assert_eq!(
        json,
        r#"{"username":"johnsmith","visits":7,"roles":["admin"],"nickname":"john"}"#
    );
    assert_eq!(decode_data::<AppData>("s1", &json)?, data);
    Ok(())
}
