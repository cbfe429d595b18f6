//! Checks of the four required operations of [`SessionStore`].

use std::collections::BTreeSet;

use time::macros::datetime;
use time::Duration;
use tokio::task::JoinSet;

use super::helpers::{
    assert_gone, assert_none, create, create_concurrently, fetch, invalidate, narvik_over, now, ok,
    some, validate,
};
use super::{TestData, TestProfile, RACE_ROUNDS, SESSIONS_PER_TASK, SESSION_LENGTH, TASKS};
use crate::{Session, SessionStore, SessionTimes, SessionToken};

/// `create_session` stores the session under the SHA-256 of the token, expiring
/// one session length from now, and returns it with `is_new()` set.
pub async fn create_returns_new_session_stored_under_token_hash<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    let created = ok(
        narvik
            .create_session("user-1", TestData::named("alice"))
            .await,
        "create_session",
    );
    assert_eq!(
        created.session.id,
        created.token.session_id(),
        "the session id must be the SHA-256 of the token"
    );
    assert_eq!(created.session.user_id, "user-1");
    assert_eq!(
        created.session.expires_at,
        now(&clock) + SESSION_LENGTH,
        "a new session expires one session length from now"
    );
    assert!(created.session.is_new(), "create_session must set is_new()");
    assert!(!created.session.is_extended());
    let stored = some(
        fetch(&narvik, &created.session.id).await,
        "the store lost the session create_session saved",
    );
    assert_eq!(
        stored, created.session,
        "the store must return the session as saved"
    );
}

/// `is_new()` is set on the session `create_session` returns and on no session
/// read back later, extended or not.
pub async fn is_new_is_set_on_create_only<S: SessionStore<Data = TestData> + 'static>(store: S) {
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    assert!(created.session.is_new());

    let validated = validate(&narvik, &created.token).await;
    assert!(!validated.is_new(), "a validated session is not new");
    assert!(!validated.is_extended());

    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &created.token).await;
    assert!(extended.is_extended());
    assert!(!extended.is_new(), "an extended session is not new");

    let fetched = some(
        fetch(&narvik, &created.session.id).await,
        "the session is gone",
    );
    assert!(
        !fetched.is_new() && !fetched.is_extended(),
        "the flags are never stored"
    );
}

/// A session saved with `save_session` comes back from `fetch_session` equal, with
/// no flag set; a session saved directly validates with its token.
pub async fn store_returns_saved_session_unchanged<S: SessionStore<Data = TestData> + 'static>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    let token = SessionToken::generate();
    // Three different stamps, so a store that mixes them up is caught.
    let times = SessionTimes {
        issued_at: now(&clock) - Duration::hours(2),
        authenticated_at: now(&clock) - Duration::minutes(7),
        expires_at: now(&clock) + SESSION_LENGTH,
    };
    let mut session = Session::new(token.session_id(), "user-ü", times, TestData::full());
    let saved = session.clone();
    ok(
        narvik.store().save_session(&mut session).await,
        "save_session",
    );
    assert_eq!(session, saved, "save_session changed the session");

    let fetched = some(
        fetch(&narvik, &saved.id).await,
        "fetch_session lost a saved session",
    );
    assert_eq!(fetched, saved, "fetch_session changed the session");
    assert!(!fetched.is_new() && !fetched.is_extended());

    let validated = validate(&narvik, &token).await;
    assert_eq!(validated, saved);
}

