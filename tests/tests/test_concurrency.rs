//! Many tasks on one store at once, on a multi-threaded runtime: nothing is lost,
//! nothing signed out comes back, no user's sessions are touched by another's.

use std::collections::BTreeSet;

use narvik::{MemoryStore, SessionId, SessionStore, SessionToken};
use narvik_tests::narvik_over;
use time::Duration;
use tokio::task::JoinSet;

const TASKS: usize = 64;
const SESSIONS_PER_TASK: usize = 50;
const USERS: usize = 4;

async fn join_all<T: 'static>(mut tasks: JoinSet<T>) -> Vec<T> {
    let mut outputs = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(output) => outputs.push(output),
            // Fail with the task's own message.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("a task was cancelled: {error}"),
        }
    }
    outputs
}

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
                let session = narvik
                    .create_session(user_id.clone(), ())
                    .await
                    .expect("create");
                let validated = narvik
                    .validate_session(session.token.as_str())
                    .await
                    .expect("validate")
                    .expect("a session just created is valid");
                assert_eq!(validated.id, session.session.id);
                created.push((user_id.clone(), session.token));
            }
            created
        });
    }
    let created: Vec<(String, SessionToken)> =
        join_all(tasks).await.into_iter().flatten().collect();

    assert_eq!(created.len(), TASKS * SESSIONS_PER_TASK);
    assert_eq!(store.len(), TASKS * SESSIONS_PER_TASK, "sessions were lost");
    for user in 0..USERS {
        let user_id = format!("user-{user}");
        let expected: BTreeSet<SessionId> = created
            .iter()
            .filter(|(owner, _)| *owner == user_id)
            .map(|(_, token)| token.session_id())
            .collect();
        let listed: BTreeSet<SessionId> = narvik
            .fetch_sessions_for_user(&user_id)
            .await
            .expect("fetch for user")
            .into_iter()
            .map(|session| session.id)
            .collect();
        assert_eq!(listed.len(), TASKS / USERS * SESSIONS_PER_TASK);
        assert_eq!(listed, expected, "{user_id}'s list lost or gained sessions");
    }
    for (_, token) in &created {
        assert!(narvik
            .validate_session(token.as_str())
            .await
            .expect("validate")
            .is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_outs_racing_extensions_never_leave_a_session_alive() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());
    for round in 0..200 {
        let created = narvik.create_session("123", ()).await.expect("create");
        clock.advance(Duration::days(16));

        let mut tasks = JoinSet::new();
        for racer in 0..4 {
            let narvik = narvik.clone();
            let token = created.token.clone();
            let session_id = created.session.id;
            tasks.spawn(async move {
                if racer == 2 {
                    narvik
                        .invalidate_session(&session_id)
                        .await
                        .expect("invalidate");
                } else {
                    narvik
                        .validate_session(token.as_str())
                        .await
                        .expect("validate");
                }
            });
        }
        join_all(tasks).await;

        assert!(
            store
                .fetch_session(&created.session.id)
                .await
                .expect("fetch")
                .is_none(),
            "round {round}: the signed-out session came back"
        );
        assert!(narvik
            .fetch_sessions_for_user("123")
            .await
            .expect("fetch for user")
            .is_empty());
    }
    assert!(store.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signing_one_user_out_everywhere_while_others_sign_in_touches_no_one_else() {
    let store = MemoryStore::new();
    let (narvik, _clock) = narvik_over(store.clone());
    let mut victims = Vec::new();
    for _ in 0..100 {
        victims.push(narvik.create_session("leaving", ()).await.expect("create"));
    }

    let mut tasks = JoinSet::new();
    for task in 0..16 {
        let narvik = narvik.clone();
        tasks.spawn(async move {
            let mut tokens = Vec::new();
            for _ in 0..20 {
                let created = narvik
                    .create_session(format!("staying-{task}"), ())
                    .await
                    .expect("create");
                tokens.push(created.token);
            }
            tokens
        });
    }
    let signing_out = narvik.clone();
    let sign_out = tokio::spawn(async move {
        signing_out
            .delete_sessions_for_user("leaving")
            .await
            .expect("delete for user");
    });
    let staying: Vec<SessionToken> = join_all(tasks).await.into_iter().flatten().collect();
    sign_out.await.expect("the sign-out task panicked");

    for created in &victims {
        assert!(narvik
            .validate_session(created.token.as_str())
            .await
            .expect("validate")
            .is_none());
    }
    for token in &staying {
        assert!(
            narvik
                .validate_session(token.as_str())
                .await
                .expect("validate")
                .is_some(),
            "another user's sign-out ended this session"
        );
    }
    assert_eq!(store.len(), staying.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cleaning_up_expired_sessions_while_validating_keeps_live_ones() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());
    let mut expired = Vec::new();
    for _ in 0..200 {
        expired.push(narvik.create_session("123", ()).await.expect("create"));
    }
    clock.advance(Duration::days(10));
    let mut live = Vec::new();
    for _ in 0..200 {
        live.push(narvik.create_session("123", ()).await.expect("create"));
    }
    // The first 200 have expired a day ago; the others have nine days left, so
    // every validation below extends them.
    clock.advance(Duration::days(21));

    let cleaner = narvik.clone();
    let cleanup = tokio::spawn(async move {
        cleaner
            .delete_all_expired_sessions()
            .await
            .expect("delete expired");
    });
    let mut tasks = JoinSet::new();
    for created in live.iter().map(|created| created.token.clone()) {
        let narvik = narvik.clone();
        tasks.spawn(async move {
            let session = narvik
                .validate_session(created.as_str())
                .await
                .expect("validate")
                .expect("a live session stays valid during cleanup");
            assert!(session.is_extended());
        });
    }
    join_all(tasks).await;
    cleanup.await.expect("the cleanup task panicked");

    assert_eq!(store.len(), live.len());
    for created in &expired {
        assert!(store
            .fetch_session(&created.session.id)
            .await
            .expect("fetch")
            .is_none());
    }
}
