use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

#[derive(SessionData, Debug, PartialEq)]
struct AppData {
    #[session(rename = "ua")]
    user_agent: String,
    #[session(rename = "session_id_of_origin")]
    origin: Option<String>,
}

fn main() -> narvik::Result<()> {
    let data = AppData {
        user_agent: "curl/8".to_owned(),
        origin: None,
    };
    let json = encode_data(&data)?;
    assert_eq!(json, r#"{"ua":"curl/8","session_id_of_origin":null}"#);
    assert_eq!(decode_data::<AppData>("s1", &json)?, data);

    // The field's own name is not read. The decoder's message is the error's
    // source, not part of its own message.
    let error = decode_data::<AppData>("s1", r#"{"user_agent":"curl/8"}"#).err();
    let cause = error
        .as_ref()
        .and_then(std::error::Error::source)
        .map(ToString::to_string);
    assert!(cause.is_some_and(|cause| cause.contains("missing field `ua`")));
    Ok(())
}
