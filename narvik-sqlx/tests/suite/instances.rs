//! Several stores over one database: separate pools (app instances), a store that
//! is gone, a pool the application shares.

use narvik::testing::TestData;
use narvik_tests::{create, narvik_over, stored, validate};
use time::Duration;

use crate::fixture::{SqlDb, SqlFixture, SESSION_LENGTH};

/// A store dropped with its pool leaves its sessions; a new one reads them.
pub(crate) async fn sessions_outlive_the_store_that_wrote_them<F: SqlFixture>(db: &SqlDb<F>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let created = create(&narvik, "user-1", TestData::full()).await;
    drop(narvik);

    let (narvik, _clock) = narvik_over(db.store().await);
    let session = validate(&narvik, &created.token).await;
    assert_eq!(session, Some(created.session));
}

/// Two app instances (separate pools) over one database: a session created through
/// one validates through the other, extension included.
pub(crate) async fn session_created_on_one_instance_validates_on_another<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let (first, first_clock) = narvik_over(db.store().await);
    let (second, second_clock) = narvik_over(db.store().await);
    let created = create(&first, "user-1", TestData::named("ada")).await;
    let validated = validate(&second, &created.token)
        .await
        .expect("a session created on the first instance is valid on the second");
    assert_eq!(validated, created.session);

    // The second extends it; the first sees the new expiry.
    second_clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    first_clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&second, &created.token).await.expect("valid");
    assert!(extended.is_extended());
    let seen = stored(&first, &created.session.id).await.expect("stored");
    assert_eq!(seen.expires_at, extended.expires_at);
}

/// Signing out through one instance, one session or all of a user's, takes effect
/// on the other at once.
pub(crate) async fn invalidation_on_one_instance_applies_on_another_at_once<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let (first, _first_clock) = narvik_over(db.store().await);
    let (second, _second_clock) = narvik_over(db.store().await);
    let signed_out = create(&first, "user-1", TestData::named("ada")).await;
    let other_device = create(&first, "user-1", TestData::named("ada")).await;
    let bystander = create(&first, "user-2", TestData::named("bob")).await;
    for created in [&signed_out, &other_device, &bystander] {
        assert!(validate(&second, &created.token).await.is_some());
    }

    second
        .invalidate_session(&signed_out.session.id)
        .await
        .expect("invalidate_session");
    assert!(validate(&first, &signed_out.token).await.is_none());
    assert!(validate(&first, &other_device.token).await.is_some());

    first
        .delete_sessions_for_user("user-1")
        .await
        .expect("delete_sessions_for_user");
    assert!(validate(&second, &other_device.token).await.is_none());
    assert!(second
        .fetch_sessions_for_user("user-1")
        .await
        .expect("fetch_sessions_for_user")
        .is_empty());
    assert!(validate(&second, &bystander.token).await.is_some());
}

/// Modifies of one session at once through two app instances (separate pools)
/// each count its data up once: none is lost, none is applied twice.
pub(crate) async fn modifies_at_once_on_two_instances_lose_no_update<F: SqlFixture>(db: &SqlDb<F>) {
    narvik::testing::modifies_through_two_stores_lose_no_update(db.store().await, db.store().await)
        .await;
}

/// A store over a pool the application shares does every operation.
pub(crate) async fn store_over_shared_pool_runs_every_operation<F: SqlFixture>(db: &SqlDb<F>) {
    let (narvik, clock) = narvik_over(db.store_on_shared_pool());
    let created = create(&narvik, "user-1", TestData::full()).await;
    let expiring = create(&narvik, "user-2", TestData::named("bob")).await;
    assert_eq!(
        validate(&narvik, &created.token).await,
        Some(created.session.clone())
    );
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &created.token).await.expect("valid");
    assert!(extended.is_extended());
    let listed = narvik
        .fetch_sessions_for_user("user-1")
        .await
        .expect("fetch_sessions_for_user");
    assert_eq!(listed, vec![extended]);
    clock.advance(SESSION_LENGTH / 2);
    narvik
        .delete_all_expired_sessions()
        .await
        .expect("delete_all_expired_sessions");
    let gone = stored(&narvik, &expiring.session.id).await;
    assert!(gone.is_none(), "the expired session was not deleted");
    narvik
        .delete_sessions_for_user("user-1")
        .await
        .expect("delete_sessions_for_user");
    assert!(validate(&narvik, &created.token).await.is_none());
}
