//! Custom session data through `#[derive(SessionData)]`: given at creation, read
//! back through `Deref`, and encoded by `narvik::codec` as stores keep it.

use narvik::codec::{decode_data, decode_session, encode_data, encode_session};
use narvik::testing::error_chain;
use narvik::{
    Error, MemoryStore, Narvik, Session, SessionData, SessionId, SessionTimes, UNKNOWN_TIME,
};
use narvik_tests::{create, narvik_over, validate, JsonRows, START};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
struct Preferences {
    theme: String,
    languages: Vec<String>,
}

fn default_plan() -> String {
    "free".to_owned()
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct AppData {
    username: String,
    display: Option<String>,
    created_at: Option<OffsetDateTime>,
    #[session(default)]
    visits: u32,
    #[session(default = default_plan)]
    plan: String,
    #[session(rename = "ua")]
    user_agent: Option<String>,
    #[session(skip)]
    cached_permissions: Vec<String>,
    preferences: Preferences,
}

fn full() -> AppData {
    AppData {
        username: "jöhn \"js\" smith 🦀".to_owned(),
        display: Some("John\nSmith".to_owned()),
        created_at: Some(datetime!(2025-06-15 12:34:56.789_123_456 +02:00)),
        visits: 7,
        plan: "pro".to_owned(),
        user_agent: Some("Mozilla/5.0".to_owned()),
        cached_permissions: Vec::new(),
        preferences: Preferences {
            theme: "dark".to_owned(),
            languages: vec!["nb".to_owned(), "en".to_owned()],
        },
    }
}

fn sparse() -> AppData {
    AppData {
        username: String::new(),
        display: None,
        created_at: None,
        visits: 0,
        plan: default_plan(),
        user_agent: None,
        cached_permissions: Vec::new(),
        preferences: Preferences::default(),
    }
}

/// The id the sessions of these tests are stored under.
fn session_id() -> SessionId {
    SessionId::of_token("abc")
}

/// Three different stamps, so a codec that mixes them up is caught: issued two
/// hours before [`START`], a credential proved seven minutes before, expiring at
/// `START`.
fn distinct_times() -> SessionTimes {
    SessionTimes {
        issued_at: START - Duration::hours(2),
        authenticated_at: START - Duration::minutes(7),
        expires_at: START,
    }
}

#[tokio::test]
async fn custom_data_given_at_creation_round_trips_through_memory_store() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    for data in [full(), sparse()] {
        let created = create(&narvik, "123", data.clone()).await;
        assert_eq!(created.session.data, data);
        let validated = validate(&narvik, &created.token).await.expect("valid");
        assert_eq!(validated.data, data);
    }
}

#[tokio::test]
async fn custom_data_round_trips_through_json_rows() {
    let rows = JsonRows::new();
    let (narvik, _clock) = narvik_over(rows.store::<AppData>());
    for data in [full(), sparse()] {
        let created = create(&narvik, "123", data.clone()).await;
        let validated = validate(&narvik, &created.token).await.expect("valid");
        assert_eq!(validated.data, data);
    }
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn session_derefs_to_its_custom_fields() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let mut created = create(&narvik, "123", full()).await;
    assert_eq!(created.session.username, "jöhn \"js\" smith 🦀");
    assert_eq!(created.session.preferences.theme, "dark");
    created.session.visits += 1;
    assert_eq!(created.session.data.visits, 8);
}

#[test]
fn encode_data_writes_stored_fields_under_their_names() {
    let mut data = full();
    data.cached_permissions = vec!["admin".to_owned()];
    let json: Value = serde_json::from_str(&encode_data(&data).expect("encode")).expect("json");
    let object = json.as_object().expect("an object");
    assert_eq!(object["username"], "jöhn \"js\" smith 🦀");
    assert_eq!(
        object["ua"], "Mozilla/5.0",
        "a renamed field is stored under its new name"
    );
    assert!(!object.contains_key("user_agent"));
    assert!(
        !object.contains_key("cached_permissions"),
        "a skipped field is never stored"
    );
    assert_eq!(object["visits"], 7);
    assert_eq!(object["plan"], "pro");
    assert_eq!(
        object["preferences"],
        json!({"theme": "dark", "languages": ["nb", "en"]})
    );
    for core in ["id", "user_id", "expires_at"] {
        assert!(
            !object.contains_key(core),
            "encode_data wrote the core field {core}"
        );
    }
}

