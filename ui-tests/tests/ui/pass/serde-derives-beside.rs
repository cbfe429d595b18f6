use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

// The struct's own serde impls (camelCase, for an API response, say) and the
// session storage (the field names) do not affect each other.
#[derive(SessionData, serde::Serialize, serde::Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Profile {
    display_name: String,
    #[serde(rename = "language")]
    #[session(rename = "lang")]
    preferred_language: Option<String>,
    #[serde(skip)]
    #[session(default)]
    login_count: u32,
}

fn main() -> narvik::Result<()> {
    let profile = Profile {
        display_name: "John".to_owned(),
        preferred_language: Some("en".to_owned()),
        login_count: 4,
    };

    let stored = encode_data(&profile)?;
    assert_eq!(
        stored,
        r#"{"display_name":"John","lang":"en","login_count":4}"#
    );
    assert_eq!(decode_data::<Profile>("s1", &stored)?, profile);

    let api = serde_json::to_string(&profile).map_err(narvik::Error::encode)?;
    assert_eq!(api, r#"{"displayName":"John","language":"en"}"#);
    let from_api: Profile = serde_json::from_str(&api).map_err(narvik::Error::encode)?;
    assert_eq!(from_api.login_count, 0);
    Ok(())
}
