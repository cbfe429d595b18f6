//! The per-user index: members whose session is gone or belongs to another user,
//! and deleting the expired sessions of every index.

use narvik_tests::{delete_expired, delete_sessions_of};
use time::Duration;

use crate::app::{create, listed_ids, store_and_narvik, validate, validates_to_none};
use crate::frame::unix_ms;
use crate::server::Server;

/// Listing and deleting a user's sessions skip members whose session is gone, and
/// never list or delete another user's session that their index names.
pub(crate) async fn user_operations_skip_stale_members_and_never_touch_another_users_session(
    server: Server,
) {
    let (store, narvik, _clock) = store_and_narvik(&server).await;
    let mine = create(&narvik, "alice").await;
    let bobs = create(&narvik, "bob").await;
    let alice_index = store.user_index_key("alice");
    // A member whose session is gone, and one naming Bob's session: neither may be
    // listed as Alice's, and Bob's session must survive deleting Alice's.
    let far_future = unix_ms(mine.session.expires_at);
    server
        .add_index_members(
            &alice_index,
            far_future,
            &["0000gone", bobs.session.id.as_str()],
        )
        .await;

    assert_eq!(
        listed_ids(&narvik, "alice").await,
        std::slice::from_ref(&mine.session.id)
    );
    assert_eq!(
        server.index_members(&store, "alice").await,
        [mine.session.id.to_string()],
        "stale and foreign members are dropped"
    );

    server
        .add_index_members(&alice_index, far_future, &[bobs.session.id.as_str()])
        .await;
    delete_sessions_of(&narvik, "alice").await;
    assert!(validates_to_none(&narvik, &mine).await);
    validate(&narvik, &bobs).await;
    assert!(!server.exists(&alice_index).await);
}

/// Deleting the expired sessions walks every index, more than one `SCAN` page of
/// them, and leaves only live sessions and their indexes.
pub(crate) async fn delete_all_expired_sessions_walks_every_index_page_by_page(server: Server) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    // More users than one SCAN page holds.
    const USERS: usize = 250;
    for user in 0..USERS {
        create(&narvik, &format!("user-{user}")).await;
    }
    clock.advance(Duration::days(20));
    let survivor = create(&narvik, "user-0").await;
    // A stale member of an index with no live session by the app's clock.
    server
        .add_index_members(&store.user_index_key("user-1"), 1, &["0000gone"])
        .await;
    assert_eq!(server.keys().await.len(), 2 * USERS + 1);

    // Past the first sessions' expiry by narvik's clock; Redis's is still a month
    // behind, so the keys are there until this deletes them.
    clock.advance(Duration::days(11));
    delete_expired(&narvik).await;

    let mut expected = vec![
        store.session_key(&survivor.session.id),
        store.user_index_key("user-0"),
    ];
    expected.sort();
    assert_eq!(
        server.keys().await,
        expected,
        "only the live session and its index are left"
    );
    assert_eq!(
        server.index_members(&store, "user-0").await,
        [survivor.session.id.to_string()]
    );
    validate(&narvik, &survivor).await;
}
