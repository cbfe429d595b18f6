//! A user's index has no TTL, so an eviction policy that takes only keys with one
//! (`volatile-*`) never takes it while its sessions live on; an index given a TTL by
//! 0.1 loses it at the first save, deletion or listing that touches it, or at the
//! first read of a session 0.1 wrote; and an index whose sessions
//! are all over still goes.

use std::time::Duration as StdDuration;

use narvik_tests::{delete_expired, delete_sessions_of, invalidate, sessions_of};
use time::Duration;

use crate::app::{clock_now, create, expiring_in, store_and_narvik, validate, validates_to_none};
use crate::asserts::assert_never_expires;
use crate::frame::frame_of_0_1;
use crate::server::Server;

/// The TTL 0.1 would have given an index: a minute, as if its latest session
/// ended then.
const TTL_FROM_0_1_MS: i64 = 60_000;

/// After every operation that touches a user's index, the index has no TTL
/// (`PTTL` answers -1), also when 0.1 had given it one; and it still finds every
/// session when the user signs out everywhere.
pub(crate) async fn a_user_index_has_no_ttl_after_any_operation_even_if_0_1_gave_it_one(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let index = store.user_index_key("user-1");
    let laptop = create(&narvik, "user-1").await;
    let phone = create(&narvik, "user-1").await;
    assert_never_expires(&server, &index, "after create").await;

    // Each step below starts from an index with a TTL, as 0.1 wrote them.
    server.expire_in_ms(&index, TTL_FROM_0_1_MS).await;
    let tablet = create(&narvik, "user-1").await;
    assert_never_expires(&server, &index, "after create over a 0.1 index").await;

    // Only an app server of 0.1 gives an index a TTL, and this version's first
    // read of a session that server wrote (the upgrade of its frame) takes it
    // off; an extension, which raises the score with a plain `ZADD XX GT`, leaves
    // the index's TTL alone.
    server.expire_in_ms(&index, TTL_FROM_0_1_MS).await;
    let phone_key = store.session_key(&phone.session.id);
    let phone_expires_at_ms = clock_now(&clock).unix_timestamp() * 1_000 + 3_600_000;
    server
        .replace_value(
            &phone_key,
            frame_of_0_1(
                phone_expires_at_ms,
                "user-1",
                r#"{"username":"alice","theme":"dark","visits":3}"#,
            ),
        )
        .await;
    validate(&narvik, &phone).await;
    assert_never_expires(&server, &index, "after the first read of a 0.1 session").await;

    clock.advance(Duration::days(16)); // less than half of 30 days left
    assert!(validate(&narvik, &laptop).await.is_extended());
    assert_never_expires(&server, &index, "after an extension").await;

    server.expire_in_ms(&index, TTL_FROM_0_1_MS).await;
    assert_eq!(sessions_of(&narvik, "user-1").await.len(), 3);
    assert_never_expires(&server, &index, "after a listing").await;

    server.expire_in_ms(&index, TTL_FROM_0_1_MS).await;
    invalidate(&narvik, &phone.session.id).await;
    assert_never_expires(&server, &index, "after signing one session out").await;

    server.expire_in_ms(&index, TTL_FROM_0_1_MS).await;
    // No session is over yet by narvik's clock: this only walks the indexes.
    delete_expired(&narvik).await;
    assert_never_expires(&server, &index, "after delete_all_expired_sessions").await;

    delete_sessions_of(&narvik, "user-1").await;
    assert!(validates_to_none(&narvik, &laptop).await);
    assert!(validates_to_none(&narvik, &tablet).await);
    assert!(server.keys().await.is_empty(), "nothing is left behind");
}

/// An index outlives sessions that expired by themselves (it has no TTL of its
/// own), and `delete_all_expired_sessions` deletes it: nothing is left behind.
pub(crate) async fn an_index_past_all_its_sessions_is_deleted_by_delete_all_expired_sessions(
    server: Server,
) {
    let store = server.store().await;
    // The real clock: Redis expires keys by its own.
    let short = expiring_in(&store, Duration::seconds(1));
    create(&short, "user-1").await;
    create(&short, "user-1").await;
    tokio::time::sleep(StdDuration::from_millis(1_200)).await;

    let index = store.user_index_key("user-1");
    assert_eq!(
        server.keys().await,
        std::slice::from_ref(&index),
        "only the index outlives its sessions"
    );
    assert_never_expires(&server, &index, "an index past its sessions").await;
    delete_expired(&short).await;
    assert!(
        server.keys().await.is_empty(),
        "delete_all_expired_sessions deletes an index left empty"
    );
}