/// Custom data comes back exactly as given: `None` and `Some`, empty strings,
/// unicode, escapes and control characters (NUL too), numbers at their limits,
/// timestamps, nested structs.
pub async fn custom_data_round_trips<S: SessionStore<Data = TestData> + 'static>(store: S) {
    let (narvik, _clock) = narvik_over(store);
    let cases = [
        TestData::default(),
        TestData::named("bob"),
        TestData::full(),
        TestData {
            username: String::new(),
            display: Some(String::new()),
            created_at: Some(datetime!(1970-01-01 0:00 UTC)),
            visits: 0,
            profile: TestProfile {
                locale: String::new(),
                tags: Vec::new(),
                theme: None,
            },
        },
        TestData {
            username: "'; DROP TABLE sessions; --".to_owned(),
            display: Some("{\"not\": \"json\"}".to_owned()),
            created_at: Some(datetime!(2099-12-31 23:59:59.999_999_999 -05:30)),
            visits: 1,
            profile: TestProfile {
                locale: "zh-Hant-TW".to_owned(),
                tags: vec!["𝔘𝔫𝔦𝔠𝔬𝔡𝔢".to_owned(); 3],
                theme: Some("\u{1F600}".to_owned()),
            },
        },
        // Control characters, NUL among them: every store keeps them (PostgreSQL's
        // `jsonb` would refuse NUL).
        TestData {
            username: "nul \u{0} inside".to_owned(),
            display: Some("\u{1}\u{1f}\u{7f}\u{0}".to_owned()),
            ..TestData::named("")
        },
    ];
    for data in cases {
        let created = create(&narvik, "user-1", data.clone()).await;
        assert_eq!(
            created.session.data, data,
            "create_session changed the data"
        );
        let validated = validate(&narvik, &created.token).await;
        assert_eq!(validated.data, data, "the data did not round-trip");
    }
}

/// A well-formed token that was never issued validates to `None`.
pub async fn validate_returns_none_for_unknown_token<S: SessionStore<Data = TestData> + 'static>(
    store: S,
) {
    let (narvik, _clock) = narvik_over(store);
    let _other = create(&narvik, "user-1", TestData::named("alice")).await;
    let unknown = SessionToken::generate();
    assert_none(&narvik, unknown.as_str(), "a token that was never issued").await;
}

/// Tokens of the wrong shape validate to `None`, even when they are a real token
/// changed only in case or length.
pub async fn validate_returns_none_for_malformed_tokens<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    let token = created.token.as_str();
    let malformed = [
        String::new(),
        token.to_uppercase(),
        token[..token.len() - 1].to_owned(),
        format!("{token}a"),
        format!(" {token}"),
        format!("{}0", &token[..token.len() - 1]),
        format!("{}é", &token[..token.len() - 2]),
        created.session.id.to_string(),
    ];
    for candidate in &malformed {
        assert_none(&narvik, candidate, "a malformed token").await;
    }
    // The real token still works: the malformed ones touched nothing.
    validate(&narvik, &created.token).await;
}

/// Once `now >= expires_at`, validation answers `None` and the session is gone from
/// the store; other sessions stay.
pub async fn validate_deletes_expired_session<S: SessionStore<Data = TestData> + 'static>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    let expiring = create(&narvik, "user-1", TestData::named("alice")).await;
    clock.advance(Duration::SECOND);
    let later = create(&narvik, "user-1", TestData::named("alice")).await;

    // Exactly at `expires_at` the first session is over; the second has a second left.
    clock.set(expiring.session.expires_at);
    // Validation must delete the expired session from the store.
    assert_gone(&narvik, &expiring, "a session at its expiry").await;
    assert!(
        fetch(&narvik, &later.session.id).await.is_some(),
        "deleting an expired session deleted another one"
    );

    clock.advance(Duration::days(365));
    assert_gone(&narvik, &later, "a session long expired").await;
}

/// With more than half the session length left, validation leaves the expiry alone
/// and does not set `is_extended()`.
pub async fn validate_keeps_expiry_with_more_than_half_left<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    clock.advance(SESSION_LENGTH / 2 - Duration::SECOND);
    let validated = validate(&narvik, &created.token).await;
    assert!(
        !validated.is_extended(),
        "a session with more than half its length left must not be extended"
    );
    assert_eq!(validated.expires_at, created.session.expires_at);
    let stored = some(
        fetch(&narvik, &created.session.id).await,
        "the session is gone",
    );
    assert_eq!(stored.expires_at, created.session.expires_at);
}

