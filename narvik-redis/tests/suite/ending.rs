//! Ending many sessions at once: every other session of a user (one script), and
//! every session under the store's prefix (a walk, page by page).

use narvik::{CreatedSession, SessionToken};
use narvik_redis::redis;
use time::Duration;

use crate::app::{
    alice, clock_now, create, narvik_over, store_and_narvik, validate, validates_to_none, AppData,
    RedisNarvik,
};
use crate::asserts::assert_indexes_match_sessions;
use crate::frame::unix_ms;
use crate::server::Server;

/// Ends every other session of `user_id` through `narvik`, keeping `keep`.
async fn delete_others(narvik: &RedisNarvik, user_id: &str, keep: &CreatedSession<AppData>) {
    narvik
        .delete_other_sessions_for_user(user_id, &keep.session.id)
        .await
        .expect("delete_other_sessions_for_user");
}

/// Ends every session through `narvik`.
async fn delete_all(narvik: &RedisNarvik) {
    narvik
        .delete_all_sessions()
        .await
        .expect("delete_all_sessions");
}

/// Ending a user's other sessions keeps the one named, ends the rest with their
/// members, drops stale members, and never touches another user's session that
/// the index names.
pub(crate) async fn deleting_other_sessions_keeps_one_and_never_touches_another_users(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let laptop = create(&narvik, "user-1").await;
    let phone = create(&narvik, "user-1").await;
    let tablet = create(&narvik, "user-1").await;
    let bobs = create(&narvik, "user-2").await;
    let index = store.user_index_key("user-1");
    let score = unix_ms(laptop.session.expires_at);
    server
        .add_index_members(&index, score, &["0000gone", bobs.session.id.as_str()])
        .await;

    delete_others(&narvik, "user-1", &phone).await;
    assert!(validates_to_none(&narvik, &laptop).await);
    assert!(validates_to_none(&narvik, &tablet).await);
    validate(&narvik, &phone).await;
    validate(&narvik, &bobs).await;
    assert_eq!(
        server.index_members(&store, "user-1").await,
        [phone.session.id.to_string()]
    );

    // Keeping a session that is not there ends them all.
    let gone = SessionToken::generate().session_id();
    narvik
        .delete_other_sessions_for_user("user-1", &gone)
        .await
        .expect("delete_other_sessions_for_user");
    assert!(validates_to_none(&narvik, &phone).await);
    assert!(!server.exists(&index).await, "an emptied index is gone");
}

/// Sign-ins racing an end of the user's other sessions: each new session is
/// either ended or kept whole (its key and its member both), never half.
pub(crate) async fn sign_ins_racing_deleting_other_sessions_are_ended_or_kept_whole(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let (other_app_server, _clock) = narvik_over(server.store().await);
    let keep = create(&narvik, "user-1").await;
    let mut sign_ins = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let other_app_server = other_app_server.clone();
        sign_ins.spawn(async move { other_app_server.create_session("user-1", alice()).await });
    }
    for _ in 0..5 {
        delete_others(&narvik, "user-1", &keep).await;
    }
    while let Some(joined) = sign_ins.join_next().await {
        joined.expect("no task panics").expect("create_session");
    }
    validate(&narvik, &keep).await;
    assert_indexes_match_sessions(&server, &store).await;
    delete_others(&narvik, "user-1", &keep).await;
    assert_eq!(
        server.index_members(&store, "user-1").await,
        [keep.session.id.to_string()]
    );
}

/// Ending every session deletes each session key under the prefix (more than one
/// `SCAN` page of them, of either layout, and keys of another type) and every
/// index, and nothing under another prefix nor keys that are not the store's.
pub(crate) async fn deleting_all_sessions_ends_every_session_under_the_prefix_and_nothing_else(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    // More than one SCAN page.
    let mut created = Vec::new();
    for user in 0..150 {
        created.push(create(&narvik, &format!("user-{}", user % 60)).await);
    }
    let of_0_1 = SessionToken::generate();
    let expires_at = clock_now(&clock) + Duration::days(20);
    server
        .plant_session_of_0_1(&store, &of_0_1.session_id(), "user-0", expires_at, "{}")
        .await;
    let spoiled = create(&narvik, "user-1").await;
    server
        .replace_with_hash(&store.session_key(&spoiled.session.id), "user_id", "user-1")
        .await;
    server
        .add_index_members(&store.user_index_key("user-2"), 1, &["0000gone"])
        .await;
    // Another store's sessions, and a key of the app's own, under the test's prefix.
    let (other_store, other, _clock) = {
        let other_store = server
            .store()
            .await
            .with_key_prefix(format!("{}other:", server.prefix));
        let (other, clock) = narvik_over(other_store.clone());
        (other_store, other, clock)
    };
    let survivor = create(&other, "user-0").await;
    let apps_own = format!("{}cache:front-page", server.prefix);
    server
        .query::<()>(redis::cmd("SET").arg(&apps_own).arg("<html>"))
        .await;

    delete_all(&narvik).await;
    for session in &created {
        assert!(validates_to_none(&narvik, session).await);
    }
    let mut expected = vec![
        apps_own,
        other_store.session_key(&survivor.session.id),
        other_store.user_index_key("user-0"),
    ];
    expected.sort();
    assert_eq!(server.keys().await, expected, "only others' keys are left");
    validate(&other, &survivor).await;

    // Nothing to delete: still fine.
    delete_all(&narvik).await;
}

/// Sign-ins racing an end of every session: each new session survives whole and
/// indexed, or not at all; every session there before is gone.
pub(crate) async fn sign_ins_racing_deleting_all_sessions_survive_whole_or_not_at_all(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let (other_app_server, _clock) = narvik_over(server.store().await);
    let mut before = Vec::new();
    for user in 0..200 {
        before.push(create(&narvik, &format!("user-{}", user % 20)).await);
    }
    let mut sign_ins = tokio::task::JoinSet::new();
    for user in 0..30 {
        let other_app_server = other_app_server.clone();
        sign_ins.spawn(async move {
            other_app_server
                .create_session(&format!("user-{}", user % 20), alice())
                .await
        });
    }
    delete_all(&narvik).await;
    while let Some(joined) = sign_ins.join_next().await {
        joined.expect("no task panics").expect("create_session");
    }
    for session in &before {
        assert!(validates_to_none(&narvik, session).await);
    }
    assert_indexes_match_sessions(&server, &store).await;
}
