//! Sessions stored by 0.1, whose frames kept no time stamps: each is rewritten in
//! the current layout once, on its first read, with `issued_at` = that read and
//! `authenticated_at` = `UNKNOWN_TIME`, so an absolute lifetime counts from the
//! first validation after the upgrade.

use narvik::{Narvik, SessionStore, SessionToken, UNKNOWN_TIME};
use narvik_tests::{sessions_of, stored};
use time::{Duration, OffsetDateTime};

use crate::app::{alice, clock_now, narvik_over, narvik_with};
use crate::asserts::{assert_decode_error, assert_expires_at, assert_stored_frame};
use crate::frame::{frame_of_0_1, unix_ms};
use crate::server::Server;

/// The data of [`alice`] as 0.1 stored it.
const ALICE_JSON: &str = r#"{"username":"alice","theme":"dark","visits":3}"#;

/// `at`, cut to the millisecond the store keeps.
fn to_ms(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_millisecond(at.millisecond())
        .expect("a whole millisecond")
}

/// A 0.1 session validates: its frame is rewritten once with `issued_at` = that
/// first validation and `authenticated_at` = `UNKNOWN_TIME`, keeping its expiry,
/// and an absolute lifetime counts from that validation.
pub(crate) async fn a_0_1_session_is_rewritten_once_and_its_absolute_deadline_counts_from_its_first_validation(
    server: Server,
) {
    let store = server.store().await;
    let (narvik, clock) = narvik_with(store.clone(), |builder| {
        builder.absolute_lifetime(Duration::hours(1))
    });
    let token = SessionToken::generate();
    let session_id = token.session_id();
    // Signed in under 0.1 at some time nobody recorded; ends in 20 days.
    let expires_at = to_ms(clock_now(&clock) + Duration::days(20));
    server
        .plant_session_of_0_1(&store, &session_id, "user-1", expires_at, ALICE_JSON)
        .await;
    let session_key = store.session_key(&session_id);

    let before = to_ms(OffsetDateTime::now_utc());
    let validated = narvik.validate_session(token.as_str()).await;
    let after = OffsetDateTime::now_utc();
    let session = validated
        .expect("validation of a 0.1 session")
        .expect("a 0.1 session is valid");
    assert!(
        (before..=after).contains(&session.issued_at),
        "issued_at {} is the first validation, between {before} and {after}",
        session.issued_at
    );
    assert_eq!(session.authenticated_at, UNKNOWN_TIME);
    assert!(
        !session.authenticated_within(Duration::days(365)),
        "no proof of a credential on record: sudo mode asks again"
    );
    assert_eq!(session.expires_at, expires_at);
    assert_eq!(session.user_id, "user-1");
    assert_eq!(session.data, alice());
    let what = "rewritten in the current layout";
    assert_stored_frame(
        &server,
        &session_key,
        session.times(),
        "user-1",
        ALICE_JSON,
        what,
    )
    .await;
    let rewritten = server.value(&session_key).await;

    // Read again, later: not rewritten again, so the deadline stays put.
    clock.advance(Duration::minutes(59));
    let again = narvik
        .validate_session(token.as_str())
        .await
        .expect("validation")
        .expect("still within the hour from the first validation");
    assert_eq!(again.issued_at, session.issued_at);
    assert_eq!(again.authenticated_at, UNKNOWN_TIME);
    assert_eq!(server.value(&session_key).await, rewritten);

    // An hour after the first validation, however active: over.
    clock.advance(Duration::minutes(2));
    let ended = narvik.validate_session(token.as_str()).await;
    assert!(matches!(ended, Ok(None)), "{ended:?}");
    assert!(!server.exists(&session_key).await, "validation deleted it");
    assert!(server.index_members(&store, "user-1").await.is_empty());
}

/// The first validation of a 0.1 session costs one more round trip (the
/// rewrite); the next ones are one `GET`.
pub(crate) async fn a_0_1_session_costs_one_more_round_trip_on_its_first_validation_only(
    server: Server,
) {
    let proxy = server.proxy().await;
    let store = server.store_via(&proxy).await;
    let (narvik, clock) = narvik_over(store.clone());
    let token = SessionToken::generate();
    let expires_at = clock_now(&clock) + Duration::days(20);
    server
        .plant_session_of_0_1(
            &store,
            &token.session_id(),
            "user-1",
            expires_at,
            ALICE_JSON,
        )
        .await;

    proxy.reset();
    let first = narvik.validate_session(token.as_str()).await;
    assert!(matches!(first, Ok(Some(_))), "{first:?}");
    assert_eq!(proxy.round_trips(), 2, "a GET, then the rewrite");
    proxy.reset();
    let second = narvik.validate_session(token.as_str()).await;
    assert!(matches!(second, Ok(Some(_))), "{second:?}");
    assert_eq!(proxy.round_trips(), 1, "one GET, as for any session");
}

