//! `MemoryStore`, the built-in store: the original's in-memory adapter flow and the
//! optional operations.

use narvik::{
    DeleteExpiredSessions, FetchUserSessions, MemoryStore, Session, SessionId, SessionStore,
    SessionTimes,
};
use narvik_tests::{
    create, create_sessions, delete_expired, delete_sessions_of, invalidate, narvik_over,
    session_ids_of, sessions_of, stored, validate, START,
};
use time::{Duration, OffsetDateTime};

#[tokio::test]
async fn in_memory_adapter_flow_signs_in_validates_and_signs_out() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());

    // Sign-in.
    let created = create(&narvik, "123", ()).await;
    assert!(created.session.is_new());
    assert_eq!(store.len(), 1);

    // A request later: valid, not extended.
    clock.advance(Duration::days(1));
    let session = validate(&narvik, &created.token).await.expect("valid");
    assert!(!session.is_new() && !session.is_extended());

    // Much later: extended.
    clock.advance(Duration::days(20));
    let session = validate(&narvik, &created.token).await.expect("valid");
    assert!(session.is_extended());

    // Listed among the user's sessions.
    let listed = sessions_of(&narvik, "123").await;
    assert_eq!(listed, std::slice::from_ref(&session));

    // Sign-out.
    invalidate(&narvik, &session.id).await;
    assert!(validate(&narvik, &created.token).await.is_none());
    assert!(store.is_empty());
    assert!(sessions_of(&narvik, "123").await.is_empty());
}

#[tokio::test]
async fn fetch_sessions_for_user_lists_every_session_of_that_user_only() {
    let (narvik, _clock) = narvik_over(MemoryStore::new());
    let mut mine: Vec<SessionId> = create_sessions(&narvik, "123", 3, ())
        .await
        .iter()
        .map(|created| created.session.id)
        .collect();
    create(&narvik, "456", ()).await;

    mine.sort();
    assert_eq!(session_ids_of(&narvik, "123").await, mine);
    assert!(sessions_of(&narvik, "789").await.is_empty());
}

#[tokio::test]
async fn delete_sessions_for_user_signs_that_user_out_everywhere() {
    let store = MemoryStore::new();
    let (narvik, _clock) = narvik_over(store.clone());
    let mine = create_sessions(&narvik, "123", 2, ()).await;
    let theirs = create(&narvik, "456", ()).await;

    delete_sessions_of(&narvik, "123").await;
    for created in &mine {
        assert!(validate(&narvik, &created.token).await.is_none());
    }
    assert!(validate(&narvik, &theirs.token).await.is_some());
    assert_eq!(store.len(), 1);
    assert!(sessions_of(&narvik, "123").await.is_empty());
}

#[tokio::test]
async fn delete_all_expired_sessions_keeps_live_sessions() {
    let store = MemoryStore::new();
    let (narvik, clock) = narvik_over(store.clone());
    let old = create(&narvik, "123", ()).await;
    clock.advance(Duration::days(10));
    let young = create(&narvik, "123", ()).await;

    clock.advance(Duration::days(20));
    delete_expired(&narvik).await;
    assert_eq!(store.len(), 1);
    assert!(stored(&narvik, &old.session.id).await.is_none());
    let listed = sessions_of(&narvik, "123").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, young.session.id);
}

/// A session of user "123" under the id of token "a", saved straight into `store`.
async fn saved(store: &MemoryStore<()>, expires_at: OffsetDateTime) -> Session<()> {
    let times = SessionTimes::issued(START, expires_at);
    let mut session = Session::new(SessionId::of_token("a"), "123", times, ());
    let saving = store.save_session(&mut session).await;
    saving.unwrap_or_else(|error| panic!("save: {error}"));
    session
}

/// What `store` keeps under the id of token "a".
async fn fetched(store: &MemoryStore<()>) -> Option<Session<()>> {
    let fetched = store.fetch_session(&SessionId::of_token("a")).await;
    fetched.unwrap_or_else(|error| panic!("fetch: {error}"))
}

/// The sessions of user "123" in `store`.
async fn listed(store: &MemoryStore<()>) -> Vec<Session<()>> {
    let listed = store.fetch_sessions_for_user("123").await;
    listed.unwrap_or_else(|error| panic!("fetch for user: {error}"))
}

#[tokio::test]
async fn delete_all_expired_sessions_uses_the_given_time() {
    let store = MemoryStore::<()>::new();
    saved(&store, START).await;
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
    assert!(listed(&store).await.is_empty());
}

#[tokio::test]
async fn store_clones_share_their_sessions() {
    let store = MemoryStore::<()>::new();
    let clone = store.clone();
    let session = saved(&clone, START).await;
    assert_eq!(store.len(), 1);
    assert_eq!(fetched(&store).await, Some(session));
    assert!(format!("{store:?}").contains("sessions: 1"));
    assert!(MemoryStore::<()>::default().is_empty());
}

#[tokio::test]
async fn saving_a_session_again_replaces_it() {
    let store = MemoryStore::<()>::new();
    saved(&store, START).await;
    let replacement = saved(&store, START + Duration::days(1)).await;
    assert_eq!(store.len(), 1);
    assert_eq!(fetched(&store).await, Some(replacement));
    assert_eq!(listed(&store).await.len(), 1);
}

#[tokio::test]
async fn update_expiry_of_a_missing_session_inserts_nothing() {
    let store = MemoryStore::<()>::new();
    store
        .update_session_expiry(&SessionId::of_token("missing"), START)
        .await
        .expect("update");
    assert!(store.is_empty());
}
