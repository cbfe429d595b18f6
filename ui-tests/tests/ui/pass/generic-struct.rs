use narvik::codec::{decode_data, encode_data};
use narvik::SessionData;

#[derive(SessionData, Debug, PartialEq)]
struct Tagged<T, const LIMIT: usize = 8>
where
    T: Clone,
{
    tag: T,
    history: Vec<T>,
    #[session(default)]
    pinned: Option<T>,
    #[session(skip)]
    scratch: Vec<T>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
enum Tier {
    Free,
    Pro,
}

fn main() -> narvik::Result<()> {
    let data: Tagged<Tier> = Tagged {
        tag: Tier::Pro,
        history: vec![Tier::Free],
        pinned: None,
        scratch: vec![Tier::Free],
    };
    let json = encode_data(&data)?;
    assert_eq!(json, r#"{"tag":"Pro","history":["Free"],"pinned":null}"#);
    let decoded: Tagged<Tier> = decode_data("s1", &json)?;
    assert_eq!(
        decoded,
        Tagged {
            scratch: Vec::new(),
            ..data
        }
    );

    let decoded: Tagged<u32, 2> = decode_data("s1", r#"{"tag":1,"history":[]}"#)?;
    assert_eq!(decoded.pinned, None);
    Ok(())
}
