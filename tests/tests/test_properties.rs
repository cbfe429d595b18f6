//! Properties over generated input: token shape and uniqueness, the session id as
//! SHA-256, and custom data that round-trips whatever its values.

use std::collections::HashSet;

use narvik::codec::{decode_data, decode_session, encode_data, encode_session};
use narvik::token::is_well_formed;
use narvik::{
    ManualClock, MemoryStore, Narvik, Session, SessionData, SessionId, SessionTimes, SessionToken,
};
use narvik_tests::{JsonRows, START};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

const TOKEN_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz234567";

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
struct Nested {
    label: String,
    values: Vec<i64>,
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct AnyData {
    text: String,
    maybe_text: Option<String>,
    small: u8,
    count: u64,
    signed: i64,
    flag: bool,
    maybe_number: Option<i32>,
    list: Vec<String>,
    nested: Option<Nested>,
    at: Option<OffsetDateTime>,
    #[session(default)]
    defaulted: u32,
}

fn any_timestamp() -> impl Strategy<Value = OffsetDateTime> {
    // Years 1000 to 9998, so no offset moves the local date out of the range RFC 3339
    // and `time` can write; offsets in whole minutes, as RFC 3339 writes them.
    (
        -30_610_224_000i64..253_370_764_800,
        0u32..1_000_000_000,
        -1439i32..1440,
    )
        .prop_map(|(seconds, nanos, offset_minutes)| {
            let utc = OffsetDateTime::from_unix_timestamp(seconds)
                .unwrap_or_else(|error| panic!("in range: {error}"))
                + Duration::nanoseconds(i64::from(nanos));
            let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60)
                .unwrap_or_else(|error| panic!("in range: {error}"));
            utc.to_offset(offset)
        })
}

fn any_data() -> impl Strategy<Value = AnyData> {
    let nested = (any::<String>(), prop::collection::vec(any::<i64>(), 0..4))
        .prop_map(|(label, values)| Nested { label, values });
    (
        (
            any::<String>(),
            any::<Option<String>>(),
            any::<u8>(),
            any::<u64>(),
        ),
        (any::<i64>(), any::<bool>(), any::<Option<i32>>()),
        (
            prop::collection::vec(any::<String>(), 0..4),
            prop::option::of(nested),
            prop::option::of(any_timestamp()),
            any::<u32>(),
        ),
    )
        .prop_map(
            |(
                (text, maybe_text, small, count),
                (signed, flag, maybe_number),
                (list, nested, at, defaulted),
            )| AnyData {
                text,
                maybe_text,
                small,
                count,
                signed,
                flag,
                maybe_number,
                list,
                nested,
                at,
                defaulted,
            },
        )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|error| panic!("a tokio runtime: {error}"))
}

