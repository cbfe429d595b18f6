//! Rotation: a session moves to a new key in one script, with its expiry, its
//! time stamps (a new `authenticated_at` when re-authenticated) and its index
//! member; the old key is gone, and a session that is gone is never brought back.

use narvik::{Error, SessionId, SessionTimes};
use narvik_redis::DecodeError;
use narvik_tests::invalidate;
use time::Duration;

use crate::app::{clock_now, create, narvik_over, store_and_narvik, validate, validates_to_none};
use crate::asserts::{assert_indexes_match_sessions, assert_never_expires, assert_stored_frame};
use crate::server::Server;

/// The data of [`alice`](crate::app::alice) as the store writes it.
const ALICE_JSON: &str = r#"{"username":"alice","theme":"dark","visits":3}"#;

/// Re-authenticating moves the frame to the new id's key with the same expiry,
/// `issued_at` and data and a new `authenticated_at`, deletes the old key, and
/// swaps the member in the user's index; a plain rotation keeps
/// `authenticated_at`.
pub(crate) async fn rotation_moves_the_frame_to_a_new_key_with_its_expiry_and_swaps_the_index_member(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    let other = create(&narvik, "user-1").await;
    clock.advance(Duration::minutes(10));

    let reauthenticated = narvik
        .reauthenticate(&created.session.id)
        .await
        .expect("reauthenticate")
        .expect("a live session");
    let session = &reauthenticated.session;
    assert_ne!(session.id, created.session.id, "a new token");
    let expected = SessionTimes {
        authenticated_at: clock_now(&clock),
        ..created.session.times()
    };
    assert_eq!(session.times(), expected);
    assert!(!server.exists(&store.session_key(&created.session.id)).await);
    assert!(
        validates_to_none(&narvik, &created).await,
        "the old token is over"
    );
    let new_key = store.session_key(&session.id);
    let what = "the frame under the new id";
    assert_stored_frame(&server, &new_key, expected, "user-1", ALICE_JSON, what).await;
    let mut members = server.index_members(&store, "user-1").await;
    members.sort();
    let mut expected_members = vec![session.id.to_string(), other.session.id.to_string()];
    expected_members.sort();
    assert_eq!(members, expected_members);
    let index = store.user_index_key("user-1");
    assert_never_expires(&server, &index, "after a rotation").await;
    assert_eq!(validate(&narvik, &reauthenticated).await.times(), expected);

    clock.advance(Duration::minutes(10));
    let rotated = narvik
        .rotate_session(&session.id)
        .await
        .expect("rotate")
        .expect("a live session");
    assert_eq!(rotated.session.times(), expected, "every stamp kept");
    assert!(validates_to_none(&narvik, &reauthenticated).await);
    assert_eq!(server.index_members(&store, "user-1").await.len(), 2);
    assert_indexes_match_sessions(&server, &store).await;
}

/// Rotating a session that was signed out, or never stored, answers `None` and
/// writes no key; rotating a key that holds no session is a decode error that
/// moves nothing.
pub(crate) async fn rotating_a_session_that_is_gone_writes_nothing(server: Server) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    invalidate(&narvik, &created.session.id).await;
    for session_id in [created.session.id, SessionId::of_token("never-stored")] {
        let rotated = narvik.rotate_session(&session_id).await;
        assert!(matches!(rotated, Ok(None)), "{rotated:?}");
        assert!(server.keys().await.is_empty(), "nothing written");
    }

    let spoiled = create(&narvik, "user-1").await;
    let spoiled_key = store.session_key(&spoiled.session.id);
    server
        .replace_with_hash(&spoiled_key, "user_id", "user-1")
        .await;
    let keys = server.keys().await;
    let error = narvik
        .rotate_session(&spoiled.session.id)
        .await
        .expect_err("a hash is no session");
    let Error::Decode { session_id, source } = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(session_id, spoiled.session.id.as_str());
    assert!(source.is::<DecodeError>(), "{source:?}");
    server.replace_value(&spoiled_key, "not a frame").await;
    let error = narvik.rotate_session(&spoiled.session.id).await;
    assert!(matches!(error, Err(Error::Decode { .. })), "{error:?}");
    assert_eq!(server.keys().await, keys, "nothing moved");
}

/// A rotation racing a sign-out of the same session: the old key never
/// outlives both; either the rotation found it gone and wrote nothing, or it
/// moved it first and only the new key is left, indexed.
pub(crate) async fn rotation_racing_a_sign_out_never_brings_the_session_back(server: Server) {
    let store = server.store().await;
    let (rotating, _clock) = narvik_over(store.clone());
    let (signing_out, _clock) = narvik_over(server.store().await);
    for _ in 0..30 {
        let created = create(&rotating, "user-1").await;
        let session_id = created.session.id;
        let rotation = {
            let rotating = rotating.clone();
            tokio::spawn(async move { rotating.rotate_session(&session_id).await })
        };
        let sign_out = {
            let signing_out = signing_out.clone();
            tokio::spawn(async move { signing_out.invalidate_session(&session_id).await })
        };
        let rotated = rotation.await.expect("no task panics").expect("rotation");
        sign_out.await.expect("no task panics").expect("sign-out");
        assert!(!server.exists(&store.session_key(&session_id)).await);
        match rotated {
            None => assert!(server.keys().await.is_empty(), "nothing brought back"),
            Some(rotated) => {
                validate(&rotating, &rotated).await;
                invalidate(&rotating, &rotated.session.id).await;
            }
        }
        assert_indexes_match_sessions(&server, &store).await;
    }
}
