//! Stored data that no longer decodes as the application's data, or whose frame
//! says something the store did not write: fetching is a decode error, validation
//! deletes the session, listings leave it out.

use narvik_tests::{delete_sessions_of, sessions_of};

use crate::app::{create, listed_ids, store_and_narvik, validate, validates_to_none, AppData};
use crate::asserts::{assert_fetch_does_not_decode, assert_validation_deletes};
use crate::frame::{frame, frame_of_ms, unix_ms};
use crate::server::Server;

/// Data stored before a required field existed does not decode; validation deletes
/// the session and its index member.
pub(crate) async fn session_missing_a_required_field_is_deleted_by_validation(server: Server) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    // Stored before `username` existed.
    let session_key = store.session_key(&created.session.id);
    let data = r#"{"theme":"dark"}"#;
    server
        .plant_frame(&session_key, created.session.times(), "user-1", data)
        .await;

    let what = "data without a required field";
    assert_fetch_does_not_decode(&narvik, &created.session.id, "username", what).await;
    let listed = sessions_of(&narvik, "user-1").await;
    assert!(listed.is_empty(), "{listed:?}");

    assert_validation_deletes(&server, &narvik, &created, what).await;
    assert!(
        server.index_members(&store, "user-1").await.is_empty(),
        "and its index member"
    );
}

/// Data stored before the optional fields existed reads their defaults, and a
/// field the application no longer has is ignored.
pub(crate) async fn session_missing_an_optional_field_reads_its_default(server: Server) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    // Stored before `theme` and `visits` existed.
    let data = r#"{"username":"alice","removed_since":true}"#;
    let session_key = store.session_key(&created.session.id);
    server
        .plant_frame(&session_key, created.session.times(), "user-1", data)
        .await;

    let session = validate(&narvik, &created).await;
    assert_eq!(
        session.data,
        AppData {
            username: "alice".into(),
            theme: None,
            visits: 0,
        }
    );
}

/// An expiry beyond `i64` does not decode, yet the scripts still read the frame:
/// the session stays indexed as its user's and goes with their others.
pub(crate) async fn an_expiry_out_of_range_does_not_decode_yet_the_session_stays_its_users(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    // Only Rust checks the range of expires_at; the scripts still read the
    // frame, so the session stays indexed as user-1's and goes with their
    // others, but a listing leaves it out.
    let value = frame_of_ms(
        "99999999999999999999",
        0,
        0,
        "user-1",
        r#"{"username":"alice"}"#,
    );
    let kept = create(&narvik, "user-1").await;
    let spoiled = create(&narvik, "user-1").await;
    let spoiled_key = store.session_key(&spoiled.session.id);
    server.replace_value(&spoiled_key, &value).await;
    assert_eq!(
        listed_ids(&narvik, "user-1").await,
        std::slice::from_ref(&kept.session.id)
    );
    assert_eq!(server.index_members(&store, "user-1").await.len(), 2);
    delete_sessions_of(&narvik, "user-1").await;
    assert!(
        server.keys().await.is_empty(),
        "deleted with the user's others"
    );

    let spoiled = create(&narvik, "user-1").await;
    let spoiled_key = store.session_key(&spoiled.session.id);
    server.replace_value(&spoiled_key, &value).await;
    let mentioned = "not a Unix time in milliseconds (20 bytes";
    let what = "an expiry beyond i64";
    assert_fetch_does_not_decode(&narvik, &spoiled.session.id, mentioned, what).await;
    assert!(validates_to_none(&narvik, &spoiled).await);
    assert!(
        server.keys().await.is_empty(),
        "validation deletes it and its member"
    );
}

/// A frame whose user id length reaches into the data names another user: the
/// session is neither listed nor deleted as this user's.
pub(crate) async fn a_session_whose_frame_names_another_user_is_neither_listed_nor_deleted(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let kept = create(&narvik, "user-1").await;
    let spoiled = create(&narvik, "user-1").await;
    let spoiled_key = store.session_key(&spoiled.session.id);
    // A length one too long reaches into the data: the user id reads `user-1{`.
    let value = frame(spoiled.session.times(), "user-1", "{}");
    server
        .replace_value(&spoiled_key, value.replacen(":6:", ":7:", 1))
        .await;

    assert_eq!(
        listed_ids(&narvik, "user-1").await,
        std::slice::from_ref(&kept.session.id)
    );
    delete_sessions_of(&narvik, "user-1").await;
    assert!(validates_to_none(&narvik, &kept).await);
    assert!(
        server.exists(&spoiled_key).await,
        "a session naming another user id is not deleted as user-1's"
    );
}

/// A member of the index whose id is no session id (no token opens it: it was
/// written by hand) is left out of the listing, which still lists the others, and
/// goes with the user's other sessions.
pub(crate) async fn a_listed_member_that_is_no_session_id_is_left_out_not_a_failure(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let kept = create(&narvik, "user-1").await;
    let expires_at_ms = unix_ms(kept.session.expires_at);
    let odd_id = "Not-A-Session-Id";
    let odd_key = format!("{}session:{odd_id}", server.prefix);
    server
        .plant_frame(
            &odd_key,
            kept.session.times(),
            "user-1",
            r#"{"username":"alice"}"#,
        )
        .await;
    server
        .add_index_members(&store.user_index_key("user-1"), expires_at_ms, &[odd_id])
        .await;

    assert_eq!(
        listed_ids(&narvik, "user-1").await,
        std::slice::from_ref(&kept.session.id),
        "the odd member is left out, the listing does not fail"
    );
    assert!(server.exists(&odd_key).await, "listing deletes nothing");
    delete_sessions_of(&narvik, "user-1").await;
    assert!(
        server.keys().await.is_empty(),
        "deleted with the user's other sessions"
    );
}
