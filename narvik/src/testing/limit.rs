//! Checks of [`LimitUserSessions`]: at most so many live sessions per user,
//! atomically under concurrent sign-ins.

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;
use tokio::task::JoinSet;

use super::helpers::{
    assert_gone, assert_none, create, create_sessions, fetch, ids, narvik_with, ok, sessions_of,
    validate,
};
use super::{TestData, SESSION_LENGTH};
use crate::store::{FetchUserSessions, LimitUserSessions};
use crate::{CreatedSession, Error, ManualClock, Narvik, Result, SessionLimitPolicy, SessionStore};

/// Sign-ins of one user at once in the concurrency checks.
pub const CONCURRENT_SIGN_INS: usize = 50;
/// The limit those checks set.
pub const CONCURRENT_LIMIT: u32 = 5;

/// A Narvik over `store` allowing `max` sessions per user under `policy`.
fn limited<S>(store: S, max: u32, policy: SessionLimitPolicy) -> (Narvik<S>, ManualClock)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
{
    narvik_with(store, |builder| {
        builder
            .max_sessions_per_user(max)
            .session_limit_policy(policy)
    })
}

/// Under [`SessionLimitPolicy::EndLeastRecentlyExtended`], a sign-in beyond the
/// limit ends the user's session with the earliest `expires_at`, even when it was
/// created after one that validation has extended since; other users' sessions
/// stay.
pub async fn session_limit_ends_least_recently_extended_session<S>(store: S)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
{
    let (narvik, clock) = limited(store, 3, SessionLimitPolicy::EndLeastRecentlyExtended);
    let bob = create_sessions(&narvik, "bob", 3).await;
    let first = create(&narvik, "alice", TestData::named("first")).await;
    clock.advance(Duration::SECOND);
    let second = create(&narvik, "alice", TestData::named("second")).await;
    clock.advance(Duration::SECOND);
    let third = create(&narvik, "alice", TestData::named("third")).await;

    // The first is extended: now the second expires earliest.
    clock.advance(SESSION_LENGTH / 2);
    assert!(validate(&narvik, &first.token).await.is_extended());
    let fourth = create(&narvik, "alice", TestData::named("fourth")).await;
    assert_gone(
        &narvik,
        &second,
        "the least recently extended session, after a sign-in beyond the limit",
    )
    .await;
    // Fetched, not validated: a validation now would extend them and change
    // which expires earliest.
    for kept in [&first, &third, &fourth] {
        assert_kept(
            &narvik,
            kept,
            "a session extended more recently than the one ended",
        )
        .await;
    }

    clock.advance(Duration::SECOND);
    let fifth = create(&narvik, "alice", TestData::named("fifth")).await;
    assert_gone(
        &narvik,
        &third,
        "the least recently extended session, after a second sign-in beyond the limit",
    )
    .await;
    for kept in [&first, &fourth, &fifth] {
        assert_kept(
            &narvik,
            kept,
            "a session extended more recently than the one ended",
        )
        .await;
    }
    for created in &bob {
        validate(&narvik, &created.token).await;
    }
}

/// Under [`SessionLimitPolicy::EndLeastRecentlyExtended`], the sign-in just made
/// is never the session that gives way, even when older ones expire at the same
/// instant (sign-ins within one clock tick).
pub async fn session_limit_never_ends_the_new_session<S>(store: S)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
{
    let (narvik, _clock) = limited(store, 1, SessionLimitPolicy::EndLeastRecentlyExtended);
    let mut previous = create(&narvik, "alice", TestData::named("sign-in 0")).await;
    for index in 1..4 {
        let signed_in = create(
            &narvik,
            "alice",
            TestData::named(format!("sign-in {index}")),
        )
        .await;
        assert_eq!(signed_in.session.expires_at, previous.session.expires_at);
        assert_kept(
            &narvik,
            &signed_in,
            "the session of that very sign-in, not an older one expiring at the same instant",
        )
        .await;
        assert_gone(
            &narvik,
            &previous,
            "the older session, after a sign-in beyond a limit of 1",
        )
        .await;
        previous = signed_in;
    }
}

