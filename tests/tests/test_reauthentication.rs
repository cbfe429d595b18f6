//! "Sudo mode": `Session::authenticated_within` answers from the last proof of a
//! credential, as of the time narvik created or validated the session, and
//! `reauthenticate` renews the proof.

use narvik::{MemoryStore, Session, SessionTimes, UNKNOWN_TIME};
use narvik_tests::{create, narvik_over, stored, validate, JsonRows, StoredRow, START};
use time::{Duration, OffsetDateTime};

#[tokio::test]
async fn a_new_session_was_authenticated_just_now() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    assert_eq!(created.session.authenticated_at, START);
    assert_eq!(created.session.issued_at, START);
    assert!(created.session.authenticated_within(Duration::ZERO));
    assert!(created.session.authenticated_within(Duration::minutes(5)));
}

#[tokio::test]
async fn authenticated_within_includes_its_bound() {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::minutes(5));
    let session = validate(&narvik, &created.token).await.expect("valid");
    assert!(
        session.authenticated_within(Duration::minutes(5)),
        "exactly 5 minutes ago"
    );
    assert!(!session.authenticated_within(Duration::minutes(5) - Duration::nanoseconds(1)));
    assert!(session.authenticated_within(Duration::hours(1)));
}

#[tokio::test]
async fn authenticated_within_answers_as_of_the_validation() {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::minutes(4));
    let session = validate(&narvik, &created.token).await.expect("valid");
    // The request that validated it is still being handled when the clock moves on:
    // the answer stays that of the validation.
    clock.advance(Duration::hours(1));
    assert!(session.authenticated_within(Duration::minutes(5)));
    assert!(!session.authenticated_within(Duration::minutes(3)));

    let later = validate(&narvik, &created.token).await.expect("valid");
    assert!(!later.authenticated_within(Duration::minutes(5)));
    assert!(later.authenticated_within(Duration::minutes(64)));
}

#[tokio::test]
async fn reauthenticate_renews_the_proof_and_the_token() {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::hours(2));
    let stale = validate(&narvik, &created.token).await.expect("valid");
    assert!(!stale.authenticated_within(Duration::minutes(5)));

    let renewed = narvik
        .reauthenticate(&created.session.id)
        .await
        .expect("reauthenticate")
        .expect("a live session is re-authenticated");
    assert!(
        renewed.session.is_new(),
        "the new token needs its cookie sent"
    );
    assert_eq!(renewed.session.authenticated_at, START + Duration::hours(2));
    assert_eq!(renewed.session.issued_at, START, "sign-in time is kept");
    assert!(renewed.session.authenticated_within(Duration::ZERO));
    assert!(validate(&narvik, &created.token).await.is_none());

    clock.advance(Duration::minutes(5) + Duration::SECOND);
    let session = validate(&narvik, &renewed.token).await.expect("valid");
    assert!(!session.authenticated_within(Duration::minutes(5)));
    assert!(session.authenticated_within(Duration::minutes(6)));
}

#[tokio::test]
async fn rotation_keeps_the_proof() {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::minutes(10));
    let rotated = narvik
        .rotate_session(&created.session.id)
        .await
        .expect("rotate_session")
        .expect("a live session is rotated");
    assert_eq!(
        rotated.session.authenticated_at, START,
        "a rotation without a password is no proof of one"
    );
    assert!(!rotated.session.authenticated_within(Duration::minutes(5)));
    assert!(rotated.session.authenticated_within(Duration::minutes(10)));
}

#[tokio::test]
async fn a_session_stored_before_the_proof_was_recorded_is_never_fresh() {
    // A row of narvik 0.1, as a store's upgrade leaves it: the proof unknown.
    let rows = JsonRows::new();
    let (narvik, _clock) = narvik_over(rows.store::<()>());
    let token = narvik::SessionToken::generate();
    rows.insert(
        token.session_id(),
        StoredRow {
            user_id: "123".to_owned(),
            expires_at: START + Duration::days(30),
            issued_at: START,
            authenticated_at: UNKNOWN_TIME,
            data: "{}".to_owned(),
            data_version: 0,
        },
    );
    let session = validate(&narvik, &token).await.expect("valid");
    assert_eq!(session.authenticated_at, UNKNOWN_TIME);
    assert!(!session.authenticated_within(Duration::minutes(5)));
    assert!(!session.authenticated_within(narvik::MAX_LIFETIME));

    let renewed = narvik
        .reauthenticate(&session.id)
        .await
        .expect("reauthenticate")
        .expect("a live session is re-authenticated");
    assert!(renewed.session.authenticated_within(Duration::ZERO));
    let kept = stored(&narvik, &renewed.session.id).await.expect("stored");
    assert_eq!(
        kept.authenticated_at, START,
        "the store keeps the new proof"
    );
}

#[test]
fn a_session_from_a_store_answers_by_the_system_clock() {
    // Not from narvik, so no validation time: the system clock's now.
    let now = OffsetDateTime::now_utc();
    let times = |authenticated_at| SessionTimes {
        issued_at: now - Duration::hours(1),
        authenticated_at,
        expires_at: now + Duration::days(1),
    };
    let id = narvik::SessionToken::generate().session_id();
    let recent = Session::new(id, "123", times(now - Duration::minutes(1)), ());
    assert!(recent.authenticated_within(Duration::minutes(5)));
    assert!(!recent.authenticated_within(Duration::seconds(30)));
    let unknown = Session::new(id, "123", times(UNKNOWN_TIME), ());
    assert!(!unknown.authenticated_within(narvik::MAX_LIFETIME));
}
