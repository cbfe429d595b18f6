use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

mod defaults {
    pub fn theme() -> String {
        "light".to_owned()
    }
}

fn default_language() -> Option<String> {
    Some("en".to_owned())
}

#[derive(SessionData, Debug, PartialEq)]
struct AppData {
    #[session(default = defaults::theme)]
    theme: String,
    #[session(default = default_language)]
    language: Option<String>,
    #[session(default = Vec::new)]
    recent_pages: Vec<String>,
}

fn main() -> narvik::Result<()> {
    let decoded: AppData = decode_data("s1", "{}")?;
    assert_eq!(
        decoded,
        AppData {
            theme: "light".to_owned(),
            language: Some("en".to_owned()),
            recent_pages: Vec::new(),
        }
    );

    // A stored `null` is a value, not a missing field: the default is not used.
    let decoded: AppData = decode_data("s1", r#"{"language":null}"#)?;
    assert_eq!(decoded.language, None);

    let data = AppData {
        theme: "dark".to_owned(),
        language: Some("nb".to_owned()),
        recent_pages: vec!["/".to_owned()],
    };
    assert_eq!(decode_data::<AppData>("s1", &encode_data(&data)?)?, data);
    Ok(())
}