/// Under [`SessionLimitPolicy::RefuseNew`], a sign-in at the limit fails with
/// [`Error::TooManySessions`], stores nothing and ends nothing; once the user
/// signs out elsewhere, a sign-in succeeds again. Other users are not limited by
/// this user's sessions.
pub async fn session_limit_refuse_new_refuses_sign_in_at_limit<S>(store: S)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
{
    let (narvik, _clock) = limited(store, 2, SessionLimitPolicy::RefuseNew);
    let first = create(&narvik, "alice", TestData::named("first")).await;
    let second = create(&narvik, "alice", TestData::named("second")).await;
    assert_too_many(
        narvik
            .create_session("alice", TestData::named("third"))
            .await,
        2,
        "a sign-in at the limit",
    );
    validate(&narvik, &first.token).await;
    validate(&narvik, &second.token).await;
    let bob = create(&narvik, "bob", TestData::named("bob")).await;

    ok(
        narvik.invalidate_session(&first.session.id).await,
        "invalidate_session",
    );
    // Had the refused sign-in been stored, Alice would still be at the limit.
    let again = create(&narvik, "alice", TestData::named("again")).await;
    validate(&narvik, &again.token).await;
    validate(&narvik, &second.token).await;
    validate(&narvik, &bob.token).await;
}

/// Expired sessions are not live: they never count towards the limit, under
/// either policy, and no live session ends in their place.
pub async fn session_limit_does_not_count_expired_sessions<S>(store: S)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
{
    let store = Arc::new(store);
    for policy in [
        SessionLimitPolicy::RefuseNew,
        SessionLimitPolicy::EndLeastRecentlyExtended,
    ] {
        let (narvik, clock) = limited(Arc::clone(&store), 2, policy);
        let user_id = format!("{policy:?}");
        let expired = create(&narvik, &user_id, TestData::named("expired")).await;
        clock.advance(SESSION_LENGTH / 2);
        let live = create(&narvik, &user_id, TestData::named("live")).await;
        // The first has expired (still stored: nothing validated it), the second not.
        clock.set(expired.session.expires_at);
        let signed_in = narvik
            .create_session(user_id.as_str(), TestData::named("new"))
            .await;
        let signed_in = ok(
            signed_in,
            &format!(
                "a sign-in under {policy:?} with one live and one expired session of a limit of 2"
            ),
        );
        validate(&narvik, &live.token).await;
        validate(&narvik, &signed_in.token).await;
        assert_none(&narvik, expired.token.as_str(), "an expired session").await;
    }
}

/// [`CONCURRENT_SIGN_INS`] sign-ins of one user at once under a limit of
/// [`CONCURRENT_LIMIT`] ending the least recently extended: every sign-in
/// succeeds, and exactly the limit of them are live afterwards. Another user's
/// sessions are untouched.
pub async fn concurrent_sign_ins_end_sessions_down_to_exactly_the_limit<S>(store: S)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
{
    let (narvik, _clock) = limited(
        store,
        CONCURRENT_LIMIT,
        SessionLimitPolicy::EndLeastRecentlyExtended,
    );
    let bob = create_sessions(&narvik, "bob", CONCURRENT_LIMIT as usize).await;
    let signed_in: Vec<CreatedSession<TestData>> = sign_in_concurrently(&narvik)
        .await
        .into_iter()
        .map(|result| ok(result, "a sign-in ending an older session"))
        .collect();
    let live = count_live(&narvik, &signed_in).await;
    assert_eq!(
        live, CONCURRENT_LIMIT as usize,
        "{CONCURRENT_SIGN_INS} concurrent sign-ins under a limit of {CONCURRENT_LIMIT} left \
         {live} live sessions"
    );
    for created in &bob {
        validate(&narvik, &created.token).await;
    }
}

