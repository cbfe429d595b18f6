//! Many tasks on one store at once, on a multi-threaded runtime: nothing is lost,
//! nothing signed out comes back, no user's sessions are touched by another's.

use std::collections::BTreeSet;

use narvik::{MemoryStore, SessionId, SessionToken};
use narvik_tests::{
    create, create_sessions, delete_expired, delete_sessions_of, invalidate, narvik_over,
    sessions_of, stored, validate,
};
use time::Duration;
use tokio::task::JoinSet;

const TASKS: usize = 64;
const SESSIONS_PER_TASK: usize = 50;
const USERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_creating_and_validating_on_one_memory_store_lose_nothing() {
    let store = MemoryStore::new();
    let (narvik, _clock) = narvik_over(store.clone());

    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let narvik = narvik.clone();
        tasks.spawn(async move {
            let user_id = format!("user-{}", task % USERS);
            let mut created = Vec::with_capacity(SESSIONS_PER_TASK);
            for _ in 0..SESSIONS_PER_TASK {
                let session = create(&narvik, &user_id, ()).await;
                let validated = validate(&narvik, &session.token)
                    .await
                    .expect("a session just created is valid");
                assert_eq!(validated.id, session.session.id);
                created.push((user_id.clone(), session.token));
            }
            created
        });
    }
    let created: Vec<(String, SessionToken)> =
        tasks.join_all().await.into_iter().flatten().collect();

    assert_eq!(created.len(), TASKS * SESSIONS_PER_TASK);
    assert_eq!(store.len(), TASKS * SESSIONS_PER_TASK, "sessions were lost");
    for user in 0..USERS {
        let user_id = format!("user-{user}");
        let expected: BTreeSet<SessionId> = created
            .iter()
            .filter(|(owner, _)| *owner == user_id)
            .map(|(_, token)| token.session_id())
            .collect();
        let listed: BTreeSet<SessionId> = sessions_of(&narvik, &user_id)
            .await
            .into_iter()
            .map(|session| session.id)
            .collect();
        assert_eq!(listed.len(), TASKS / USERS * SESSIONS_PER_TASK);
        assert_eq!(listed, expected, "{user_id}'s list lost or gained sessions");
    }
    for (_, token) in &created {
        assert!(validate(&narvik, token).await.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_outs_racing_extensions_never_leave_a_session_alive() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());
    for round in 0..200 {
        let created = create(&narvik, "123", ()).await;
        clock.advance(Duration::days(16));

        let mut tasks = JoinSet::new();
        for racer in 0..4 {
            let narvik = narvik.clone();
            let token = created.token.clone();
            let session_id = created.session.id;
            tasks.spawn(async move {
                if racer == 2 {
                    invalidate(&narvik, &session_id).await;
                } else {
                    validate(&narvik, &token).await;
                }
            });
        }
        tasks.join_all().await;

        assert!(
            stored(&narvik, &created.session.id).await.is_none(),
            "round {round}: the signed-out session came back"
        );
        assert!(sessions_of(&narvik, "123").await.is_empty());
    }
    assert!(store.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signing_one_user_out_everywhere_while_others_sign_in_touches_no_one_else() {
    let store = MemoryStore::new();
    let (narvik, _clock) = narvik_over(store.clone());
    let victims = create_sessions(&narvik, "leaving", 100, ()).await;

    let mut tasks = JoinSet::new();
    for task in 0..16 {
        let narvik = narvik.clone();
        tasks.spawn(async move {
            let mut tokens = Vec::new();
            for _ in 0..20 {
                tokens.push(create(&narvik, &format!("staying-{task}"), ()).await.token);
            }
            tokens
        });
    }
    let signing_out = narvik.clone();
    let sign_out = tokio::spawn(async move { delete_sessions_of(&signing_out, "leaving").await });
    let staying: Vec<SessionToken> = tasks.join_all().await.into_iter().flatten().collect();
    sign_out.await.expect("the sign-out task panicked");

    for created in &victims {
        assert!(validate(&narvik, &created.token).await.is_none());
    }
    for token in &staying {
        assert!(
            validate(&narvik, token).await.is_some(),
            "another user's sign-out ended this session"
        );
    }
    assert_eq!(store.len(), staying.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cleaning_up_expired_sessions_while_validating_keeps_live_ones() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());
    let expired = create_sessions(&narvik, "123", 200, ()).await;
    clock.advance(Duration::days(10));
    let live = create_sessions(&narvik, "123", 200, ()).await;
    // The first 200 have expired a day ago; the others have nine days left, so
    // every validation below extends them.
    clock.advance(Duration::days(21));

    let cleaner = narvik.clone();
    let cleanup = tokio::spawn(async move { delete_expired(&cleaner).await });
    let mut tasks = JoinSet::new();
    for created in live.iter().map(|created| created.token.clone()) {
        let narvik = narvik.clone();
        tasks.spawn(async move {
            let session = validate(&narvik, &created)
                .await
                .expect("a live session stays valid during cleanup");
            assert!(session.is_extended());
        });
    }
    tasks.join_all().await;
    cleanup.await.expect("the cleanup task panicked");

    assert_eq!(store.len(), live.len());
    for created in &expired {
        assert!(stored(&narvik, &created.session.id).await.is_none());
    }
}
