//! Typed data updates (`update_session_data`): one script that compares the data
//! version in the frame, rewrites only the version and the data, and keeps the
//! key's expiry; no update lost between app servers on separate connections.

use narvik::testing::TestData;
use narvik::{DataUpdate, Error, SessionToken, UpdateSessionData, UNKNOWN_TIME};
use time::{Duration, OffsetDateTime};

use crate::app::{alice, clock_now, create, store_and_narvik, validate, AppData};
use crate::asserts::{assert_expires_at, assert_indexed_until};
use crate::frame::{frame_of_0_1, unix_ms, versioned_frame};
use crate::server::{connect, Server};

/// [`alice`] after one more visit, as the store writes it.
const ALICE_VISITED_JSON: &str = r#"{"username":"alice","theme":"dark","visits":4}"#;

/// [`alice`] after one more visit.
fn alice_visited() -> AppData {
    AppData {
        visits: 4,
        ..alice()
    }
}

/// 100 concurrent `modify_session_data` increments, half through each of two
/// stores on connections of their own (two app servers), lose none.
pub(crate) async fn two_app_servers_modifying_at_once_lose_no_update(server: Server) {
    let connect_one = || async {
        connect::<TestData>(&server.url)
            .await
            .with_key_prefix(server.prefix.clone())
    };
    narvik::testing::modifies_through_two_stores_lose_no_update(
        connect_one().await,
        connect_one().await,
    )
    .await;
}

/// An update rewrites the data version and the data and no other byte of the
/// frame (leading zeros of the times included), keeps the key's expiry and the
/// index; a stale version writes nothing; a rotation keeps the version.
pub(crate) async fn updating_data_rewrites_only_the_version_and_the_data_and_keeps_the_ttl(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    let session_key = store.session_key(&created.session.id);
    let times = created.session.times();
    let expires_at_ms = unix_ms(times.expires_at);
    let head = format!(
        "v2:{expires_at_ms}:00{}:0{}:",
        unix_ms(times.issued_at),
        unix_ms(times.authenticated_at)
    );
    let user_and_data = r#"6:user-1{"username":"alice","theme":"dark","visits":3}"#;
    // Planted with leading zeros in the stamps and the version, which the scripts
    // copy as text. (Not in expires_at: Redis's PXAT refuses them.)
    server
        .replace_value(&session_key, format!("{head}000:{user_and_data}"))
        .await;
    let ttl_before = server.time_to_live_ms(&session_key).await;

    let updated = store
        .update_session_data(&created.session.id, 0, &alice_visited())
        .await
        .expect("update_session_data");
    assert_eq!(updated, DataUpdate::Updated { data_version: 1 });
    assert_eq!(
        server.value(&session_key).await,
        format!("{head}1:6:user-1{ALICE_VISITED_JSON}"),
        "only the data version and the data rewritten"
    );
    let ttl_after = server.time_to_live_ms(&session_key).await;
    assert!(
        ttl_after > 0 && ttl_after <= ttl_before,
        "the key's TTL kept: {ttl_before} ms, then {ttl_after} ms"
    );
    assert_expires_at(&server, &session_key, expires_at_ms).await;
    let index = store.user_index_key("user-1");
    assert_indexed_until(&server, &index, &created.session.id, expires_at_ms).await;

    // A stale version: nothing written.
    let stale = store
        .update_session_data(&created.session.id, 0, &alice())
        .await
        .expect("update_session_data");
    assert_eq!(stale, DataUpdate::Conflict);
    let through_narvik = narvik.update_session_data(&created.session, alice()).await;
    assert!(
        matches!(through_narvik, Err(Error::Conflict)),
        "{through_narvik:?}"
    );
    assert_eq!(
        server.value(&session_key).await,
        format!("{head}1:6:user-1{ALICE_VISITED_JSON}")
    );

    // Read back, then rotated: the version moves with the frame.
    let session = validate(&narvik, &created).await;
    assert_eq!(session.data_version(), 1);
    assert_eq!(session.data, alice_visited());
    clock.advance(Duration::minutes(1));
    let rotated = narvik
        .rotate_session(&session.id)
        .await
        .expect("rotate_session")
        .expect("a live session");
    assert_eq!(rotated.session.data_version(), 1);
    let rotated_key = store.session_key(&rotated.session.id);
    assert_eq!(
        server.value(&rotated_key).await,
        format!("{head}1:6:user-1{ALICE_VISITED_JSON}"),
        "the frame moved as stored, its version with it"
    );
    let again = narvik
        .update_session_data(&rotated.session, alice())
        .await
        .expect("update_session_data")
        .expect("a live session");
    assert_eq!(again.data_version(), 2);
    assert_eq!(again.times(), rotated.session.times(), "times untouched");
    assert!(clock_now(&clock) < again.expires_at);
}

/// An update of a session that is gone writes nothing: no key, no index member.
pub(crate) async fn updating_a_gone_session_writes_nothing(server: Server) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let created = create(&narvik, "user-1").await;
    narvik
        .invalidate_session(&created.session.id)
        .await
        .expect("invalidate_session");
    let gone = store
        .update_session_data(&created.session.id, 0, &alice_visited())
        .await
        .expect("update_session_data");
    assert_eq!(gone, DataUpdate::Gone);
    assert!(!server.exists(&store.session_key(&created.session.id)).await);
    assert!(server.index_members(&store, "user-1").await.is_empty());
}

/// A frame of 0.1 has data version 0: an update expecting 0 writes it in the
/// current layout (issued_at now, authenticated_at unknown) at version 1, keeping
/// its expiry; one expecting another version writes nothing.
pub(crate) async fn updating_a_0_1_session_writes_the_current_layout_at_version_1(server: Server) {
    let store = server.store().await;
    let session_id = SessionToken::generate().session_id();
    let now = OffsetDateTime::now_utc();
    let expires_at = now
        .replace_millisecond(now.millisecond())
        .expect("a whole millisecond")
        + Duration::days(20);
    let data = r#"{"username":"alice","theme":"dark","visits":3}"#;
    server
        .plant_session_of_0_1(&store, &session_id, "user-1", expires_at, data)
        .await;
    let session_key = store.session_key(&session_id);
    let planted = frame_of_0_1(unix_ms(expires_at), "user-1", data);

    let conflict = store
        .update_session_data(&session_id, 3, &alice_visited())
        .await
        .expect("update_session_data");
    assert_eq!(conflict, DataUpdate::Conflict);
    assert_eq!(server.value(&session_key).await, planted, "nothing written");

    let before = unix_ms(OffsetDateTime::now_utc());
    let updated = store
        .update_session_data(&session_id, 0, &alice_visited())
        .await
        .expect("update_session_data");
    let after = unix_ms(OffsetDateTime::now_utc());
    assert_eq!(updated, DataUpdate::Updated { data_version: 1 });
    let session = narvik::SessionStore::fetch_session(&store, &session_id)
        .await
        .expect("fetch_session")
        .expect("a live session");
    assert_eq!(session.data_version(), 1);
    assert_eq!(session.data, alice_visited());
    assert_eq!(session.authenticated_at, UNKNOWN_TIME);
    let issued_at = unix_ms(session.issued_at);
    assert!(
        (before..=after).contains(&issued_at),
        "issued_at {issued_at}"
    );
    assert_eq!(
        server.value(&session_key).await,
        versioned_frame(session.times(), 1, "user-1", ALICE_VISITED_JSON)
    );
    assert_expires_at(&server, &session_key, unix_ms(expires_at)).await;
}
