use narvik::codec::{decode_data, decode_session, encode_data};
use narvik::SessionData;

#[derive(SessionData, Debug, PartialEq)]
struct Empty {}

#[derive(SessionData, Debug, PartialEq)]
struct OnlySkipped {
    #[session(skip)]
    cache: Vec<String>,
}

fn main() -> narvik::Result<()> {
    assert_eq!(encode_data(&Empty {})?, "{}");
    assert_eq!(decode_data::<Empty>("s1", r#"{"left_over":1}"#)?, Empty {});

    assert_eq!(
        encode_data(&OnlySkipped {
            cache: vec!["x".to_owned()]
        })?,
        "{}"
    );
    assert_eq!(
        decode_data::<OnlySkipped>("s1", "{}")?,
        OnlySkipped { cache: Vec::new() }
    );

    let session_id = "a".repeat(64);
    let session = decode_session::<Empty>(
        "s1",
        &format!(r#"{{"id":"{session_id}","user_id":"u","expires_at":"2030-01-02T03:04:05Z"}}"#),
    )?;
    assert_eq!(session.data, Empty {});
    Ok(())
}
