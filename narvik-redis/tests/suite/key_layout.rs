//! The key layout and the scripts that keep it: one string per session that expires
//! with it, one sorted set per user, and extensions that rewrite only the expiry.

use narvik::{SessionId, SessionStore};
use narvik_tests::{invalidate, sessions_of, stored};
use time::Duration;

use crate::app::{alice, clock_now, create, expiring_in, store_and_narvik, validate};
use crate::asserts::{
    assert_expires_at, assert_indexed_until, assert_never_expires, assert_stored_frame,
};
use crate::frame::{frame_of_0_1, unix_ms};
use crate::server::Server;

/// The data of [`alice`] as the store writes it.
const ALICE_JSON: &str = r#"{"username":"alice","theme":"dark","visits":3}"#;

/// Each session is a string under `{prefix}session:{id}` that expires with it; each
/// user a sorted set under `{prefix}user:{id}` that never expires.
pub(crate) async fn each_session_is_one_string_that_expires_with_it_and_each_user_a_sorted_set(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    let session_key = store.session_key(&created.session.id);
    assert_eq!(
        session_key,
        format!("{}session:{}", server.prefix, created.session.id)
    );
    let index_key = store.user_index_key("user-1");
    assert_eq!(index_key, format!("{}user:user-1", server.prefix));

    let expires_at_ms = unix_ms(created.session.expires_at);
    assert_eq!(server.type_of(&session_key).await, "string");
    let what = "the frame of the session";
    assert_stored_frame(
        &server,
        &session_key,
        created.session.times(),
        "user-1",
        ALICE_JSON,
        what,
    )
    .await;
    assert_indexed_until(&server, &index_key, &created.session.id, expires_at_ms).await;

    // A session that ends sooner leaves the index without a TTL still.
    let short = expiring_in(&store, Duration::hours(1));
    create(&short, "user-1").await;
    assert_never_expires(&server, &index_key, "after a shorter session").await;
    assert!(
        !format!("{store:?}").contains("127.0.0.1"),
        "Debug shows no URL"
    );
}

/// An extension rewrites the leading expiry of a frame and keeps the rest byte for
/// byte, however odd its user id and data.
pub(crate) async fn extending_rewrites_only_the_expiry_and_keeps_the_data_byte_for_byte(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    // A user id of separators and digits; data with an integer beyond 2^53 (a float
    // in Lua's cjson), escapes and a field the app no longer has.
    let user_id = "7:user:12:";
    let created = create(&narvik, user_id).await;
    let session_key = store.session_key(&created.session.id);
    let data = r#"{"username":"al:1:ice \"q\" \u00e9","visits":7,"gone":18446744073709551615}"#;
    server
        .plant_frame(&session_key, created.session.times(), user_id, data)
        .await;

    clock.advance(Duration::days(16));
    let extended = validate(&narvik, &created).await;
    assert!(extended.is_extended());
    assert_eq!(extended.user_id, user_id);
    assert_eq!(extended.data.username, "al:1:ice \"q\" é");
    let what = "the data kept byte for byte";
    let times = extended.times();
    assert_stored_frame(&server, &session_key, times, user_id, data, what).await;
    let listed = sessions_of(&narvik, user_id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].expires_at, extended.expires_at);
}

/// An extension moves the key's expiry, the stored expiry and the index's score,
/// and touches neither the data nor another session.
pub(crate) async fn update_session_expiry_moves_the_key_expiry_the_stored_expiry_and_the_index(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    let other = create(&narvik, "user-1").await;
    clock.advance(Duration::days(16));
    let extended = validate(&narvik, &created).await;
    assert!(extended.is_extended());

    let new_ms = unix_ms(extended.expires_at);
    let session_key = store.session_key(&created.session.id);
    let what = "only expires_at changed";
    let times = extended.times();
    assert_stored_frame(&server, &session_key, times, "user-1", ALICE_JSON, what).await;
    let index_key = store.user_index_key("user-1");
    assert_indexed_until(&server, &index_key, &created.session.id, new_ms).await;
    let fetched = stored(&narvik, &created.session.id).await;
    assert_eq!(
        fetched.map(|session| session.expires_at),
        Some(extended.expires_at)
    );

    // Its data and the other session are untouched.
    assert_eq!(validate(&narvik, &created).await.data, alice());
    assert_eq!(
        stored(&narvik, &other.session.id)
            .await
            .map(|session| session.expires_at),
        Some(other.session.expires_at)
    );
}

/// Extending a session that is gone, or was never stored, writes no key.
pub(crate) async fn update_session_expiry_of_a_gone_session_writes_nothing(server: Server) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    invalidate(&narvik, &created.session.id).await;
    assert!(server.keys().await.is_empty(), "invalidation leaves no key");

    let later = clock_now(&clock) + Duration::days(30);
    store
        .update_session_expiry(&created.session.id, later)
        .await
        .expect("update of a deleted session");
    store
        .update_session_expiry(&SessionId::of_token("never-stored"), later)
        .await
        .expect("update of a session never stored");
    assert!(
        server.keys().await.is_empty(),
        "update_session_expiry wrote a key for a session that is gone"
    );
}

/// An extension of a value that is not of the current layout (here one an app
/// server of 0.1 wrote after validation read the session) goes on to the full
/// script, which moves its expiry in its own layout and keeps the rest.
pub(crate) async fn extending_a_value_rewritten_by_0_1_meanwhile_takes_the_full_script(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    let read = validate(&narvik, &created).await;
    let session_key = store.session_key(&created.session.id);
    server
        .replace_value(
            &session_key,
            frame_of_0_1(unix_ms(read.expires_at), "user-1", ALICE_JSON),
        )
        .await;

    let mut extending = read;
    extending.expires_at = clock_now(&clock) + Duration::days(30);
    store
        .extend_session(&extending)
        .await
        .expect("extend_session");
    let new_ms = unix_ms(extending.expires_at);
    assert_eq!(
        server.value(&session_key).await,
        frame_of_0_1(new_ms, "user-1", ALICE_JSON),
        "the 0.1 frame with the new expiry, the rest as stored"
    );
    assert_expires_at(&server, &session_key, new_ms).await;
    assert_indexed_until(
        &server,
        &store.user_index_key("user-1"),
        &created.session.id,
        new_ms,
    )
    .await;
}

/// An extension after the server lost its scripts (`SCRIPT FLUSH`, as after a
/// restart) loads its script and extends: the lost script is no error.
pub(crate) async fn extending_after_the_scripts_were_flushed_loads_the_script_again(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    server.query::<()>(redis::cmd("SCRIPT").arg("FLUSH")).await;

    clock.advance(Duration::days(16));
    let extended = validate(&narvik, &created).await;
    assert!(extended.is_extended());
    let stored = store
        .fetch_session(&created.session.id)
        .await
        .expect("fetch_session")
        .expect("the extended session");
    assert_eq!(stored.expires_at, extended.expires_at);
}
