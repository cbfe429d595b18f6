//! Round trips on the wire, counted by a proxy between the store and its server.

use std::future::Future;
use std::time::Duration as StdDuration;

use narvik::testing::TestData;
use narvik::{ManualClock, Narvik};
use narvik_tests::proxy::CountingProxy;
use narvik_tests::{create, create_sessions, validate, with_manual_clock, START};
use time::Duration;

use crate::fixture::{ServerFixture, SqlDb, SqlFixture, Store, SESSION_LENGTH};

/// Anything a query leaves behind on the wire (sqlx's pool pings a connection
/// after it is given back, in a task of its own) is sent within this time, so a
/// count taken after it includes it.
const SETTLE: StdDuration = StdDuration::from_millis(200);

/// A store behind a counting proxy, its statements prepared on its connection.
pub(crate) async fn warm_store_behind_proxy<F: SqlFixture>(
    db: &SqlDb<F>,
) -> (CountingProxy, Narvik<Store<F>>, ManualClock) {
    let proxy = CountingProxy::start(&db.upstream()).await;
    let store = db
        .store_via(&proxy.host_port())
        .await
        .expect("connect through the proxy");
    // With the absolute lifetime on: its check reads nothing more (the row
    // carries `issued_at`).
    let (narvik, clock) =
        with_manual_clock(Narvik::builder(store).absolute_lifetime(SESSION_LENGTH * 3));
    // Every statement once: the connection prepares and caches each.
    let warm_up = create(&narvik, "warm-up", TestData::named("ada")).await;
    validate(&narvik, &warm_up.token).await.expect("valid");
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    validate(&narvik, &warm_up.token).await.expect("valid");
    narvik
        .invalidate_session(&warm_up.session.id)
        .await
        .expect("invalidate_session");
    clock.set(START);
    (proxy, narvik, clock)
}

async fn round_trips_of<Op: Future>(proxy: &CountingProxy, operation: Op) -> (Op::Output, u64) {
    tokio::time::sleep(SETTLE).await;
    proxy.reset();
    let output = operation.await;
    tokio::time::sleep(SETTLE).await;
    (output, proxy.round_trips())
}

/// After warm-up, validating a session that is not extended is one round trip on
/// the wire: the `SELECT`, with no ping before or after.
pub(crate) async fn validation_without_extension_is_one_round_trip<F: SqlFixture>(db: &SqlDb<F>) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    for _ in 0..3 {
        let (session, round_trips) =
            round_trips_of(&proxy, validate(&narvik, &created.token)).await;
        let session = session.expect("valid");
        assert!(!session.is_extended());
        assert_eq!(round_trips, 1, "validation without extension");
    }
}

/// Validating a session that is extended is at most two round trips: the `SELECT`
/// and the `UPDATE`.
pub(crate) async fn validation_with_extension_is_at_most_two_round_trips<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let (proxy, narvik, clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let (session, round_trips) = round_trips_of(&proxy, validate(&narvik, &created.token)).await;
    assert!(session.expect("valid").is_extended());
    assert!(
        round_trips <= 2,
        "validation with extension: {round_trips} round trips"
    );
}

/// Creating a session (a plain `INSERT`) and invalidating one (a `DELETE`) are one
/// round trip each.
pub(crate) async fn create_and_invalidate_are_one_round_trip_each<F: SqlFixture>(db: &SqlDb<F>) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let (created, round_trips) = round_trips_of(
        &proxy,
        narvik.create_session("user-1", TestData::named("ada")),
    )
    .await;
    let created = created.expect("create_session");
    assert_eq!(round_trips, 1, "create_session");
    let (invalidated, round_trips) =
        round_trips_of(&proxy, narvik.invalidate_session(&created.session.id)).await;
    invalidated.expect("invalidate_session");
    assert_eq!(round_trips, 1, "invalidate_session");
}

/// A rotation is one statement: one round trip (an `UPDATE ... RETURNING`), or
/// two on MySQL (the `UPDATE`, then a `SELECT`), with or without a new
/// `authenticated_at`.
pub(crate) async fn rotation_is_one_statement<F: ServerFixture>(db: &SqlDb<F>) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    // Each statement once, so the connection has it prepared.
    let warm = narvik.rotate_session(&created.session.id).await;
    let warm = warm.expect("rotate_session").expect("rotated");
    let warm = narvik.reauthenticate(&warm.session.id).await;
    let mut current = warm.expect("reauthenticate").expect("rotated").session.id;
    for reauthenticate in [false, true] {
        let rotation = async {
            if reauthenticate {
                narvik.reauthenticate(&current).await
            } else {
                narvik.rotate_session(&current).await
            }
        };
        let (rotated, round_trips) = round_trips_of(&proxy, rotation).await;
        let rotated = rotated.expect("rotation").expect("rotated");
        current = rotated.session.id;
        assert_eq!(
            round_trips,
            F::ROTATION_ROUND_TRIPS,
            "rotation (reauthenticate: {reauthenticate})"
        );
    }
}

/// A data update that finds the expected version is one statement: one round
/// trip (the conditional `UPDATE`), on every backend.
pub(crate) async fn data_update_is_one_round_trip<F: SqlFixture>(db: &SqlDb<F>) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    // Once, so the connection has the statement prepared.
    let mut session = narvik
        .update_session_data(&created.session, TestData::named("bob"))
        .await
        .expect("update_session_data")
        .expect("stored");
    for name in ["carol", "dave"] {
        let (updated, round_trips) = round_trips_of(
            &proxy,
            narvik.update_session_data(&session, TestData::named(name)),
        )
        .await;
        session = updated.expect("update_session_data").expect("stored");
        assert_eq!(round_trips, 1, "update_session_data");
    }
    assert_eq!(session.data_version(), 3);
    let stored = validate(&narvik, &created.token).await.expect("valid");
    assert_eq!(stored.data.username, "dave");
}

/// Ending a user's other sessions, and ending every session, are one statement
/// each: one round trip.
pub(crate) async fn delete_other_and_delete_all_are_one_round_trip_each<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let sessions = create_sessions(&narvik, "user-1", 3, TestData::named("ada")).await;
    let keep = &sessions[0].session.id;
    // Each statement once, so the connection has it prepared.
    narvik
        .delete_other_sessions_for_user("nobody", keep)
        .await
        .expect("delete_other_sessions_for_user");
    let (deleted, round_trips) = round_trips_of(
        &proxy,
        narvik.delete_other_sessions_for_user("user-1", keep),
    )
    .await;
    deleted.expect("delete_other_sessions_for_user");
    assert_eq!(round_trips, 1, "delete_other_sessions_for_user");
    assert!(validate(&narvik, &sessions[0].token).await.is_some());
    assert!(validate(&narvik, &sessions[1].token).await.is_none());

    narvik
        .delete_all_sessions()
        .await
        .expect("delete_all_sessions");
    let (deleted, round_trips) = round_trips_of(&proxy, narvik.delete_all_sessions()).await;
    deleted.expect("delete_all_sessions");
    assert_eq!(round_trips, 1, "delete_all_sessions");
}
