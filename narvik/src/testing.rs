//! The store conformance suite, for authors of stores (feature `testing`).
//!
//! One suite, written once, that every store runs: the built-in ones, the stores of
//! other crates, and yours. Each check is an `async fn` named by the behaviour it
//! pins; it takes a fresh store, drives it through [`Narvik`] (with a
//! [`ManualClock`], so nothing sleeps) and panics with a message saying what went
//! wrong. The `run_*` functions call the checks in turn, each with a new store from
//! the factory you give them.
//!
//! | runner | for stores implementing |
//! | --- | --- |
//! | [`run_conformance`] | all seven operations |
//! | [`run_required_conformance`] | [`SessionStore`] (the four required operations) |
//! | [`run_fetch_user_sessions_conformance`] | also [`FetchUserSessions`] |
//! | [`run_delete_user_sessions_conformance`] | also [`DeleteUserSessions`] |
//! | [`run_delete_expired_conformance`] | also [`DeleteExpiredSessions`] |
//!
//! The sessions carry [`TestData`], so a store must be usable with that data type
//! (a store generic over `D: SessionData` is). The factory must give a store that
//! starts empty and shares nothing with the stores given before (a new table prefix
//! or database per call, say): the checks count what they find.
//!
//! Some checks spawn tokio tasks to race operations against each other, so run the
//! suite on a multi-threaded tokio runtime; on a single thread it still passes but
//! races less.
//!
//! # Running it against your store
//!
//! Enable the feature in your dev-dependencies,
//! `narvik = { version = "...", features = ["testing"] }`, and write one test:
//!
//! ```
//! use narvik::testing;
//! use narvik::MemoryStore;
//!
//! // In your crate: #[tokio::test(flavor = "multi_thread")] async fn store_conforms().
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! testing::run_conformance(|| async { MemoryStore::new() }).await;
//! # }
//! ```
//!
//! A store with only the four required operations runs the required part, plus the
//! part of each optional trait it does implement:
//!
//! ```
//! use std::sync::Arc;
//!
//! use narvik::testing;
//! use narvik::MemoryStore;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! // `Arc<S>` forwards only the four required operations.
//! testing::run_required_conformance(|| async { Arc::new(MemoryStore::new()) }).await;
//! # }
//! ```
//!
//! A single check runs on its own too, which helps when one fails:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! narvik::testing::validate_deletes_expired_session(narvik::MemoryStore::new()).await;
//! # }
//! ```
//!
//! # Time
//!
//! The clock starts at the wall-clock time of the check, cut to whole seconds, and
//! only moves by whole seconds, so every `expires_at` a check stores is a whole
//! second in the future of the real clock: stores that keep seconds only, or set a
//! TTL from `expires_at`, pass as long as they hand back what they were given.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::future::Future;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tokio::task::JoinSet;

use crate::store::{DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions};
use crate::{ManualClock, Narvik, Result, Session, SessionData, SessionStore, SessionToken};

/// The session length the checks configure: the default, 30 days.
pub const SESSION_LENGTH: Duration = Duration::days(30);

/// Tasks racing in the concurrency checks.
const TASKS: usize = 16;
/// Sessions each racing task creates.
const SESSIONS_PER_TASK: usize = 16;
/// Rounds of sign-out against extension.
const RACE_ROUNDS: usize = 64;

/// The custom data of every session the suite stores: each kind of field a store
/// must carry unchanged.
#[derive(SessionData, Clone, Debug, PartialEq, Default)]
pub struct TestData {
    /// A required field.
    pub username: String,
    /// An optional field: `None` must come back as `None`, `Some("")` as `Some("")`.
    pub display: Option<String>,
    /// A timestamp with nanoseconds and an offset.
    pub created_at: Option<OffsetDateTime>,
    /// A field that falls back to its default when missing from stored data.
    #[session(default)]
    pub visits: u32,
    /// A nested struct, with serde derives of its own as an application's would be.
    pub profile: TestProfile,
}