/// With less than half left, validation moves the expiry to a full length from now,
/// sets `is_extended()`, and the store returns the new expiry from then on.
pub async fn validate_extends_session_with_less_than_half_left<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::full()).await;
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &created.token).await;
    let new_expiry = now(&clock) + SESSION_LENGTH;
    assert!(
        extended.is_extended(),
        "a session with less than half its length left must be extended"
    );
    assert_eq!(
        extended.expires_at, new_expiry,
        "extension is by a full length from now"
    );
    assert_eq!(
        extended.data,
        TestData::full(),
        "extension changed the data"
    );

    let stored = some(
        fetch(&narvik, &created.session.id).await,
        "the session is gone",
    );
    assert_eq!(
        stored.expires_at, new_expiry,
        "update_session_expiry did not store the new expiry"
    );
    assert_eq!(
        stored.data,
        TestData::full(),
        "update_session_expiry changed the data"
    );

    let again = validate(&narvik, &created.token).await;
    assert!(
        !again.is_extended(),
        "a fresh extension is not extended again"
    );
    assert_eq!(again.expires_at, new_expiry);

    // The old expiry has passed, the new one has not.
    clock.set(created.session.expires_at + Duration::SECOND);
    let survived = validate(&narvik, &created.token).await;
    assert_eq!(survived.id, created.session.id);
}

/// `invalidate_session` ends that session, and no other of the same or another user.
pub async fn invalidate_session_deletes_only_that_session<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, _clock) = narvik_over(store);
    let signing_out = create(&narvik, "user-1", TestData::named("alice")).await;
    let same_user = create(&narvik, "user-1", TestData::named("alice")).await;
    let other_user = create(&narvik, "user-2", TestData::named("bob")).await;

    invalidate(&narvik, &signing_out.session.id).await;
    assert_gone(&narvik, &signing_out, "an invalidated session").await;
    validate(&narvik, &same_user.token).await;
    validate(&narvik, &other_user.token).await;
}

/// Deleting a session that does not exist, or no longer does, succeeds.
pub async fn deleting_missing_session_is_not_an_error<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, _clock) = narvik_over(store);
    let never_stored = SessionToken::generate().session_id();
    ok(
        narvik.invalidate_session(&never_stored).await,
        "invalidate_session of a session never stored",
    );
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    invalidate(&narvik, &created.session.id).await;
    ok(
        narvik.invalidate_session(&created.session.id).await,
        "invalidate_session of a session already deleted",
    );
}

/// `update_session_expiry` of a missing session stores nothing: a session deleted
/// by a sign-out must not come back.
pub async fn update_session_expiry_never_inserts<S: SessionStore<Data = TestData> + 'static>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    let session_id = SessionToken::generate().session_id();
    ok(
        narvik
            .store()
            .update_session_expiry(&session_id, now(&clock) + SESSION_LENGTH)
            .await,
        "update_session_expiry of a missing session",
    );
    assert!(
        fetch(&narvik, &session_id).await.is_none(),
        "update_session_expiry inserted a session that did not exist"
    );

    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    invalidate(&narvik, &created.session.id).await;
    ok(
        narvik
            .store()
            .update_session_expiry(&created.session.id, now(&clock) + SESSION_LENGTH)
            .await,
        "update_session_expiry of a deleted session",
    );
    assert!(
        fetch(&narvik, &created.session.id).await.is_none(),
        "update_session_expiry brought a deleted session back"
    );
}

/// `extend_session` of a session that a sign-out deleted stores nothing: the
/// session, as validation read it before the sign-out, must not come back.
pub async fn extend_session_never_inserts<S: SessionStore<Data = TestData> + 'static>(store: S) {
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    let mut read_before_sign_out = created.session.clone();
    invalidate(&narvik, &created.session.id).await;
    read_before_sign_out.expires_at = now(&clock) + SESSION_LENGTH;
    ok(
        narvik.store().extend_session(&read_before_sign_out).await,
        "extend_session of a deleted session",
    );
    assert!(
        fetch(&narvik, &created.session.id).await.is_none(),
        "extend_session brought a deleted session back"
    );
}

