//! Expiry by Redis's own clock: keys that expire by themselves, the index members
//! they leave behind, and expiries already past.

use std::time::Duration as StdDuration;

use narvik::{Narvik, Session, SessionId, SessionStore, SessionTimes};
use narvik_tests::{invalidate, stored};
use time::{Duration, OffsetDateTime};

use crate::app::{alice, create, expiring_in, listed_ids, narvik_over};
use crate::asserts::assert_never_expires;
use crate::server::Server;

/// A session's key expires with it, by Redis's clock; the next script to read the
/// index drops its member, and an index whose sessions are all gone goes when a
/// script next reads it (it has no TTL of its own).
pub(crate) async fn session_key_expires_by_itself_and_leaves_the_user_index(server: Server) {
    let store = server.store().await;
    // The real clock: Redis expires keys by its own, which a ManualClock cannot move.
    let short = expiring_in(&store, Duration::seconds(1));
    let long = Narvik::new(store.clone());
    let short_lived = create(&short, "user-1").await;
    let long_lived = create(&long, "user-1").await;
    let only_session = create(&short, "user-2").await;
    let session_key = store.session_key(&short_lived.session.id);
    let time_to_live = server.time_to_live_ms(&session_key).await;
    assert!(
        (1..=1_000).contains(&time_to_live),
        "the key expires with the session: PTTL {time_to_live}"
    );

    tokio::time::sleep(StdDuration::from_millis(1_200)).await;
    assert!(
        !server.exists(&session_key).await,
        "Redis deleted the key by itself"
    );
    assert_eq!(
        server.index_members(&store, "user-1").await.len(),
        2,
        "the member stays in the index until a script next reads it"
    );
    assert_eq!(
        listed_ids(&long, "user-1").await,
        std::slice::from_ref(&long_lived.session.id),
        "fetch_sessions_for_user never lists a session that expired by itself"
    );
    assert_eq!(
        server.index_members(&store, "user-1").await,
        [long_lived.session.id.to_string()],
        "and drops its member from the index"
    );

    // An index has no TTL: it outlives its latest session until a script reads it,
    // and the listing that drops the last member deletes it.
    assert!(
        !server
            .exists(&store.session_key(&only_session.session.id))
            .await
    );
    let user_2_index = store.user_index_key("user-2");
    assert_never_expires(&server, &user_2_index, "an index past its sessions").await;
    assert!(listed_ids(&short, "user-2").await.is_empty());
    assert!(!server.exists(&user_2_index).await);
    invalidate(&long, &long_lived.session.id).await;
    assert!(server.keys().await.is_empty(), "nothing is left behind");
}

/// One save in 16 (the session id ending in `0`) drops the members of its user's
/// index that expired over a minute ago; the other saves leave them, and no save
/// drops a member that expired less than a minute ago (clocks may disagree).
pub(crate) async fn saving_drops_the_members_whose_session_expired(server: Server) {
    let store = server.store().await;
    let narvik = Narvik::new(store.clone());
    let index = store.user_index_key("user-1");
    let now_ms = OffsetDateTime::now_utc().unix_timestamp() * 1_000;
    for (member, expired_ms_ago) in [("long-gone-1", 120_000), ("long-gone-2", 61_000)] {
        server
            .query::<()>(
                redis::cmd("ZADD")
                    .arg(&index)
                    .arg(now_ms - expired_ms_ago)
                    .arg(member),
            )
            .await;
    }
    let recent = "expired-a-second-ago";
    server
        .query::<()>(
            redis::cmd("ZADD")
                .arg(&index)
                .arg(now_ms - 1_000)
                .arg(recent),
        )
        .await;

    let mut created = Vec::new();
    // (15/16)^400: a run without a pruning save is as good as impossible.
    for _ in 0..400 {
        let session = create(&narvik, "user-1").await;
        let id = session.session.id.to_string();
        created.push(id.clone());
        let members = server.index_members(&store, "user-1").await;
        if !id.ends_with('0') {
            assert!(
                members.iter().any(|member| member == "long-gone-1"),
                "a save of an id not ending in 0 prunes nothing"
            );
            continue;
        }
        let mut expected = created.clone();
        expected.push(recent.to_owned());
        expected.sort();
        let mut members = members;
        members.sort();
        assert_eq!(
            members, expected,
            "the save of {id} drops the members expired over a minute ago, only"
        );
        return;
    }
    panic!("no session id of 400 ended in 0");
}

/// Saving a session that already expired, or extending one into the past, leaves
/// no key.
pub(crate) async fn saving_or_extending_to_a_past_expiry_leaves_nothing_behind(server: Server) {
    let store = server.store().await;
    let now = OffsetDateTime::now_utc();
    for expires_at in [
        now - Duration::seconds(1),
        OffsetDateTime::UNIX_EPOCH - Duration::days(1),
    ] {
        let times = SessionTimes::issued(now, expires_at);
        let mut session = Session::new(SessionId::of_token("past"), "user-1", times, alice());
        store.save_session(&mut session).await.expect("save");
        assert!(server.keys().await.is_empty(), "saved at {expires_at}");
    }

    let (narvik, _clock) = narvik_over(store.clone());
    let created = create(&narvik, "user-1").await;
    store
        .update_session_expiry(&created.session.id, now - Duration::seconds(1))
        .await
        .expect("update to the past");
    assert!(stored(&narvik, &created.session.id).await.is_none());
    assert!(server.index_members(&store, "user-1").await.is_empty());
    assert!(server.keys().await.is_empty());
}