/// The nested struct inside [`TestData`].
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Default)]
pub struct TestProfile {
    /// A language tag.
    pub locale: String,
    /// A list, possibly empty, of possibly empty strings.
    pub tags: Vec<String>,
    /// An optional field inside the nested struct.
    pub theme: Option<String>,
}

impl TestData {
    /// Data with `username` set and every other field empty.
    pub fn named(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            ..Self::default()
        }
    }

    /// Data with every field set: unicode, quotes, backslashes, newlines, a
    /// timestamp with nanoseconds, a nested struct.
    pub fn full() -> Self {
        Self {
            username: "Jöhn Smíth \"js\" \\ 🦀\nsecond line\ttab".to_owned(),
            display: Some("表示名 — ünïcödé ✓".to_owned()),
            created_at: Some(datetime!(2025-06-15 12:34:56.789_123_456 +02:00)),
            visits: u32::MAX,
            profile: TestProfile {
                locale: "nb-NO".to_owned(),
                tags: vec!["admin".to_owned(), String::new(), "ΑΒΓ".to_owned()],
                theme: Some("dark".to_owned()),
            },
        }
    }
}

/// Runs every check: the required part and the part of each optional operation.
///
/// `make_store` is called once per check and must give a fresh, empty store that
/// shares nothing with the ones before.
///
/// # Panics
///
/// When the store fails a check; the message names the check's behaviour.
pub async fn run_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<TestData>
        + FetchUserSessions<TestData>
        + DeleteUserSessions<TestData>
        + DeleteExpiredSessions<TestData>,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    run_required_conformance(&mut make_store).await;
    run_fetch_user_sessions_conformance(&mut make_store).await;
    run_delete_user_sessions_conformance(&mut make_store).await;
    run_delete_expired_conformance(&mut make_store).await;
}

/// Runs the checks of the four required operations, for any [`SessionStore`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_required_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<TestData>,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    create_returns_new_session_stored_under_token_hash(make_store().await).await;
    is_new_is_set_on_create_only(make_store().await).await;
    store_returns_saved_session_unchanged(make_store().await).await;
    custom_data_round_trips(make_store().await).await;
    validate_returns_none_for_unknown_token(make_store().await).await;
    validate_returns_none_for_malformed_tokens(make_store().await).await;
    validate_deletes_expired_session(make_store().await).await;
    validate_keeps_expiry_with_more_than_half_left(make_store().await).await;
    validate_extends_session_with_less_than_half_left(make_store().await).await;
    invalidate_session_deletes_only_that_session(make_store().await).await;
    deleting_missing_session_is_not_an_error(make_store().await).await;
    update_session_expiry_never_inserts(make_store().await).await;
    concurrent_creates_and_validations_keep_every_session(make_store().await).await;
    sign_out_racing_extension_never_leaves_session_alive(make_store().await).await;
}

/// Runs the checks of [`FetchUserSessions`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_fetch_user_sessions_conformance<S, F, Fut>(mut make_store: F)
where
    S: FetchUserSessions<TestData>,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    fetch_sessions_for_user_lists_only_that_users_sessions(make_store().await).await;
    fetch_sessions_for_user_without_sessions_is_empty(make_store().await).await;
    fetch_sessions_for_user_reflects_extension_and_invalidation(make_store().await).await;
    concurrent_creates_for_one_user_are_all_listed(make_store().await).await;
}

/// Runs the checks of [`DeleteUserSessions`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_delete_user_sessions_conformance<S, F, Fut>(mut make_store: F)
where
    S: DeleteUserSessions<TestData>,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    delete_sessions_for_user_leaves_other_users_alone(make_store().await).await;
    delete_sessions_for_unknown_user_is_not_an_error(make_store().await).await;
}

/// Runs the checks of [`DeleteExpiredSessions`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_delete_expired_conformance<S, F, Fut>(mut make_store: F)
where
    S: DeleteExpiredSessions<TestData>,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    delete_all_expired_sessions_deletes_expired_only(make_store().await).await;
}