#[test]
fn decode_data_reads_back_what_encode_data_wrote() {
    let mut data = full();
    data.cached_permissions = vec!["admin".to_owned()];
    let json = encode_data(&data).expect("encode");
    let decoded: AppData = decode_data("session-id", &json).expect("decode");
    assert_eq!(
        decoded.cached_permissions,
        Vec::<String>::new(),
        "a skipped field comes back as its default"
    );
    data.cached_permissions.clear();
    assert_eq!(decoded, data);
}

#[test]
fn encode_session_writes_one_flat_object() {
    let session = Session::new(session_id(), "123", distinct_times(), full());
    let json: Value =
        serde_json::from_str(&encode_session(&session).expect("encode")).expect("json");
    assert_eq!(json["id"], session_id().as_str());
    assert_eq!(json["user_id"], "123");
    assert_eq!(json["expires_at"], "2026-01-01T00:00:00Z", "RFC 3339");
    assert_eq!(json["issued_at"], "2025-12-31T22:00:00Z");
    assert_eq!(json["authenticated_at"], "2025-12-31T23:53:00Z");
    assert_eq!(json["username"], "jöhn \"js\" smith 🦀");
    assert_eq!(json["ua"], "Mozilla/5.0");

    let decoded: Session<AppData> =
        decode_session(session_id(), &encode_session(&session).expect("encode")).expect("decode");
    assert_eq!(decoded, session);
    assert!(!decoded.is_new() && !decoded.is_extended());
}

#[test]
fn encode_session_round_trips_each_time_stamp() {
    let session = Session::new(session_id(), "123", distinct_times(), sparse());
    let decoded: Session<AppData> =
        decode_session(session_id(), &encode_session(&session).expect("encode")).expect("decode");
    assert_eq!(decoded.times(), distinct_times());
    assert_eq!(decoded.issued_at, START - Duration::hours(2));
    assert_eq!(decoded.authenticated_at, START - Duration::minutes(7));

    // The stamps of a session of narvik 0.1 come back as they were, too.
    let unknown = SessionTimes {
        issued_at: UNKNOWN_TIME,
        authenticated_at: UNKNOWN_TIME,
        expires_at: START,
    };
    let session = Session::new(session_id(), "123", unknown, sparse());
    let json: Value =
        serde_json::from_str(&encode_session(&session).expect("encode")).expect("json");
    assert_eq!(json["authenticated_at"], "1970-01-01T00:00:00Z");
    let decoded: Session<AppData> =
        decode_session(session_id(), &json.to_string()).expect("decode");
    assert_eq!(decoded.times(), unknown);
}

#[test]
fn session_document_of_narvik_0_1_decodes_with_unknown_time_stamps() {
    // What `encode_session` of the first release wrote: no issued_at, no
    // authenticated_at.
    let document = json!({
        "id": session_id().as_str(),
        "user_id": "123",
        "expires_at": "2026-01-01T00:00:00Z",
        "username": "johnsmith",
        "visits": 3,
        "preferences": {"theme": "light", "languages": []},
    });
    let decoded: Session<AppData> =
        decode_session(session_id(), &document.to_string()).expect("a 0.1 document decodes");
    assert_eq!(decoded.expires_at, START);
    assert_eq!(decoded.issued_at, UNKNOWN_TIME);
    assert_eq!(decoded.authenticated_at, UNKNOWN_TIME);
    assert_eq!(UNKNOWN_TIME, OffsetDateTime::UNIX_EPOCH);
    assert_eq!(decoded.username, "johnsmith");
    assert!(
        !decoded.authenticated_within(Duration::minutes(5)),
        "an unknown proof is never a recent one"
    );

    // Written again, it carries both stamps from then on.
    let json: Value =
        serde_json::from_str(&encode_session(&decoded).expect("encode")).expect("json");
    assert_eq!(json["issued_at"], "1970-01-01T00:00:00Z");
    assert_eq!(json["authenticated_at"], "1970-01-01T00:00:00Z");
}

#[test]
fn session_document_with_one_stamp_keeps_it_and_marks_the_other_unknown() {
    let document = json!({
        "id": session_id().as_str(),
        "user_id": "123",
        "expires_at": "2026-01-01T00:00:00Z",
        "issued_at": "2025-12-31T22:00:00Z",
        "username": "johnsmith",
        "preferences": {"theme": "light", "languages": []},
    });
    let decoded: Session<AppData> =
        decode_session(session_id(), &document.to_string()).expect("decode");
    assert_eq!(decoded.issued_at, START - Duration::hours(2));
    assert_eq!(decoded.authenticated_at, UNKNOWN_TIME);
}