/// App servers validating a 0.1 session at once agree on one `issued_at`: the
/// first rewrite wins, the others read it.
pub(crate) async fn concurrent_first_validations_of_a_0_1_session_agree_on_its_issued_at(
    server: Server,
) {
    let store = server.store().await;
    let token = SessionToken::generate();
    let expires_at = OffsetDateTime::now_utc() + Duration::days(20);
    server
        .plant_session_of_0_1(
            &store,
            &token.session_id(),
            "user-1",
            expires_at,
            ALICE_JSON,
        )
        .await;
    let mut app_servers = Vec::new();
    for _ in 0..4 {
        // A connection each, as app servers have.
        app_servers.push(Narvik::new(server.store().await));
    }
    let before = to_ms(OffsetDateTime::now_utc());
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..16 {
        let narvik = app_servers[round % app_servers.len()].clone();
        let token = token.clone();
        tasks.spawn(async move { narvik.validate_session(token.as_str()).await });
    }
    let mut issued_at = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let session = joined
            .expect("no task panics")
            .expect("validation")
            .expect("the session is valid");
        assert_eq!(session.authenticated_at, UNKNOWN_TIME);
        issued_at.push(session.issued_at);
    }
    let after = OffsetDateTime::now_utc();
    issued_at.dedup();
    assert_eq!(issued_at.len(), 1, "one issued_at for all: {issued_at:?}");
    assert!(
        (before..=after).contains(&issued_at[0]),
        "issued_at {} is one of those validations",
        issued_at[0]
    );
    let stored = stored(&app_servers[0], &token.session_id()).await;
    assert_eq!(stored.map(|session| session.issued_at), Some(issued_at[0]));
}

/// A listing and a rotation read 0.1 sessions too, rewriting them as a
/// validation does; a rotation then gives the new id the rewritten frame.
pub(crate) async fn listing_and_rotating_rewrite_0_1_sessions_as_validation_does(server: Server) {
    let store = server.store().await;
    let (narvik, clock) = narvik_over(store.clone());
    let expires_at = to_ms(clock_now(&clock) + Duration::days(20));
    for _ in 0..2 {
        let session_id = SessionToken::generate().session_id();
        server
            .plant_session_of_0_1(&store, &session_id, "user-1", expires_at, ALICE_JSON)
            .await;
    }

    let before = to_ms(OffsetDateTime::now_utc());
    let listed = sessions_of(&narvik, "user-1").await;
    let after = OffsetDateTime::now_utc();
    assert_eq!(listed.len(), 2);
    for session in &listed {
        assert!((before..=after).contains(&session.issued_at), "{session:?}");
        assert_eq!(session.authenticated_at, UNKNOWN_TIME);
        assert_eq!(session.expires_at, expires_at);
        let stored = stored(&narvik, &session.id).await;
        assert_eq!(
            stored.map(|stored| stored.times()),
            Some(session.times()),
            "the listing stored what it returned"
        );
    }

    // A 0.1 frame rotated before any read: upgraded on the way.
    let rotated_token = SessionToken::generate();
    server
        .plant_session_of_0_1(
            &store,
            &rotated_token.session_id(),
            "user-1",
            expires_at,
            ALICE_JSON,
        )
        .await;
    let before = to_ms(OffsetDateTime::now_utc());
    let rotated = narvik
        .rotate_session(&rotated_token.session_id())
        .await
        .expect("rotation")
        .expect("a live session");
    let after = OffsetDateTime::now_utc();
    let session = &rotated.session;
    assert!((before..=after).contains(&session.issued_at), "{session:?}");
    assert_eq!(session.authenticated_at, UNKNOWN_TIME);
    assert_eq!(session.expires_at, expires_at);
    assert!(
        !server
            .exists(&store.session_key(&rotated_token.session_id()))
            .await
    );
    let new_key = store.session_key(&session.id);
    assert_stored_frame(
        &server,
        &new_key,
        session.times(),
        "user-1",
        ALICE_JSON,
        "moved",
    )
    .await;
}

/// A 0.1 session whose data no longer decodes is rewritten like any other, is
/// then a decode error, and validation deletes it.
pub(crate) async fn a_0_1_session_whose_data_no_longer_decodes_is_deleted_by_validation(
    server: Server,
) {
    let store = server.store().await;
    let (narvik, clock) = narvik_over(store.clone());
    let token = SessionToken::generate();
    let session_id = token.session_id();
    let expires_at = clock_now(&clock) + Duration::days(20);
    // Stored before `username` existed.
    server
        .plant_session_of_0_1(
            &store,
            &session_id,
            "user-1",
            expires_at,
            r#"{"theme":"x"}"#,
        )
        .await;

    let error = narvik
        .store()
        .fetch_session(&session_id)
        .await
        .expect_err("data without a required field");
    assert_decode_error(&error, &session_id, "username");
    let session_key = store.session_key(&session_id);
    assert_expires_at(&server, &session_key, unix_ms(expires_at)).await;
    assert_ne!(
        server.value(&session_key).await,
        frame_of_0_1(unix_ms(expires_at), "user-1", r#"{"theme":"x"}"#),
        "rewritten all the same"
    );

    let validated = narvik.validate_session(token.as_str()).await;
    assert!(matches!(validated, Ok(None)), "{validated:?}");
    assert!(
        server.keys().await.is_empty(),
        "the session and its member are gone"
    );
}