/// [`CONCURRENT_SIGN_INS`] sign-ins of one user at once under a limit of
/// [`CONCURRENT_LIMIT`] refusing new ones: exactly the limit of them succeed and
/// stay live, every other one fails with [`Error::TooManySessions`].
pub async fn concurrent_sign_ins_refused_beyond_the_limit<S>(store: S)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + 'static,
{
    let (narvik, _clock) = limited(store, CONCURRENT_LIMIT, SessionLimitPolicy::RefuseNew);
    let mut signed_in = Vec::new();
    for result in sign_in_concurrently(&narvik).await {
        match result {
            Ok(created) => signed_in.push(created),
            refused => assert_too_many(refused, CONCURRENT_LIMIT, "a concurrent sign-in"),
        }
    }
    assert_eq!(
        signed_in.len(),
        CONCURRENT_LIMIT as usize,
        "{CONCURRENT_SIGN_INS} concurrent sign-ins refused beyond a limit of \
         {CONCURRENT_LIMIT}: {} succeeded",
        signed_in.len()
    );
    for created in &signed_in {
        validate(&narvik, &created.token).await;
    }
}

/// [`CONCURRENT_SIGN_INS`] sign-ins of `user-1` through `narvik` at once, each
/// result as `create_session` returned it.
async fn sign_in_concurrently<S>(narvik: &Narvik<S>) -> Vec<Result<CreatedSession<TestData>>>
where
    S: SessionStore<Data = TestData> + 'static,
{
    let mut tasks = JoinSet::new();
    for index in 0..CONCURRENT_SIGN_INS {
        let narvik = narvik.clone();
        tasks.spawn(async move {
            let data = TestData::named(format!("sign-in {index}"));
            narvik.create_session("user-1", data).await
        });
    }
    tasks.join_all().await
}

/// How many of `created` still validate.
async fn count_live<S>(narvik: &Narvik<S>, created: &[CreatedSession<TestData>]) -> usize
where
    S: SessionStore<Data = TestData> + 'static,
{
    let mut live = 0;
    for session in created {
        let validated = ok(
            narvik.validate_session(session.token.as_str()).await,
            "validate_session",
        );
        live += usize::from(validated.is_some());
    }
    live
}

/// Checks that the store still keeps session `created`, without validating it
/// (which could extend it).
async fn assert_kept<S>(narvik: &Narvik<S>, created: &CreatedSession<TestData>, what: &str)
where
    S: SessionStore<Data = TestData> + 'static,
{
    if fetch(narvik, &created.session.id).await.is_none() {
        panic!(
            "conformance: a sign-in beyond the limit ended {what} ({})",
            created.session.id
        );
    }
}

/// Checks that `result` is the refusal of a sign-in over a limit of `max`.
#[track_caller]
fn assert_too_many(result: Result<CreatedSession<TestData>>, max: u32, what: &str) {
    match result {
        Err(Error::TooManySessions { max: refused_at }) => assert_eq!(
            refused_at, max,
            "Error::TooManySessions must carry the configured limit"
        ),
        Ok(created) => panic!(
            "conformance: {what} must fail with Error::TooManySessions, but session {} \
             was created",
            created.session.id
        ),
        Err(error) => panic!(
            "conformance: {what} must fail with Error::TooManySessions, got: {}",
            super::error_chain(&error)
        ),
    }
}

/// After [`CONCURRENT_SIGN_INS`] sign-ins at once under a limit of
/// [`CONCURRENT_LIMIT`], the user's list holds exactly the live sessions: a store
/// that indexes sessions by user keeps the index in step with what the limit
/// ended.
pub async fn limited_sign_ins_keep_users_list_in_step<S>(store: S)
where
    S: SessionStore<Data = TestData> + LimitUserSessions + FetchUserSessions + 'static,
{
    let (narvik, _clock) = limited(
        store,
        CONCURRENT_LIMIT,
        SessionLimitPolicy::EndLeastRecentlyExtended,
    );
    let signed_in: Vec<CreatedSession<TestData>> = sign_in_concurrently(&narvik)
        .await
        .into_iter()
        .map(|result| ok(result, "a sign-in ending an older session"))
        .collect();
    let mut live = BTreeSet::new();
    for created in &signed_in {
        if fetch(&narvik, &created.session.id).await.is_some() {
            live.insert(created.session.id);
        }
    }
    let listed = ids(&sessions_of(&narvik, "user-1").await);
    assert_eq!(
        listed, live,
        "after concurrent sign-ins under a limit, fetch_sessions_for_user must list \
         exactly the sessions the store keeps"
    );
    assert_eq!(live.len(), CONCURRENT_LIMIT as usize);
}