// ---------------------------------------------------------------------------
// The four required operations.
// ---------------------------------------------------------------------------

/// `create_session` stores the session under the SHA-256 of the token, expiring
/// one session length from now, and returns it with `is_new()` set.
pub async fn create_returns_new_session_stored_under_token_hash<S: SessionStore<TestData>>(
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
        ok(
            narvik.store().fetch_session(&created.session.id).await,
            "fetch_session",
        ),
        "the store lost the session create_session saved",
    );
    assert_eq!(
        stored, created.session,
        "the store must return the session as saved"
    );
}

/// `is_new()` is set on the session `create_session` returns and on no session
/// read back later, extended or not.
pub async fn is_new_is_set_on_create_only<S: SessionStore<TestData>>(store: S) {
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
        ok(
            narvik.store().fetch_session(&created.session.id).await,
            "fetch_session",
        ),
        "the session is gone",
    );
    assert!(
        !fetched.is_new() && !fetched.is_extended(),
        "the flags are never stored"
    );
}

/// A session saved with `save_session` comes back from `fetch_session` equal, with
/// no flag set; a session saved directly validates with its token.
pub async fn store_returns_saved_session_unchanged<S: SessionStore<TestData>>(store: S) {
    let (narvik, clock) = narvik_over(store);
    let token = SessionToken::generate();
    let expires_at = now(&clock) + SESSION_LENGTH;
    let mut session = Session::new(token.session_id(), "user-ü", expires_at, TestData::full());
    let saved = session.clone();
    ok(
        narvik.store().save_session(&mut session).await,
        "save_session",
    );
    assert_eq!(session, saved, "save_session changed the session");

    let fetched = some(
        ok(
            narvik.store().fetch_session(&saved.id).await,
            "fetch_session",
        ),
        "fetch_session lost a saved session",
    );
    assert_eq!(fetched, saved, "fetch_session changed the session");
    assert!(!fetched.is_new() && !fetched.is_extended());

    let validated = validate(&narvik, &token).await;
    assert_eq!(validated, saved);
}

/// Custom data comes back exactly as given: `None` and `Some`, empty strings,
/// unicode and escapes, numbers at their limits, timestamps, nested structs.
pub async fn custom_data_round_trips<S: SessionStore<TestData>>(store: S) {
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
pub async fn validate_returns_none_for_unknown_token<S: SessionStore<TestData>>(store: S) {
    let (narvik, _clock) = narvik_over(store);
    let _other = create(&narvik, "user-1", TestData::named("alice")).await;
    let unknown = SessionToken::generate();
    assert_none(&narvik, unknown.as_str(), "a token that was never issued").await;
}

/// Tokens of the wrong shape validate to `None`, even when they are a real token
/// changed only in case or length.
pub async fn validate_returns_none_for_malformed_tokens<S: SessionStore<TestData>>(store: S) {
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
        created.session.id.clone(),
    ];
    for candidate in &malformed {
        assert_none(&narvik, candidate, "a malformed token").await;
    }
    // The real token still works: the malformed ones touched nothing.
    validate(&narvik, &created.token).await;
}

/// Once `now >= expires_at`, validation answers `None` and the session is gone from
/// the store; other sessions stay.
pub async fn validate_deletes_expired_session<S: SessionStore<TestData>>(store: S) {
    let (narvik, clock) = narvik_over(store);
    let expiring = create(&narvik, "user-1", TestData::named("alice")).await;
    clock.advance(Duration::SECOND);
    let later = create(&narvik, "user-1", TestData::named("alice")).await;

    // Exactly at `expires_at` the first session is over; the second has a second left.
    clock.set(expiring.session.expires_at);
    assert_none(&narvik, expiring.token.as_str(), "a session at its expiry").await;
    assert!(
        fetch(&narvik, &expiring.session.id).await.is_none(),
        "validation must delete an expired session from the store"
    );
    assert!(
        fetch(&narvik, &later.session.id).await.is_some(),
        "deleting an expired session deleted another one"
    );

    clock.advance(Duration::days(365));
    assert_none(&narvik, later.token.as_str(), "a session long expired").await;
    assert!(fetch(&narvik, &later.session.id).await.is_none());
}

