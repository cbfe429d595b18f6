//! The store conformance suite, for authors of stores (feature `testing`).
//!
//! One suite, written once, that every store runs: the built-in ones, the stores of
//! other crates, and yours. Each check is an `async fn` named by the behaviour it
//! pins; it takes a fresh store, drives it through [`Narvik`](crate::Narvik) (with a
//! [`ManualClock`](crate::ManualClock), so nothing sleeps) and panics with a message saying what went
//! wrong. The `run_*` functions call the checks in turn, each with a new store from
//! the factory you give them.
//!
//! | runner | for stores implementing | what it covers |
//! | --- | --- | --- |
//! | [`run_conformance`] | every trait below | all of it, and that a user's list follows rotations and the limit; what every built-in store runs |
//! | [`run_required_conformance`] | [`SessionStore`] (the four required operations) | create, validate, extend, sign out, races of sign-out and extension; the time stamps and the absolute lifetime |
//! | [`run_fetch_user_sessions_conformance`] | also [`FetchUserSessions`] | a user's list, its time stamps |
//! | [`run_delete_user_sessions_conformance`] | also [`DeleteUserSessions`] | sign out everywhere |
//! | [`run_delete_expired_conformance`] | also [`DeleteExpiredSessions`] | clean-up of expired sessions |
//! | [`run_rotate_conformance`] | also [`RotateSessions`] | a new token, `reauthenticate`, races of rotation with validation and with sign-out |
//! | [`run_delete_other_conformance`] | also [`DeleteOtherUserSessions`] and [`FetchUserSessions`] | sign out everywhere else, atomic under concurrent sign-ins |
//! | [`run_delete_all_conformance`] | also [`DeleteAllSessions`] | end every session of every user |
//! | [`run_limit_conformance`] | also [`LimitUserSessions`] | both limit policies, [`CONCURRENT_SIGN_INS`] sign-ins at once |
//! | [`run_update_data_conformance`] | also [`UpdateSessionData`], and `Clone` (two `Narvik` instances over one store) | typed data updates: conflicts, no resurrection, 100 concurrent modifies losing none; run beside [`run_conformance`] (it needs `Clone`), as every built-in store but `CallbackStore` does |
//!
//! [`error_chain`] prints an error with its causes, as a log shows it, for tests
//! of the errors a store returns.
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
//! A store with only some of the optional traits runs the required part, plus the
//! part of each optional trait it does implement (a
//! [`CallbackStore`](crate::CallbackStore) with every callback runs every part but
//! [`run_limit_conformance`], and [`rotated_session_is_listed_and_ended_with_its_user`]);
//! with the four required operations only:
//!
//! ```
//! use narvik::testing::{self, TestData};
//! use narvik::SessionStore;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! // A trait object of the four required operations, whatever store is inside.
//! testing::run_required_conformance(|| async {
//!     Box::new(narvik::MemoryStore::new()) as Box<dyn SessionStore<Data = TestData> + 'static>
//! })
//! .await;
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
//! only moves by whole seconds, so every time stamp a check stores is a whole
//! second, and every `expires_at` lies in the future of the real clock: stores that
//! keep seconds only, or set a TTL from `expires_at`, pass as long as they hand
//! back what they were given. `issued_at` and `authenticated_at` may lie in the
//! past, as far back as [`UNKNOWN_TIME`](crate::UNKNOWN_TIME) (the Unix epoch):
//! a store must keep that value too.

use std::future::Future;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::store::{
    DeleteAllSessions, DeleteExpiredSessions, DeleteOtherUserSessions, DeleteUserSessions,
    FetchUserSessions, LimitUserSessions, RotateSessions, UpdateSessionData,
};
use crate::{SessionData, SessionStore};

mod all_sessions;
mod data_updates;
mod error_chain;
mod expired;
mod helpers;
mod lifecycle;
mod limit;
mod other_sessions;
mod required;
mod rotation;
mod user_sessions;

pub use self::all_sessions::*;
pub use self::data_updates::*;
pub use self::error_chain::error_chain;
pub use self::expired::*;
pub use self::lifecycle::*;
pub use self::limit::*;
pub use self::other_sessions::*;
pub use self::required::*;
pub use self::rotation::*;
pub use self::user_sessions::*;

/// The session length the checks configure: the default, 30 days.
pub const SESSION_LENGTH: Duration = Duration::days(30);

/// Tasks racing in the concurrency checks.
pub(crate) const TASKS: usize = 16;
/// Sessions each racing task creates.
pub(crate) const SESSIONS_PER_TASK: usize = 16;
/// Rounds of each race: sign-out against extension, rotation against validation
/// and against sign-out.
pub(crate) const RACE_ROUNDS: usize = 64;

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

/// Runs every check: the required part and the part of each optional operation,
/// the lifecycle controls included. Every built-in store runs it.
///
/// `make_store` is called once per check and must give a fresh, empty store that
/// shares nothing with the ones before.
///
/// # Panics
///
/// When the store fails a check; the message names the check's behaviour.
pub async fn run_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData>
        + FetchUserSessions
        + DeleteUserSessions
        + DeleteExpiredSessions
        + RotateSessions
        + DeleteOtherUserSessions
        + DeleteAllSessions
        + LimitUserSessions
        + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    run_required_conformance(&mut make_store).await;
    run_fetch_user_sessions_conformance(&mut make_store).await;
    run_delete_user_sessions_conformance(&mut make_store).await;
    run_delete_expired_conformance(&mut make_store).await;
    run_rotate_conformance(&mut make_store).await;
    run_delete_other_conformance(&mut make_store).await;
    run_delete_all_conformance(&mut make_store).await;
    run_limit_conformance(&mut make_store).await;
    // What spans traits: the user's list follows rotations and the limit.
    rotated_session_is_listed_and_ended_with_its_user(make_store().await).await;
    limited_sign_ins_keep_users_list_in_step(make_store().await).await;
}

