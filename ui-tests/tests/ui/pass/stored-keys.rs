use narvik::codec::{decode_data, decode_session, DataOwned};
use narvik::{Error, SessionData};

#[derive(SessionData, Debug, PartialEq)]
struct AppData {
    username: String,
    nickname: Option<String>,
}

/// serde_json's own message for `json`: what the derive reports, before narvik's
/// codec turns it into an error of its own.
fn serde_message(json: &str) -> String {
    match serde_json::from_str::<DataOwned<AppData>>(json) {
        Ok(_) => String::new(),
        Err(error) => error.to_string(),
    }
}

fn main() -> narvik::Result<()> {
    // Keys the struct does not know are skipped, whatever their value.
    let decoded: AppData = decode_data(
        "s1",
        r#"{"removed":{"deep":[1,{"x":null}]},"username":"johnsmith","other":true}"#,
    )?;
    assert_eq!(
        decoded,
        AppData {
            username: "johnsmith".to_owned(),
            nickname: None,
        }
    );

    // A key written with an escape is the same key.
    let decoded: AppData = decode_data("s1", r#"{"user\u006eame":"johnsmith"}"#)?;
    assert_eq!(decoded.username, "johnsmith");

    // A key stored twice is refused, as serde's own derive refuses it, a stored
    // `null` included.
    let twice = r#"{"username":"a","username":"b"}"#;
    assert!(matches!(
        decode_data::<AppData>("s1", twice),
        Err(Error::Decode { .. })
    ));
    assert!(serde_message(twice).contains("duplicate field `username`"));
    let twice_null = r#"{"username":"a","nickname":null,"nickname":"b"}"#;
    assert!(serde_message(twice_null).contains("duplicate field `nickname`"));

    // Anything but a map is refused, naming the struct it expected.
    assert!(matches!(
        decode_data::<AppData>("s1", r#""johnsmith""#),
        Err(Error::Decode { .. })
    ));
    assert!(serde_message(r#""johnsmith""#).contains("expected struct AppData"));

    // In a whole session the core fields sit beside the custom ones, and are not
    // the struct's.
    let session_id = "b".repeat(64);
    let session = decode_session::<AppData>(
        "s1",
        &format!(
            r#"{{"id":"{session_id}","user_id":"u","expires_at":"2030-01-02T03:04:05Z","username":"bob","extra":1}}"#
        ),
    )?;
    assert_eq!(session.data.username, "bob");
    assert_eq!(session.id.as_str(), session_id);
    Ok(())
}
