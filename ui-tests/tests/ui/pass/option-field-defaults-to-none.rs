use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

#[derive(SessionData, Debug, PartialEq)]
struct AppData {
    username: String,
    nickname: Option<String>,
    last_seen: std::option::Option<narvik::time::OffsetDateTime>,
}

fn main() -> narvik::Result<()> {
    // Data stored before the optional fields existed.
    let decoded: AppData = decode_data("s1", r#"{"username":"johnsmith"}"#)?;
    assert_eq!(
        decoded,
        AppData {
            username: "johnsmith".to_owned(),
            nickname: None,
            last_seen: None
        }
    );

    let data = AppData {
        username: "johnsmith".to_owned(),
        nickname: Some("john".to_owned()),
        last_seen: None,
    };
    let json = encode_data(&data)?;
    assert_eq!(
        json,
        r#"{"username":"johnsmith","nickname":"john","last_seen":null}"#
    );
    assert_eq!(decode_data::<AppData>("s1", &json)?, data);
    Ok(())
}
