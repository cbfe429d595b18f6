//! Sharing one Redis: two app servers over the same keys, and stores kept apart by
//! their key prefixes.

use narvik_tests::{delete_expired, delete_sessions_of, invalidate, sessions_of};
use time::Duration;

use crate::app::{alice, create, narvik_over, validate, validates_to_none};
use crate::server::Server;

/// Two app servers over one Redis see each other's creations, invalidations and
/// deletions at once.
pub(crate) async fn two_app_servers_over_one_redis_see_each_others_changes_at_once(server: Server) {
    // Separate connections, as two processes would have.
    let (first, _) = narvik_over(server.store().await);
    let (second, _) = narvik_over(server.store().await);

    let created = create(&first, "user-1").await;
    let seen = validate(&second, &created).await;
    assert_eq!(seen.id, created.session.id);
    assert_eq!(seen.data, alice());

    invalidate(&second, &created.session.id).await;
    assert!(validates_to_none(&first, &created).await);

    let laptop = create(&first, "user-1").await;
    let phone = create(&first, "user-1").await;
    let other_user = create(&first, "user-2").await;
    assert_eq!(sessions_of(&second, "user-1").await.len(), 2);
    delete_sessions_of(&second, "user-1").await;
    assert!(validates_to_none(&first, &laptop).await);
    assert!(validates_to_none(&first, &phone).await);
    validate(&first, &other_user).await;
    assert!(sessions_of(&first, "user-1").await.is_empty());
}

/// Stores under different key prefixes on one server neither see nor delete each
/// other's sessions.
pub(crate) async fn key_prefixes_keep_stores_on_one_server_apart(server: Server) {
    let (first, first_clock) = narvik_over(server.store().await);
    let second_store = server
        .store()
        .await
        .with_key_prefix(format!("{}other:", server.prefix));
    let (second, second_clock) = narvik_over(second_store);
    let created = create(&first, "user-1").await;
    create(&second, "user-1").await;

    assert!(validates_to_none(&second, &created).await);
    delete_sessions_of(&second, "user-1").await;
    second_clock.advance(Duration::days(365));
    delete_expired(&second).await;
    assert!(sessions_of(&second, "user-1").await.is_empty());

    first_clock.advance(Duration::days(1));
    validate(&first, &created).await;
    assert_eq!(sessions_of(&first, "user-1").await.len(), 1);
}