proptest! {
    #[test]
    fn generated_tokens_are_32_base32_characters_and_distinct(count in 1usize..64) {
        let tokens: Vec<SessionToken> = (0..count).map(|_| SessionToken::generate()).collect();
        let mut seen_tokens = HashSet::new();
        let mut seen_ids = HashSet::new();
        for token in &tokens {
            let text = token.as_str();
            prop_assert_eq!(text.len(), 32);
            prop_assert!(text.chars().all(|ch| TOKEN_ALPHABET.contains(ch)), "{}", text);
            prop_assert!(is_well_formed(text));
            let id = token.session_id();
            prop_assert_eq!(id.as_str().len(), 64);
            prop_assert!(id.as_str().chars().all(|ch| ch.is_ascii_digit() || ('a'..='f').contains(&ch)), "{}", id);
            prop_assert!(seen_tokens.insert(text.to_owned()), "a token repeated");
            prop_assert!(seen_ids.insert(id), "a session id repeated");
        }
    }

    #[test]
    fn session_id_is_the_sha256_hex_of_the_token(token in any::<String>()) {
        let expected = format!("{:x}", Sha256::digest(token.as_bytes()));
        prop_assert_eq!(SessionId::of_token(&token).to_string(), expected);
    }

    #[test]
    fn session_id_of_well_formed_tokens_is_the_sha256_hex(token in "[a-z2-7]{32}") {
        prop_assert!(is_well_formed(&token));
        let expected = format!("{:x}", Sha256::digest(token.as_bytes()));
        prop_assert_eq!(SessionId::of_token(&token).to_string(), expected);
        let parsed: SessionToken = token.parse().expect("a well-formed token parses");
        prop_assert_eq!(parsed.as_str(), token.as_str());
        prop_assert_eq!(parsed.session_id(), SessionId::of_token(&token));
    }

    #[test]
    fn session_ids_round_trip_through_text_and_serde(token in any::<String>()) {
        let session_id = SessionId::of_token(&token);
        prop_assert_eq!(session_id.to_string().parse::<SessionId>(), Ok(session_id));
        let json = serde_json::to_string(&session_id).expect("serialize");
        prop_assert_eq!(serde_json::from_str::<SessionId>(&json).expect("deserialize"), session_id);
    }

    #[test]
    fn well_formed_means_32_characters_of_the_token_alphabet(candidate in "[a-zA-Z0-9=é ]{0,34}") {
        let expected = candidate.len() == 32 && candidate.chars().all(|ch| TOKEN_ALPHABET.contains(ch));
        prop_assert_eq!(is_well_formed(&candidate), expected, "{:?}", candidate);
        prop_assert_eq!(candidate.parse::<SessionToken>().is_ok(), expected, "{:?}", candidate);
    }

    #[test]
    fn custom_data_round_trips_through_encode_and_decode(data in any_data()) {
        let json = encode_data(&data).expect("encode");
        let decoded: AnyData = decode_data("session-id", &json).expect("decode");
        prop_assert_eq!(decoded, data);
    }

    #[test]
    fn whole_sessions_round_trip_through_encode_and_decode(
        data in any_data(),
        user_id in any::<String>(),
        expires_at in any_timestamp(),
        issued_at in any_timestamp(),
        authenticated_at in any_timestamp(),
    ) {
        let times = SessionTimes { issued_at, authenticated_at, expires_at };
        let session = Session::new(SessionId::of_token(&user_id), user_id, times, data);
        let json = encode_session(&session).expect("encode");
        let decoded: Session<AnyData> = decode_session(session.id, &json).expect("decode");
        prop_assert_eq!(decoded, session);
    }
}

proptest! {
    // Each case builds a runtime and runs a few store operations: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn custom_data_round_trips_through_memory_store_and_validate(
        data in any_data(),
        user_id in any::<String>(),
    ) {
        let narvik = Narvik::builder(MemoryStore::new())
            .clock(ManualClock::new(START))
            .build()
            .expect("valid settings");
        let validated = runtime().block_on(async {
            let created = narvik.create_session(user_id.clone(), data.clone()).await.expect("create");
            narvik.validate_session(created.token.as_str()).await.expect("validate")
        });
        let validated = validated.expect("valid");
        prop_assert_eq!(&validated.user_id, &user_id);
        prop_assert_eq!(validated.data, data);
    }

    #[test]
    fn custom_data_round_trips_through_json_rows_and_validate(
        data in any_data(),
        user_id in any::<String>(),
    ) {
        let rows = JsonRows::new();
        let narvik = Narvik::builder(rows.store::<AnyData>())
            .clock(ManualClock::new(START))
            .build()
            .expect("valid settings");
        let (validated, listed) = runtime().block_on(async {
            let created = narvik.create_session(user_id.clone(), data.clone()).await.expect("create");
            let validated = narvik.validate_session(created.token.as_str()).await.expect("validate");
            let listed = narvik.fetch_sessions_for_user(&user_id).await.expect("fetch for user");
            (validated, listed)
        });
        let validated = validated.expect("valid");
        prop_assert_eq!(&validated.data, &data);
        prop_assert_eq!(listed, vec![validated]);
    }
}
