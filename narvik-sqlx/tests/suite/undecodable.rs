//! Rows the data type no longer fits (written by an older version of the
//! application, or by hand): validation deletes them, listings leave them out.

use narvik::testing::{TestData, TestProfile};
use narvik::{Error, Narvik, SessionStore, SessionToken};
use narvik_tests::{create, narvik_over, START};

use crate::fixture::{SqlDb, SqlFixture, SESSION_LENGTH};

/// A row whose data lacks a required field (written before the field existed) does
/// not decode: validation deletes it and answers `None`.
pub(crate) async fn session_missing_required_field_is_deleted_on_validate<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    // `username` and `profile` are required.
    assert_undecodable_row_is_deleted(db, r#"{"display": "Ada", "visits": 3}"#).await;
}

/// A row written before the optional fields existed decodes: `Option`s are `None`,
/// `#[session(default)]` fields their default.
pub(crate) async fn session_missing_later_optional_fields_decodes_with_defaults<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let token = SessionToken::generate();
    db.plant(
        token.session_id().as_str(),
        "user-1",
        START + SESSION_LENGTH,
        r#"{"username": "ada", "profile": {"locale": "en", "tags": []}}"#,
    )
    .await;
    let session = narvik
        .validate_session(token.as_str())
        .await
        .expect("validate_session")
        .expect("a row lacking only optional fields is a valid session");
    assert_eq!(session.user_id, "user-1");
    assert_eq!(session.expires_at, START + SESSION_LENGTH);
    assert_eq!(
        session.data,
        TestData {
            username: "ada".to_owned(),
            display: None,
            created_at: None,
            visits: 0,
            profile: TestProfile {
                locale: "en".to_owned(),
                tags: Vec::new(),
                theme: None,
            },
        }
    );
}

/// Valid JSON of the wrong shape (an array, a field of the wrong type) does not
/// decode either: deleted on validation.
pub(crate) async fn session_data_of_wrong_shape_is_deleted_on_validate<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    assert_undecodable_row_is_deleted(db, "[1, 2, 3]").await;
    assert_undecodable_row_is_deleted(
        db,
        r#"{"username": 42, "profile": {"locale": "en", "tags": []}}"#,
    )
    .await;
    assert_undecodable_row_is_deleted(db, r#""just a string""#).await;
}

/// Plants a row of `data` and checks that the store reports it as
/// [`Error::Decode`] and that validation deletes it and answers `None`.
pub(crate) async fn assert_undecodable_row_is_deleted<F: SqlFixture>(db: &SqlDb<F>, data: &str) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let token = SessionToken::generate();
    let session_id = token.session_id();
    db.plant(session_id.as_str(), "user-1", START + SESSION_LENGTH, data)
        .await;
    assert_deleted_as_undecodable(&narvik, &token).await;
}

/// `fetch_session` of `token`'s session is [`Error::Decode`] naming it; validation
/// then answers `None` and the row is gone.
pub(crate) async fn assert_deleted_as_undecodable<S: SessionStore<Data = TestData>>(
    narvik: &Narvik<S>,
    token: &SessionToken,
) {
    let session_id = token.session_id();
    match narvik.store().fetch_session(&session_id).await {
        Err(Error::Decode {
            session_id: named, ..
        }) => assert_eq!(named, session_id.as_str()),
        other => panic!("an undecodable row must be Error::Decode, got {other:?}"),
    }
    let validated = narvik
        .validate_session(token.as_str())
        .await
        .expect("an undecodable session is no store failure");
    assert!(validated.is_none(), "an undecodable session validated");
    let fetched = narvik
        .store()
        .fetch_session(&session_id)
        .await
        .expect("fetch_session after the delete");
    assert!(fetched.is_none(), "validation left the undecodable row");
}

/// Listing a user's sessions leaves out one that does not decode (as validation
/// treats it as gone) and lists the others.
pub(crate) async fn fetch_sessions_for_user_leaves_out_undecodable_session<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let kept = create(&narvik, "user-1", TestData::named("ada")).await;
    let broken = SessionToken::generate().session_id();
    db.plant(broken.as_str(), "user-1", START + SESSION_LENGTH, "[]")
        .await;
    let listed = narvik
        .fetch_sessions_for_user("user-1")
        .await
        .expect("an undecodable session does not fail the listing");
    let listed: Vec<&str> = listed.iter().map(|session| session.id.as_str()).collect();
    assert_eq!(listed, [kept.session.id.as_str()]);
    // Still stored: listing only reads; validating it would delete it.
    let fetched = narvik.store().fetch_session(&broken).await;
    assert!(
        matches!(&fetched, Err(Error::Decode { session_id, .. }) if *session_id == broken.as_str()),
        "{fetched:?}"
    );
}

/// A row whose id column holds no session id (64 lower-case hex characters) is a
/// row that does not decode: the listing leaves it out and lists the others.
pub(crate) async fn fetch_sessions_for_user_leaves_out_row_whose_id_is_no_session_id<
    F: SqlFixture,
>(
    db: &SqlDb<F>,
) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let kept = create(&narvik, "user-1", TestData::named("ada")).await;
    let data = r#"{"username": "ada", "profile": {"locale": "en", "tags": []}}"#;
    for id in ["not-a-session-id", &"A".repeat(64)] {
        db.plant(id, "user-1", START + SESSION_LENGTH, data).await;
    }
    let listed = narvik
        .fetch_sessions_for_user("user-1")
        .await
        .expect("a row of a malformed id does not fail the listing");
    let listed: Vec<&str> = listed.iter().map(|session| session.id.as_str()).collect();
    assert_eq!(listed, [kept.session.id.as_str()]);
}
