//! Creating and validating sessions: expiry, extension, invalidation. The cases of
//! the original's test suite, translated.

use narvik::{ManualClock, MemoryStore, Narvik, SessionStore, DEFAULT_SESSION_EXPIRES_IN};
use narvik_tests::START;
use time::Duration;

type Auth = Narvik<(), MemoryStore<()>>;

/// A Narvik with the default settings and a clock at [`START`].
fn default_narvik() -> (Auth, ManualClock) {
    narvik_with_length(DEFAULT_SESSION_EXPIRES_IN)
}

fn narvik_with_length(length: Duration) -> (Auth, ManualClock) {
    let clock = ManualClock::new(START);
    let narvik = Narvik::builder(MemoryStore::new())
        .session_expires_in(length)
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|error| panic!("valid settings: {error}"));
    (narvik, clock)
}

#[test]
fn default_session_length_is_thirty_days() {
    assert_eq!(DEFAULT_SESSION_EXPIRES_IN, Duration::days(30));
    let narvik = Narvik::new(MemoryStore::<()>::new());
    assert_eq!(narvik.session_expires_in(), Duration::days(30));
}

#[tokio::test]
async fn create_session_expires_after_thirty_days_by_default() {
    let (narvik, _clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    assert_eq!(created.session.expires_at, START + Duration::days(30));
    assert_eq!(created.session.user_id, "123");
    assert_eq!(created.session.id, created.token.session_id());
}

#[tokio::test]
async fn create_session_uses_configured_expiry() {
    let (narvik, _clock) = narvik_with_length(Duration::hours(1));
    let created = narvik.create_session("123", ()).await.expect("create");
    assert_eq!(created.session.expires_at, START + Duration::hours(1));
    let stored = narvik
        .store()
        .fetch_session(&created.session.id)
        .await
        .expect("fetch")
        .expect("stored");
    assert_eq!(stored.expires_at, START + Duration::hours(1));
}

#[tokio::test]
async fn create_session_marks_the_returned_session_new_and_stores_it_without_flags() {
    let (narvik, _clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    assert!(created.session.is_new());
    assert!(!created.session.is_extended());

    let validated = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert!(!validated.is_new());
    assert!(!validated.is_extended());
    assert_eq!(validated, created.session);
}

#[tokio::test]
async fn validate_does_not_extend_session_with_more_than_half_left() {
    let (narvik, clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    clock.advance(Duration::days(15) - Duration::SECOND);

    let validated = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert!(!validated.is_extended());
    assert_eq!(validated.expires_at, START + Duration::days(30));
}

#[tokio::test]
async fn validate_extends_session_with_less_than_half_left_by_a_full_length() {
    let (narvik, clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    clock.advance(Duration::days(20));

    let validated = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert!(validated.is_extended());
    assert!(!validated.is_new());
    assert_eq!(validated.expires_at, START + Duration::days(50));
}

#[tokio::test]
async fn validate_extends_session_at_exactly_half_left() {
    let (narvik, clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    clock.advance(Duration::days(15));

    let validated = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert!(validated.is_extended());
    assert_eq!(validated.expires_at, START + Duration::days(45));
}

#[tokio::test]
async fn extended_expiry_is_stored_and_not_extended_again() {
    let (narvik, clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    clock.advance(Duration::days(20));
    narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");

    let stored = narvik
        .store()
        .fetch_session(&created.session.id)
        .await
        .expect("fetch")
        .expect("stored");
    assert_eq!(stored.expires_at, START + Duration::days(50));

    let again = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert!(!again.is_extended());
    assert_eq!(again.expires_at, START + Duration::days(50));

    // Past the first expiry, the extended session lives on.
    clock.set(START + Duration::days(31));
    assert!(narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_some());
}

#[tokio::test]
async fn validate_returns_none_and_deletes_expired_session() {
    let (narvik, clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    clock.advance(Duration::days(31));

    let validated = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate");
    assert!(validated.is_none());
    assert!(narvik.store().is_empty(), "the expired session was kept");
}

#[tokio::test]
async fn validate_returns_none_at_the_exact_expiry() {
    let (narvik, clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    clock.set(created.session.expires_at - Duration::SECOND);
    assert!(narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_some());

    let created = narvik.create_session("123", ()).await.expect("create");
    clock.set(created.session.expires_at);
    assert!(narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_none());
    assert!(narvik
        .store()
        .fetch_session(&created.session.id)
        .await
        .expect("fetch")
        .is_none());
}

#[tokio::test]
async fn validate_returns_none_for_unknown_token() {
    let (narvik, _clock) = default_narvik();
    narvik.create_session("123", ()).await.expect("create");
    let unknown = narvik::SessionToken::generate();
    assert!(narvik
        .validate_session(unknown.as_str())
        .await
        .expect("validate")
        .is_none());
    assert_eq!(
        narvik.store().len(),
        1,
        "an unknown token deleted something"
    );
}

#[tokio::test]
async fn invalidate_session_ends_the_session() {
    let (narvik, _clock) = default_narvik();
    let created = narvik.create_session("123", ()).await.expect("create");
    let other = narvik.create_session("123", ()).await.expect("create");

    narvik
        .invalidate_session(&created.session.id)
        .await
        .expect("invalidate");
    assert!(narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_none());
    assert!(narvik
        .validate_session(other.token.as_str())
        .await
        .expect("validate")
        .is_some());
    assert_eq!(narvik.store().len(), 1);
}

#[tokio::test]
async fn invalidating_an_unknown_session_succeeds() {
    let (narvik, _clock) = default_narvik();
    let session_id = narvik::SessionToken::generate().session_id();
    narvik
        .invalidate_session(&session_id)
        .await
        .expect("invalidating nothing is not an error");
    assert!(narvik.store().is_empty());
}

#[tokio::test]
async fn narvik_clones_share_store_and_settings() {
    let (narvik, _clock) = default_narvik();
    let clone = narvik.clone();
    let created = clone.create_session("123", ()).await.expect("create");
    assert!(narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_some());
    assert!(format!("{narvik:?}").contains("narvik_session"));
}
