//! `MemoryStore`, the built-in store: the original's in-memory adapter flow and the
//! optional operations.

use narvik::{
    DeleteExpiredSessions, FetchUserSessions, ManualClock, MemoryStore, Narvik, Session,
    SessionStore,
};
use narvik_tests::START;
use time::Duration;

type Auth = Narvik<(), MemoryStore<()>>;

fn narvik_over(store: MemoryStore<()>) -> (Auth, ManualClock) {
    let clock = ManualClock::new(START);
    let narvik = Narvik::builder(store)
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|error| panic!("valid settings: {error}"));
    (narvik, clock)
}

#[tokio::test]
async fn in_memory_adapter_flow_signs_in_validates_and_signs_out() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());

    // Sign-in.
    let created = narvik.create_session("123", ()).await.expect("create");
    assert!(created.session.is_new());
    assert_eq!(store.len(), 1);

    // A request later: valid, not extended.
    clock.advance(Duration::days(1));
    let session = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert!(!session.is_new() && !session.is_extended());

    // Much later: extended.
    clock.advance(Duration::days(20));
    let session = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert!(session.is_extended());

    // Listed among the user's sessions.
    let listed = narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("fetch for user");
    assert_eq!(listed, std::slice::from_ref(&session));

    // Sign-out.
    narvik
        .invalidate_session(&session.id)
        .await
        .expect("invalidate");
    assert!(narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_none());
    assert!(store.is_empty());
    assert!(narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("fetch for user")
        .is_empty());
}

#[tokio::test]
async fn fetch_sessions_for_user_lists_every_session_of_that_user_only() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(
            narvik
                .create_session("123", ())
                .await
                .expect("create")
                .session
                .id,
        );
    }
    narvik.create_session("456", ()).await.expect("create");

    let mut listed: Vec<String> = narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("fetch for user")
        .into_iter()
        .map(|session| session.id)
        .collect();
    listed.sort();
    mine.sort();
    assert_eq!(listed, mine);
    assert!(narvik
        .fetch_sessions_for_user("789")
        .await
        .expect("fetch for user")
        .is_empty());
}

#[tokio::test]
async fn delete_sessions_for_user_signs_that_user_out_everywhere() {
    let store = MemoryStore::new();
    let (narvik, _clock) = narvik_over(store.clone());
    let mine = [
        narvik.create_session("123", ()).await.expect("create"),
        narvik.create_session("123", ()).await.expect("create"),
    ];
    let theirs = narvik.create_session("456", ()).await.expect("create");

    narvik
        .delete_sessions_for_user("123")
        .await
        .expect("delete for user");
    for created in &mine {
        assert!(narvik
            .validate_session(created.token.as_str())
            .await
            .expect("validate")
            .is_none());
    }
    assert!(narvik
        .validate_session(theirs.token.as_str())
        .await
        .expect("validate")
        .is_some());
    assert_eq!(store.len(), 1);
    assert!(narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("fetch for user")
        .is_empty());
}

#[tokio::test]
async fn delete_all_expired_sessions_keeps_live_sessions() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());
    let old = narvik.create_session("123", ()).await.expect("create");
    clock.advance(Duration::days(10));
    let young = narvik.create_session("123", ()).await.expect("create");

    clock.advance(Duration::days(20));
    narvik
        .delete_all_expired_sessions()
        .await
        .expect("delete expired");
    assert_eq!(store.len(), 1);
    assert!(store
        .fetch_session(&old.session.id)
        .await
        .expect("fetch")
        .is_none());
    let listed = narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("fetch for user");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, young.session.id);
}

#[tokio::test]
async fn delete_all_expired_sessions_uses_the_given_time() {
    let store = MemoryStore::<()>::new();
    let mut session = Session::new("a", "123", START, ());
    store.save_session(&mut session).await.expect("save");
    store
        .delete_all_expired_sessions(START - Duration::SECOND)
        .await
        .expect("delete expired");
    assert_eq!(store.len(), 1, "a session a second from its expiry is live");
    store
        .delete_all_expired_sessions(START)
        .await
        .expect("delete expired");
    assert!(store.is_empty(), "a session at its expiry is expired");
    assert!(store
        .fetch_sessions_for_user("123")
        .await
        .expect("fetch for user")
        .is_empty());
}

#[tokio::test]
async fn store_clones_share_their_sessions() {
    let store = MemoryStore::<()>::new();
    let clone = store.clone();
    let mut session = Session::new("a", "123", START, ());
    clone.save_session(&mut session).await.expect("save");
    assert_eq!(store.len(), 1);
    assert_eq!(
        store.fetch_session("a").await.expect("fetch"),
        Some(session)
    );
    assert!(format!("{store:?}").contains("sessions: 1"));
    assert!(MemoryStore::<()>::default().is_empty());
}

#[tokio::test]
async fn saving_a_session_again_replaces_it() {
    let store = MemoryStore::<()>::new();
    let mut first = Session::new("a", "123", START, ());
    store.save_session(&mut first).await.expect("save");
    let mut replacement = Session::new("a", "123", START + Duration::days(1), ());
    store.save_session(&mut replacement).await.expect("save");
    assert_eq!(store.len(), 1);
    assert_eq!(
        store.fetch_session("a").await.expect("fetch"),
        Some(replacement)
    );
    assert_eq!(
        store
            .fetch_sessions_for_user("123")
            .await
            .expect("fetch for user")
            .len(),
        1
    );
}

#[tokio::test]
async fn update_expiry_of_a_missing_session_inserts_nothing() {
    let store = MemoryStore::<()>::new();
    store
        .update_session_expiry("missing", START)
        .await
        .expect("update");
    assert!(store.is_empty());
}