/// Runs the checks of the four required operations, for any [`SessionStore`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_required_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData> + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    create_returns_new_session_stored_under_token_hash(make_store().await).await;
    is_new_is_set_on_create_only(make_store().await).await;
    store_returns_saved_session_unchanged(make_store().await).await;
    custom_data_round_trips(make_store().await).await;
    longest_user_id_is_kept_whole_and_longer_refused(make_store().await).await;
    fetch_session_now_agrees_with_fetch_session(make_store().await).await;
    validate_returns_none_for_unknown_token(make_store().await).await;
    validate_returns_none_for_malformed_tokens(make_store().await).await;
    validate_deletes_expired_session(make_store().await).await;
    validate_keeps_expiry_with_more_than_half_left(make_store().await).await;
    validate_extends_session_with_less_than_half_left(make_store().await).await;
    invalidate_session_deletes_only_that_session(make_store().await).await;
    deleting_missing_session_is_not_an_error(make_store().await).await;
    update_session_expiry_never_inserts(make_store().await).await;
    extend_session_never_inserts(make_store().await).await;
    concurrent_creates_and_validations_keep_every_session(make_store().await).await;
    sign_out_racing_extension_never_leaves_session_alive(make_store().await).await;
    time_stamps_are_set_at_creation_and_kept(make_store().await).await;
    absolute_lifetime_ends_session_however_active(make_store().await).await;
    extension_never_moves_expiry_past_absolute_deadline(make_store().await).await;
}

/// Runs the checks of [`FetchUserSessions`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_fetch_user_sessions_conformance<S, F, Fut>(mut make_store: F)
where
    S: FetchUserSessions<Data = TestData> + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    fetch_sessions_for_user_lists_only_that_users_sessions(make_store().await).await;
    fetch_sessions_for_user_without_sessions_is_empty(make_store().await).await;
    fetch_sessions_for_user_reflects_extension_and_invalidation(make_store().await).await;
    concurrent_creates_for_one_user_are_all_listed(make_store().await).await;
    fetch_sessions_for_user_keeps_time_stamps(make_store().await).await;
}

/// Runs the checks of [`DeleteUserSessions`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_delete_user_sessions_conformance<S, F, Fut>(mut make_store: F)
where
    S: DeleteUserSessions<Data = TestData> + 'static,
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
    S: DeleteExpiredSessions<Data = TestData> + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    delete_all_expired_sessions_deletes_expired_only(make_store().await).await;
}

/// Runs the checks of [`RotateSessions`]: rotation, re-authentication, and the
/// races of rotation with validation and with sign-out.
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_rotate_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    rotate_session_moves_session_to_new_token(make_store().await).await;
    rotate_session_replaces_authenticated_at_only_when_given(make_store().await).await;
    reauthenticate_stamps_authenticated_at_and_rotates(make_store().await).await;
    rotating_missing_session_returns_none_and_stores_nothing(make_store().await).await;
    rotation_keeps_absolute_deadline(make_store().await).await;
    rotation_racing_validation_never_lets_old_token_validate(make_store().await).await;
    rotation_racing_sign_out_never_resurrects_session(make_store().await).await;
}

/// Runs the checks of [`UpdateSessionData`]: typed data updates that never lose
/// a write and never bring a session back.
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_update_data_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + Clone + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    update_session_data_changes_the_data_and_nothing_else(make_store().await).await;
    update_from_stale_read_is_a_conflict(make_store().await).await;
    update_never_resurrects_a_session(make_store().await).await;
    modify_applies_the_change_to_the_stored_data(make_store().await).await;
    concurrent_modifies_from_two_instances_lose_no_update(make_store().await).await;
    extension_keeps_an_update_made_since_the_read(make_store().await).await;
}

/// Runs the checks of [`DeleteOtherUserSessions`]; the race with concurrent
/// sign-ins reads the user's list, so the store needs [`FetchUserSessions`] too.
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_delete_other_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData> + DeleteOtherUserSessions + FetchUserSessions + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    delete_other_sessions_keeps_only_the_kept_one(make_store().await).await;
    delete_other_sessions_racing_sign_ins_leaves_each_gone_or_whole(make_store().await).await;
}

/// Runs the checks of [`DeleteAllSessions`].
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_delete_all_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData> + DeleteAllSessions + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    delete_all_sessions_ends_every_users_sessions(make_store().await).await;
}

/// Runs the checks of [`LimitUserSessions`], both policies, each under
/// [`CONCURRENT_SIGN_INS`] sign-ins of one user at once.
///
/// # Panics
///
/// When the store fails a check.
pub async fn run_limit_conformance<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    session_limit_ends_least_recently_extended_session(make_store().await).await;
    session_limit_never_ends_the_new_session(make_store().await).await;
    session_limit_refuse_new_refuses_sign_in_at_limit(make_store().await).await;
    session_limit_does_not_count_expired_sessions(make_store().await).await;
    concurrent_sign_ins_end_sessions_down_to_exactly_the_limit(make_store().await).await;
    concurrent_sign_ins_refused_beyond_the_limit(make_store().await).await;
}