/// With more than half the session length left, validation leaves the expiry alone
/// and does not set `is_extended()`.
pub async fn validate_keeps_expiry_with_more_than_half_left<S: SessionStore<TestData>>(store: S) {
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
pub async fn validate_extends_session_with_less_than_half_left<S: SessionStore<TestData>>(
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
pub async fn invalidate_session_deletes_only_that_session<S: SessionStore<TestData>>(store: S) {
    let (narvik, _clock) = narvik_over(store);
    let signing_out = create(&narvik, "user-1", TestData::named("alice")).await;
    let same_user = create(&narvik, "user-1", TestData::named("alice")).await;
    let other_user = create(&narvik, "user-2", TestData::named("bob")).await;

    ok(
        narvik.invalidate_session(&signing_out.session.id).await,
        "invalidate_session",
    );
    assert_none(
        &narvik,
        signing_out.token.as_str(),
        "an invalidated session",
    )
    .await;
    assert!(fetch(&narvik, &signing_out.session.id).await.is_none());
    validate(&narvik, &same_user.token).await;
    validate(&narvik, &other_user.token).await;
}

/// Deleting a session that does not exist, or no longer does, succeeds.
pub async fn deleting_missing_session_is_not_an_error<S: SessionStore<TestData>>(store: S) {
    let (narvik, _clock) = narvik_over(store);
    let never_stored = SessionToken::generate().session_id();
    ok(
        narvik.invalidate_session(&never_stored).await,
        "invalidate_session of a session never stored",
    );
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    ok(
        narvik.invalidate_session(&created.session.id).await,
        "invalidate_session",
    );
    ok(
        narvik.invalidate_session(&created.session.id).await,
        "invalidate_session of a session already deleted",
    );
}

/// `update_session_expiry` of a missing session stores nothing: a session deleted
/// by a sign-out must not come back.
pub async fn update_session_expiry_never_inserts<S: SessionStore<TestData>>(store: S) {
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
    ok(
        narvik.invalidate_session(&created.session.id).await,
        "invalidate_session",
    );
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

/// Many tasks creating and validating sessions of one user at once: every session
/// is stored and validates afterwards.
pub async fn concurrent_creates_and_validations_keep_every_session<S: SessionStore<TestData>>(
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
pub async fn sign_out_racing_extension_never_leaves_session_alive<S: SessionStore<TestData>>(
    store: S,
) {
    let (narvik, clock) = narvik_over(store);
    for round in 0..RACE_ROUNDS {
        let created = create(&narvik, "user-1", TestData::named(format!("round {round}"))).await;
        // Less than half left: every validation below extends.
        clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
        let token = created.token.clone();
        let session_id = created.session.id.clone();

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
        join_all(tasks).await;

        assert!(
            fetch(&narvik, &created.session.id).await.is_none(),
            "round {round}: an extension racing a sign-out left the session in the store"
        );
        assert_none(&narvik, created.token.as_str(), "a signed-out session").await;
    }
}

// ---------------------------------------------------------------------------
// FetchUserSessions.
// ---------------------------------------------------------------------------

/// `fetch_sessions_for_user` lists every session of that user and none of another.
pub async fn fetch_sessions_for_user_lists_only_that_users_sessions<S>(store: S)
where
    S: FetchUserSessions<TestData>,
{
    let (narvik, _clock) = narvik_over(store);
    let mut alice = BTreeSet::new();
    for _ in 0..3 {
        alice.insert(
            create(&narvik, "alice", TestData::named("alice"))
                .await
                .session
                .id,
        );
    }
    let bob = create(&narvik, "bob", TestData::full()).await;
    // A user id that is a prefix of another must not match it.
    let alice_prefix = create(&narvik, "alic", TestData::named("alic")).await;

    let listed = ok(
        narvik.fetch_sessions_for_user("alice").await,
        "fetch_sessions_for_user",
    );
    assert!(
        listed.iter().all(|session| session.user_id == "alice"),
        "fetch_sessions_for_user returned another user's session"
    );
    assert_eq!(ids(&listed), alice, "fetch_sessions_for_user(\"alice\")");

    let listed = ok(
        narvik.fetch_sessions_for_user("bob").await,
        "fetch_sessions_for_user",
    );
    assert_eq!(listed.len(), 1, "fetch_sessions_for_user(\"bob\")");
    assert_eq!(
        listed[0], bob.session,
        "fetch_sessions_for_user changed the session"
    );
    assert!(!listed[0].is_new() && !listed[0].is_extended());

    let listed = ok(
        narvik.fetch_sessions_for_user("alic").await,
        "fetch_sessions_for_user",
    );
    assert_eq!(ids(&listed), BTreeSet::from([alice_prefix.session.id]));
}

/// A user without sessions has an empty list, not an error.
pub async fn fetch_sessions_for_user_without_sessions_is_empty<S>(store: S)
where
    S: FetchUserSessions<TestData>,
{
    let (narvik, _clock) = narvik_over(store);
    let listed = ok(
        narvik.fetch_sessions_for_user("nobody").await,
        "fetch_sessions_for_user on an empty store",
    );
    assert!(listed.is_empty());
    let created = create(&narvik, "alice", TestData::named("alice")).await;
    ok(
        narvik.invalidate_session(&created.session.id).await,
        "invalidate_session",
    );
    let listed = ok(
        narvik.fetch_sessions_for_user("alice").await,
        "fetch_sessions_for_user",
    );
    assert!(
        listed.is_empty(),
        "fetch_sessions_for_user listed an invalidated session"
    );
}

/// The list shows the extended expiry and drops invalidated sessions.
pub async fn fetch_sessions_for_user_reflects_extension_and_invalidation<S>(store: S)
where
    S: FetchUserSessions<TestData>,
{
    let (narvik, clock) = narvik_over(store);
    let kept = create(&narvik, "alice", TestData::named("alice")).await;
    let ended = create(&narvik, "alice", TestData::named("alice")).await;
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &kept.token).await;
    assert!(extended.is_extended());
    ok(
        narvik.invalidate_session(&ended.session.id).await,
        "invalidate_session",
    );

    let listed = ok(
        narvik.fetch_sessions_for_user("alice").await,
        "fetch_sessions_for_user",
    );
    assert_eq!(listed.len(), 1, "fetch_sessions_for_user after a sign-out");
    assert_eq!(listed[0].id, kept.session.id);
    assert_eq!(
        listed[0].expires_at, extended.expires_at,
        "fetch_sessions_for_user returned the expiry from before the extension"
    );
}

/// Many tasks creating and validating sessions of one user at once: the user's
/// list holds every one of them afterwards.
pub async fn concurrent_creates_for_one_user_are_all_listed<S>(store: S)
where
    S: FetchUserSessions<TestData>,
{
    let (narvik, _clock) = narvik_over(store);
    let created = create_concurrently(&narvik, "user-1").await;
    let expected: BTreeSet<String> = created.into_iter().map(|(_, id)| id).collect();
    let listed = ok(
        narvik.fetch_sessions_for_user("user-1").await,
        "fetch_sessions_for_user",
    );
    assert_eq!(
        listed.len(),
        expected.len(),
        "fetch_sessions_for_user lost or duplicated sessions created concurrently"
    );
    assert_eq!(ids(&listed), expected);
}

// ---------------------------------------------------------------------------
// DeleteUserSessions.
// ---------------------------------------------------------------------------

/// `delete_sessions_for_user` ends every session of that user and no other's.
pub async fn delete_sessions_for_user_leaves_other_users_alone<S>(store: S)
where
    S: DeleteUserSessions<TestData>,
{
    let (narvik, _clock) = narvik_over(store);
    let mut alice = Vec::new();
    for _ in 0..3 {
        alice.push(create(&narvik, "alice", TestData::named("alice")).await);
    }
    let bob = create(&narvik, "bob", TestData::named("bob")).await;
    let alice_prefix = create(&narvik, "alic", TestData::named("alic")).await;

    ok(
        narvik.delete_sessions_for_user("alice").await,
        "delete_sessions_for_user",
    );
    for created in &alice {
        assert_none(
            &narvik,
            created.token.as_str(),
            "a session of a deleted user",
        )
        .await;
        assert!(fetch(&narvik, &created.session.id).await.is_none());
    }
    validate(&narvik, &bob.token).await;
    validate(&narvik, &alice_prefix.token).await;

    // The user can sign in again afterwards.
    let again = create(&narvik, "alice", TestData::named("alice")).await;
    validate(&narvik, &again.token).await;
}

/// Deleting the sessions of a user who has none succeeds and deletes nothing.
pub async fn delete_sessions_for_unknown_user_is_not_an_error<S>(store: S)
where
    S: DeleteUserSessions<TestData>,
{
    let (narvik, _clock) = narvik_over(store);
    let bob = create(&narvik, "bob", TestData::named("bob")).await;
    ok(
        narvik.delete_sessions_for_user("nobody").await,
        "delete_sessions_for_user of a user without sessions",
    );
    validate(&narvik, &bob.token).await;
}

// ---------------------------------------------------------------------------
// DeleteExpiredSessions.
// ---------------------------------------------------------------------------

/// `delete_all_expired_sessions` deletes the sessions whose expiry is at or before
/// now, and keeps the rest, including one that validation has just extended.
pub async fn delete_all_expired_sessions_deletes_expired_only<S>(store: S)
where
    S: DeleteExpiredSessions<TestData>,
{
    let (narvik, clock) = narvik_over(store);
    ok(
        narvik.delete_all_expired_sessions().await,
        "delete_all_expired_sessions on an empty store",
    );

    let long_expired = create(&narvik, "alice", TestData::named("alice")).await;
    clock.advance(Duration::days(1));
    let expiring_now = create(&narvik, "bob", TestData::named("bob")).await;
    let extended_later = create(&narvik, "bob", TestData::named("bob")).await;
    clock.advance(Duration::SECOND);
    let one_second_left = create(&narvik, "alice", TestData::named("alice")).await;

    clock.set(extended_later.session.expires_at - Duration::SECOND);
    let extended = validate(&narvik, &extended_later.token).await;
    assert!(extended.is_extended());

    // `expiring_now` (and `extended_later` before its extension) expire exactly now.
    clock.set(expiring_now.session.expires_at);
    ok(
        narvik.delete_all_expired_sessions().await,
        "delete_all_expired_sessions",
    );

    for (expired, what) in [
        (&long_expired, "a session expired a day ago"),
        (&expiring_now, "a session expiring exactly now"),
    ] {
        assert!(
            fetch(&narvik, &expired.session.id).await.is_none(),
            "delete_all_expired_sessions kept {what}"
        );
    }
    for (live, what) in [
        (&one_second_left, "a session with a second left"),
        (&extended_later, "a session extended by validation"),
    ] {
        assert!(
            fetch(&narvik, &live.session.id).await.is_some(),
            "delete_all_expired_sessions deleted {what}"
        );
        validate(&narvik, &live.token).await;
    }
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

/// A [`Narvik`] over `store` with the suite's settings and a [`ManualClock`]
/// starting now, cut to whole seconds; the clock is returned to move it.
fn narvik_over<S: SessionStore<TestData>>(store: S) -> (Narvik<TestData, S>, ManualClock) {
    let wall_clock = OffsetDateTime::now_utc();
    let start = wall_clock - Duration::nanoseconds(i64::from(wall_clock.nanosecond()));
    let clock = ManualClock::new(start);
    let narvik = ok(
        Narvik::<TestData, S>::builder(store)
            .session_expires_in(SESSION_LENGTH)
            .clock(clock.clone())
            .build(),
        "building Narvik",
    );
    (narvik, clock)
}

fn now(clock: &ManualClock) -> OffsetDateTime {
    crate::Clock::now(clock)
}

/// The value of `result`, or a panic naming the operation and the error's causes.
#[track_caller]
fn ok<T>(result: Result<T>, operation: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("conformance: {operation} failed: {}", causes(&error)),
    }
}

/// The value of `option`, or a panic saying why it had to be there.
#[track_caller]
fn some<T>(option: Option<T>, missing: &str) -> T {
    match option {
        Some(value) => value,
        None => panic!("conformance: {missing}"),
    }
}

fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn create<S: SessionStore<TestData>>(
    narvik: &Narvik<TestData, S>,
    user_id: &str,
    data: TestData,
) -> crate::CreatedSession<TestData> {
    ok(narvik.create_session(user_id, data).await, "create_session")
}

/// The session of `token`, which must be valid.
#[track_caller]
fn validated(session: Option<Session<TestData>>, token: &SessionToken) -> Session<TestData> {
    match session {
        Some(session) => session,
        None => panic!(
            "conformance: validate_session answered None for the live session {}",
            token.session_id()
        ),
    }
}

async fn validate<S: SessionStore<TestData>>(
    narvik: &Narvik<TestData, S>,
    token: &SessionToken,
) -> Session<TestData> {
    let session = ok(
        narvik.validate_session(token.as_str()).await,
        "validate_session",
    );
    validated(session, token)
}

async fn assert_none<S: SessionStore<TestData>>(
    narvik: &Narvik<TestData, S>,
    token: &str,
    what: impl Display,
) {
    let session = ok(narvik.validate_session(token).await, "validate_session");
    if let Some(session) = session {
        panic!(
            "conformance: validate_session of {what} ({token:?}) returned session {}",
            session.id
        );
    }
}

async fn fetch<S: SessionStore<TestData>>(
    narvik: &Narvik<TestData, S>,
    session_id: &str,
) -> Option<Session<TestData>> {
    ok(
        narvik.store().fetch_session(session_id).await,
        "fetch_session",
    )
}

fn ids(sessions: &[Session<TestData>]) -> BTreeSet<String> {
    sessions.iter().map(|session| session.id.clone()).collect()
}

/// Creates and validates `TASKS * SESSIONS_PER_TASK` sessions of `user_id` from
/// `TASKS` tasks at once; returns each token with its session id.
async fn create_concurrently<S: SessionStore<TestData>>(
    narvik: &Narvik<TestData, S>,
    user_id: &str,
) -> Vec<(SessionToken, String)> {
    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let narvik = narvik.clone();
        let user_id = user_id.to_owned();
        tasks.spawn(async move {
            let mut created = Vec::with_capacity(SESSIONS_PER_TASK);
            for index in 0..SESSIONS_PER_TASK {
                let data = TestData::named(format!("task {task} session {index}"));
                let session = create(&narvik, &user_id, data.clone()).await;
                let validated = validate(&narvik, &session.token).await;
                assert_eq!(validated.data, data, "a concurrent create mixed up data");
                created.push((session.token, session.session.id));
            }
            created
        });
    }
    join_all(tasks).await.into_iter().flatten().collect()
}

/// Waits for every task, passing a task's panic on as it was.
async fn join_all<T: 'static>(mut tasks: JoinSet<T>) -> Vec<T> {
    let mut outputs = Vec::with_capacity(tasks.len());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(output) => outputs.push(output),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("conformance: a task was cancelled: {error}"),
        }
    }
    outputs
}
