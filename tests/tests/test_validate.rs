//! Creating and validating sessions: expiry, extension, invalidation. The cases of
//! the original's test suite, translated.

use narvik::{MemoryStore, Narvik, Session, SessionToken, DEFAULT_SESSION_EXPIRES_IN};
use narvik_tests::{create, invalidate, narvik_over, stored, validate, with_manual_clock, START};
use time::Duration;

/// What a new session's token validates to `elapsed` after its creation, with the
/// default settings.
async fn validated_after(elapsed: Duration) -> Option<Session<()>> {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.advance(elapsed);
    validate(&narvik, &created.token).await
}

#[test]
fn default_session_length_is_thirty_days() {
    assert_eq!(DEFAULT_SESSION_EXPIRES_IN, Duration::days(30));
    let narvik = Narvik::new(MemoryStore::<()>::new());
    assert_eq!(narvik.session_expires_in(), Duration::days(30));
}

#[tokio::test]
async fn create_session_expires_after_thirty_days_by_default() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    assert_eq!(created.session.expires_at, START + Duration::days(30));
    assert_eq!(created.session.user_id, "123");
    assert_eq!(created.session.id, created.token.session_id());
}

#[tokio::test]
async fn create_session_uses_configured_expiry() {
    let builder = Narvik::builder(MemoryStore::new()).session_expires_in(Duration::hours(1));
    let (narvik, _clock) = with_manual_clock(builder);
    let created = create(&narvik, "123", ()).await;
    assert_eq!(created.session.expires_at, START + Duration::hours(1));
    let stored = stored(&narvik, &created.session.id).await.expect("stored");
    assert_eq!(stored.expires_at, START + Duration::hours(1));
}

#[tokio::test]
async fn create_session_marks_the_returned_session_new_and_stores_it_without_flags() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    assert!(created.session.is_new());
    assert!(!created.session.is_extended());

    let validated = validate(&narvik, &created.token).await.expect("valid");
    assert!(!validated.is_new());
    assert!(!validated.is_extended());
    assert_eq!(validated, created.session);
}

#[tokio::test]
async fn validate_extends_session_by_a_full_length_only_with_at_most_half_left() {
    for (elapsed, extended, expires_at) in [
        // More than half left: not extended.
        (
            Duration::days(15) - Duration::SECOND,
            false,
            Duration::days(30),
        ),
        // Exactly half left, and less: extended to a full length from now.
        (Duration::days(15), true, Duration::days(45)),
        (Duration::days(20), true, Duration::days(50)),
    ] {
        let validated = validated_after(elapsed).await.expect("valid");
        assert_eq!(validated.is_extended(), extended, "after {elapsed}");
        assert!(!validated.is_new());
        assert_eq!(validated.expires_at, START + expires_at, "after {elapsed}");
    }
}

#[tokio::test]
async fn extended_expiry_is_stored_and_not_extended_again() {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::days(20));
    validate(&narvik, &created.token).await.expect("valid");

    let stored = stored(&narvik, &created.session.id).await.expect("stored");
    assert_eq!(stored.expires_at, START + Duration::days(50));

    let again = validate(&narvik, &created.token).await.expect("valid");
    assert!(!again.is_extended());
    assert_eq!(again.expires_at, START + Duration::days(50));

    // Past the first expiry, the extended session lives on.
    clock.set(START + Duration::days(31));
    assert!(validate(&narvik, &created.token).await.is_some());
}

#[tokio::test]
async fn validate_returns_none_and_deletes_expired_session() {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::days(31));

    assert!(validate(&narvik, &created.token).await.is_none());
    assert!(narvik.store().is_empty(), "the expired session was kept");
}

#[tokio::test]
async fn validate_returns_none_at_the_exact_expiry() {
    let (narvik, clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    clock.set(created.session.expires_at - Duration::SECOND);
    assert!(validate(&narvik, &created.token).await.is_some());

    let created = create(&narvik, "123", ()).await;
    clock.set(created.session.expires_at);
    assert!(validate(&narvik, &created.token).await.is_none());
    assert!(stored(&narvik, &created.session.id).await.is_none());
}

#[tokio::test]
async fn validate_returns_none_for_unknown_token() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    create(&narvik, "123", ()).await;
    let unknown = SessionToken::generate();
    assert!(validate(&narvik, &unknown).await.is_none());
    assert_eq!(
        narvik.store().len(),
        1,
        "an unknown token deleted something"
    );
}

#[tokio::test]
async fn invalidate_session_ends_the_session() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let created = create(&narvik, "123", ()).await;
    let other = create(&narvik, "123", ()).await;

    invalidate(&narvik, &created.session.id).await;
    assert!(validate(&narvik, &created.token).await.is_none());
    assert!(validate(&narvik, &other.token).await.is_some());
    assert_eq!(narvik.store().len(), 1);
}

#[tokio::test]
async fn invalidating_an_unknown_session_succeeds() {
    let (narvik, _clock) = narvik_over(MemoryStore::<()>::new());
    let session_id = SessionToken::generate().session_id();
    narvik
        .invalidate_session(&session_id)
        .await
        .expect("invalidating nothing is not an error");
    assert!(narvik.store().is_empty());
}

#[tokio::test]
async fn narvik_clones_share_store_and_settings() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let clone = narvik.clone();
    let created = create(&clone, "123", ()).await;
    assert!(validate(&narvik, &created.token).await.is_some());
    assert!(format!("{narvik:?}").contains("narvik_session"));
}
