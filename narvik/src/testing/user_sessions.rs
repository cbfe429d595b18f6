//! Checks of [`FetchUserSessions`] and [`DeleteUserSessions`]: a user's sessions.

use std::collections::BTreeSet;

use time::Duration;

use super::helpers::{
    assert_gone, create, create_concurrently, create_sessions, fetch, ids, invalidate, narvik_over,
    now, ok, save_with_times, sessions_of, some, validate,
};
use super::{TestData, SESSION_LENGTH};
use crate::store::{DeleteUserSessions, FetchUserSessions};
use crate::{SessionId, SessionTimes};

/// `fetch_sessions_for_user` lists every session of that user and none of another.
pub async fn fetch_sessions_for_user_lists_only_that_users_sessions<S>(store: S)
where
    S: FetchUserSessions<Data = TestData> + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let alice: BTreeSet<SessionId> = create_sessions(&narvik, "alice", 3)
        .await
        .iter()
        .map(|created| created.session.id)
        .collect();
    let bob = create(&narvik, "bob", TestData::full()).await;
    // A user id that is a prefix of another must not match it.
    let alice_prefix = create(&narvik, "alic", TestData::named("alic")).await;

    let listed = sessions_of(&narvik, "alice").await;
    assert!(
        listed.iter().all(|session| session.user_id == "alice"),
        "fetch_sessions_for_user returned another user's session"
    );
    assert_eq!(ids(&listed), alice, "fetch_sessions_for_user(\"alice\")");

    let listed = sessions_of(&narvik, "bob").await;
    assert_eq!(listed.len(), 1, "fetch_sessions_for_user(\"bob\")");
    assert_eq!(
        listed[0], bob.session,
        "fetch_sessions_for_user changed the session"
    );
    assert!(!listed[0].is_new() && !listed[0].is_extended());

    let listed = sessions_of(&narvik, "alic").await;
    assert_eq!(ids(&listed), BTreeSet::from([alice_prefix.session.id]));
}

/// A user without sessions has an empty list, not an error.
pub async fn fetch_sessions_for_user_without_sessions_is_empty<S>(store: S)
where
    S: FetchUserSessions<Data = TestData> + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let listed = sessions_of(&narvik, "nobody").await;
    assert!(listed.is_empty());
    let created = create(&narvik, "alice", TestData::named("alice")).await;
    invalidate(&narvik, &created.session.id).await;
    let listed = sessions_of(&narvik, "alice").await;
    assert!(
        listed.is_empty(),
        "fetch_sessions_for_user listed an invalidated session"
    );
}

/// The list shows the extended expiry and drops invalidated sessions.
pub async fn fetch_sessions_for_user_reflects_extension_and_invalidation<S>(store: S)
where
    S: FetchUserSessions<Data = TestData> + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let kept = create(&narvik, "alice", TestData::named("alice")).await;
    let ended = create(&narvik, "alice", TestData::named("alice")).await;
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &kept.token).await;
    assert!(extended.is_extended());
    invalidate(&narvik, &ended.session.id).await;

    let listed = sessions_of(&narvik, "alice").await;
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
    S: FetchUserSessions<Data = TestData> + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let created = create_concurrently(&narvik, "user-1").await;
    let expected: BTreeSet<SessionId> = created.into_iter().map(|(_, id)| id).collect();
    let listed = sessions_of(&narvik, "user-1").await;
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
    S: DeleteUserSessions<Data = TestData> + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let alice = create_sessions(&narvik, "alice", 3).await;
    let bob = create(&narvik, "bob", TestData::named("bob")).await;
    let alice_prefix = create(&narvik, "alic", TestData::named("alic")).await;

    ok(
        narvik.delete_sessions_for_user("alice").await,
        "delete_sessions_for_user",
    );
    for created in &alice {
        assert_gone(&narvik, created, "a session of a deleted user").await;
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
    S: DeleteUserSessions<Data = TestData> + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let bob = create(&narvik, "bob", TestData::named("bob")).await;
    ok(
        narvik.delete_sessions_for_user("nobody").await,
        "delete_sessions_for_user of a user without sessions",
    );
    validate(&narvik, &bob.token).await;
}

/// `fetch_sessions_for_user` returns each session's `issued_at` and
/// `authenticated_at` as stored: set by sign-in, three different stamps, or
/// [`UNKNOWN_TIME`](crate::UNKNOWN_TIME) (a session of narvik 0.1).
pub async fn fetch_sessions_for_user_keeps_time_stamps<S>(store: S)
where
    S: FetchUserSessions<Data = TestData> + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let signed_in = create(&narvik, "alice", TestData::named("alice")).await;
    let mut expected = vec![signed_in.session];
    for authenticated_at in [now(&clock) - Duration::minutes(7), crate::UNKNOWN_TIME] {
        let times = SessionTimes {
            issued_at: now(&clock) - Duration::hours(2),
            authenticated_at,
            expires_at: now(&clock) + SESSION_LENGTH,
        };
        let token = save_with_times(&narvik, "alice", times).await;
        let stored = some(
            fetch(&narvik, &token.session_id()).await,
            "fetch_session lost a saved session",
        );
        expected.push(stored);
    }
    let mut listed = sessions_of(&narvik, "alice").await;
    listed.sort_by_key(|session| session.id);
    expected.sort_by_key(|session| session.id);
    assert_eq!(
        listed, expected,
        "fetch_sessions_for_user must return every field as stored, issued_at and \
         authenticated_at too"
    );
}
