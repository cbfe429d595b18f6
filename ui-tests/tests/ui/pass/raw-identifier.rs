use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

#[derive(SessionData, Debug, PartialEq)]
struct r#AppData {
    r#type: String,
    #[session(default)]
    r#match: bool,
}

fn main() -> narvik::Result<()> {
    let data = AppData {
        r#type: "admin".to_owned(),
        r#match: true,
    };
    let json = encode_data(&data)?;
    assert_eq!(json, r#"{"type":"admin","match":true}"#);
    assert_eq!(decode_data::<AppData>("s1", &json)?, data);
    Ok(())
}
