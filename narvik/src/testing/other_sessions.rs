//! Checks of [`DeleteOtherUserSessions`]: sign out everywhere else, in one
//! atomic step.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::task::JoinSet;

use super::helpers::{
    assert_gone, create, create_sessions, fetch, ids, joined, narvik_over, ok, sessions_of, some,
    validate,
};
use super::{TestData, SESSIONS_PER_TASK, TASKS};
use crate::store::{DeleteOtherUserSessions, FetchUserSessions};
use crate::{Narvik, SessionId, SessionStore};

/// Ends every session of `user_id` but `keep` through `narvik`.
async fn delete_others<S>(narvik: &Narvik<S>, user_id: &str, keep: &SessionId)
where
    S: SessionStore<Data = TestData> + DeleteOtherUserSessions + 'static,
{
    ok(
        narvik.delete_other_sessions_for_user(user_id, keep).await,
        "delete_other_sessions_for_user",
    );
}

/// `delete_other_sessions_for_user` keeps exactly `keep` of that user's sessions
/// and every session of other users (a user whose id is a prefix of it among
/// them); with a `keep` that is not the user's, it ends all of the user's, and a
/// user without sessions is no error.
pub async fn delete_other_sessions_keeps_only_the_kept_one<S>(store: S)
where
    S: SessionStore<Data = TestData> + DeleteOtherUserSessions + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let alice = create_sessions(&narvik, "alice", 4).await;
    let bob = create_sessions(&narvik, "bob", 2).await;
    let alice_prefix = create(&narvik, "alic", TestData::named("alic")).await;
    let keep = &alice[1];

    delete_others(&narvik, "alice", &keep.session.id).await;
    let kept = validate(&narvik, &keep.token).await;
    assert_eq!(
        kept, keep.session,
        "delete_other_sessions_for_user changed the kept session"
    );
    for (index, created) in alice.iter().enumerate() {
        if index != 1 {
            assert_gone(&narvik, created, "another session of the user").await;
        }
    }
    for created in bob.iter().chain([&alice_prefix]) {
        validate(&narvik, &created.token).await;
    }

    // Bob's session is not Alice's: keeping it ends every one of Alice's.
    delete_others(&narvik, "alice", &bob[0].session.id).await;
    assert_gone(&narvik, keep, "a session of the user, kept no more").await;
    for created in bob.iter().chain([&alice_prefix]) {
        validate(&narvik, &created.token).await;
    }
    delete_others(&narvik, "nobody", &bob[0].session.id).await;
    validate(&narvik, &bob[0].token).await;
}

/// `delete_other_sessions_for_user` racing many sign-ins of the same user: the
/// kept session survives, and every other session is either ended or kept whole
/// (fetched equal to what was created, and listed exactly when it can be
/// fetched). A last call, with nothing racing it, leaves the kept one alone.
pub async fn delete_other_sessions_racing_sign_ins_leaves_each_gone_or_whole<S>(store: S)
where
    S: SessionStore<Data = TestData> + DeleteOtherUserSessions + FetchUserSessions + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let keep = create(&narvik, "user-1", TestData::named("kept")).await;
    let signing_in_done = Arc::new(AtomicBool::new(false));

    let mut signing_in = JoinSet::new();
    for task in 0..TASKS {
        let narvik = narvik.clone();
        signing_in.spawn(async move {
            let mut created = Vec::with_capacity(SESSIONS_PER_TASK);
            for index in 0..SESSIONS_PER_TASK {
                let data = TestData::named(format!("task {task} session {index}"));
                created.push(create(&narvik, "user-1", data).await);
            }
            created
        });
    }
    let deleting = {
        let narvik = narvik.clone();
        let keep_id = keep.session.id;
        let signing_in_done = Arc::clone(&signing_in_done);
        tokio::spawn(async move {
            while !signing_in_done.load(Ordering::SeqCst) {
                delete_others(&narvik, "user-1", &keep_id).await;
                tokio::task::yield_now().await;
            }
        })
    };
    let created: Vec<_> = signing_in.join_all().await.into_iter().flatten().collect();
    signing_in_done.store(true, Ordering::SeqCst);
    joined(deleting).await;

    validate(&narvik, &keep.token).await;
    let listed = ids(&sessions_of(&narvik, "user-1").await);
    for session in &created {
        let fetched = fetch(&narvik, &session.session.id).await;
        if let Some(fetched) = &fetched {
            assert_eq!(
                fetched, &session.session,
                "a session created during delete_other_sessions_for_user was kept, but not whole"
            );
        }
        assert_eq!(
            fetched.is_some(),
            listed.contains(&session.session.id),
            "after delete_other_sessions_for_user raced a sign-in, its session is {} but {}",
            if fetched.is_some() { "stored" } else { "gone" },
            if fetched.is_some() {
                "not listed"
            } else {
                "still listed"
            },
        );
    }

    delete_others(&narvik, "user-1", &keep.session.id).await;
    let listed = ids(&sessions_of(&narvik, "user-1").await);
    assert_eq!(
        listed,
        BTreeSet::from([keep.session.id]),
        "after delete_other_sessions_for_user, the user's list must hold the kept session only"
    );
    for session in &created {
        assert_gone(
            &narvik,
            session,
            "a session of the user, after a last delete_other",
        )
        .await;
    }
    let kept = some(
        fetch(&narvik, &keep.session.id).await,
        "the kept session is gone",
    );
    assert_eq!(kept, keep.session);
}