#[test]
fn decode_session_keeps_sub_second_expiry() {
    let expires_at = datetime!(2026-01-01 0:00:00.123_456_789 UTC);
    let times = SessionTimes::issued(START, expires_at);
    let session = Session::new(session_id(), "123", times, sparse());
    let decoded: Session<AppData> =
        decode_session(session_id(), &encode_session(&session).expect("encode")).expect("decode");
    assert_eq!(decoded.expires_at, expires_at);
}

#[test]
fn unknown_stored_fields_are_ignored() {
    // A field removed from the struct since the session was stored.
    let mut stored: Value =
        serde_json::from_str(&encode_data(&full()).expect("encode")).expect("json");
    stored["removed_field"] = json!({"anything": [1, 2, 3]});
    let decoded: AppData = decode_data("session-id", &stored.to_string()).expect("decode");
    assert_eq!(decoded, full());
}

#[test]
fn null_option_decodes_as_none() {
    let stored = json!({"username": "john", "display": null, "created_at": null, "preferences": {"theme": "", "languages": []}});
    let decoded: AppData = decode_data("session-id", &stored.to_string()).expect("decode");
    assert_eq!(decoded.display, None);
    assert_eq!(decoded.created_at, None);
}

#[test]
fn decode_error_names_the_session_and_the_missing_field() {
    let error = decode_data::<AppData>("session-id", r#"{"display": "John"}"#)
        .expect_err("username is required");
    let message = error.to_string();
    match &error {
        Error::Decode { session_id, source } => {
            assert_eq!(session_id, "session-id");
            assert!(source.to_string().contains("username"), "{source}");
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    assert!(message.contains("session-id"), "{message}");
    // The field is named by the cause, which the message leaves to the chain.
    let printed = error_chain(&error);
    assert!(printed.contains("username"), "{printed}");
    assert_eq!(printed.matches("username").count(), 1, "{printed}");
    assert!(!message.contains("username"), "{message}");
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn mistyped_stored_field_is_a_decode_error() {
    let stored = json!({"username": 42, "preferences": {"theme": "", "languages": []}});
    let error =
        decode_data::<AppData>("session-id", &stored.to_string()).expect_err("42 is no string");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    // The chain names the field once, and never the value it refused.
    let printed = error_chain(&error);
    assert_eq!(
        printed.matches("invalid value at `username`").count(),
        1,
        "{printed}"
    );
    assert!(!printed.contains("42"), "{printed}");
}

#[test]
fn decode_error_names_the_session_by_its_id() {
    let session_id = session_id();
    let error = decode_data::<AppData>(session_id, "not json").expect_err("not json");
    match &error {
        Error::Decode {
            session_id: named, ..
        } => assert_eq!(named, session_id.as_str()),
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        format!("stored data of session `{session_id}` does not decode")
    );
}

#[test]
fn unit_data_encodes_as_an_empty_object() {
    assert_eq!(encode_data(&()).expect("encode"), "{}");
    decode_data::<()>("session-id", r#"{"leftover": 1}"#).expect("() ignores every field");
    let session = Session::new(session_id(), "123", distinct_times(), ());
    let decoded: Session<()> =
        decode_session(session_id(), &encode_session(&session).expect("encode")).expect("decode");
    assert_eq!(decoded, session);
}

#[test]
fn session_equality_ignores_the_flags() {
    let session = Session::new(session_id(), "123", distinct_times(), sparse());
    let mut other = session.clone();
    assert_eq!(session, other);
    other.visits = 1;
    assert_ne!(session, other);
}

#[derive(SessionData, Clone, Debug, PartialEq, Default)]
struct Empty {}

#[tokio::test]
async fn data_without_fields_round_trips() {
    let rows = JsonRows::new();
    let (narvik, _clock) = narvik_over(rows.store::<Empty>());
    let created = create(&narvik, "123", Empty {}).await;
    assert_eq!(rows.get(&created.session.id).expect("stored").data, "{}");
    assert!(validate(&narvik, &created.token).await.is_some());
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct Generic<T> {
    value: T,
    extra: Option<T>,
}

#[tokio::test]
async fn generic_data_round_trips() {
    let narvik = Narvik::new(JsonRows::new().store::<Generic<u64>>());
    let data = Generic {
        value: u64::MAX,
        extra: Some(0),
    };
    let created = create(&narvik, "123", data.clone()).await;
    let validated = validate(&narvik, &created.token).await.expect("valid");
    assert_eq!(validated.data, data);
}