/// Many tasks creating and validating sessions of one user at once: every session
/// is stored and validates afterwards.
pub async fn concurrent_creates_and_validations_keep_every_session<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, _clock) = narvik_over(store);
    let created = create_concurrently(&narvik, "user-1").await;
    assert_eq!(created.len(), TASKS * SESSIONS_PER_TASK);
    let distinct: BTreeSet<&str> = created.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(distinct.len(), created.len(), "two sessions got one id");
    for (token, session_id) in &created {
        let session = validate(&narvik, token).await;
        assert_eq!(&session.id, session_id);
    }
}

/// A sign-out racing a validation that extends the same session: whichever runs
/// first, the session is gone afterwards (the extension must never re-insert it).
pub async fn sign_out_racing_extension_never_leaves_session_alive<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    for round in 0..RACE_ROUNDS {
        let created = create(&narvik, "user-1", TestData::named(format!("round {round}"))).await;
        // Less than half left: every validation below extends.
        clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
        let token = created.token.clone();
        let session_id = created.session.id;

        let mut tasks = JoinSet::new();
        for _ in 0..2 {
            let narvik = narvik.clone();
            let token = token.clone();
            tasks.spawn(async move {
                ok(
                    narvik.validate_session(token.as_str()).await,
                    "validate_session racing a sign-out",
                );
            });
        }
        let signing_out = narvik.clone();
        tasks.spawn(async move {
            ok(
                signing_out.invalidate_session(&session_id).await,
                "invalidate_session racing an extension",
            );
        });
        tasks.join_all().await;

        assert!(
            fetch(&narvik, &created.session.id).await.is_none(),
            "round {round}: an extension racing a sign-out left the session in the store"
        );
        assert_none(&narvik, created.token.as_str(), "a signed-out session").await;
    }
}

/// A user id of [`MAX_USER_ID_LEN`](crate::MAX_USER_ID_LEN) bytes (multi-byte
/// characters among them) comes back whole, and a longer one is refused before
/// the store is asked, in every store alike.
pub async fn longest_user_id_is_kept_whole_and_longer_refused<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, _clock) = narvik_over(store);
    let longest = format!(
        "{}{}",
        "é".repeat(100),
        "u".repeat(crate::MAX_USER_ID_LEN - 200)
    );
    assert_eq!(longest.len(), crate::MAX_USER_ID_LEN);
    let created = create(&narvik, &longest, TestData::named("alice")).await;
    let session = validate(&narvik, &created.token).await;
    assert_eq!(
        session.user_id,
        longest,
        "conformance: a user id of {} bytes must come back whole",
        crate::MAX_USER_ID_LEN
    );
    let too_long = format!("{longest}x");
    match narvik
        .create_session(too_long, TestData::named("bob"))
        .await
    {
        Err(crate::Error::UserIdTooLong { length }) => {
            assert_eq!(length, crate::MAX_USER_ID_LEN + 1);
        }
        other => panic!("conformance: a longer user id must be refused, got {other:?}"),
    }
}

/// A store that answers [`SessionStore::fetch_session_now`] answers as
/// `fetch_session` does, for a stored session and for a missing one; a store
/// that always waits (`None`) passes.
pub async fn fetch_session_now_agrees_with_fetch_session<
    S: SessionStore<Data = TestData> + 'static,
>(
    store: S,
) {
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::full()).await;
    let missing = SessionToken::generate().session_id();
    for session_id in [created.session.id, missing] {
        let Some(now) = narvik.store().fetch_session_now(&session_id) else {
            continue;
        };
        let now = ok(now, "fetch_session_now");
        let later = fetch(&narvik, &session_id).await;
        assert_eq!(
            now, later,
            "conformance: fetch_session_now must answer as fetch_session does"
        );
    }
}
