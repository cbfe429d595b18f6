//! A sign-in under a session limit waits for the user's lock, taken by another
//! sign-in of the same user; on a server, that wait is bounded by the store's
//! query timeout, and a sign-in given up halfway leaves no lock behind.

use std::time::{Duration as StdDuration, Instant};

use narvik::testing::TestData;
use narvik::{Narvik, SessionLimitPolicy};
use narvik_tests::{sessions_of, validate, with_manual_clock};

use crate::fixture::{ServerFixture, SqlDb, Store};

/// The query timeout of the store under test.
const QUERY_TIMEOUT: StdDuration = StdDuration::from_secs(1);

/// How long past the query timeout a sign-in may take to fail: the server's
/// answer, and the margin the store gives it.
const SLACK: StdDuration = StdDuration::from_millis(1_500);

/// A Narvik over `store` allowing 2 sessions per user.
fn limited<F: ServerFixture>(store: Store<F>) -> Narvik<Store<F>> {
    let builder = Narvik::builder(store)
        .max_sessions_per_user(2)
        .session_limit_policy(SessionLimitPolicy::EndLeastRecentlyExtended);
    with_manual_clock(builder).0
}

/// While the user's lock is taken elsewhere (another sign-in of the user, on
/// another instance), a sign-in of that user fails with a store error once the
/// query timeout is over, storing nothing; sign-ins of other users go on
/// meanwhile; once the lock is free, the user signs in.
pub(crate) async fn limited_sign_in_waits_at_most_the_query_timeout_for_the_users_lock<
    F: ServerFixture,
>(
    db: &SqlDb<F>,
) {
    let narvik = limited::<F>(db.store().await.with_query_timeout(QUERY_TIMEOUT));
    let mut holder = db.admin.acquire().await.expect("a connection");
    F::hold_user_lock(&mut holder, &db.table, "ada").await;

    let started = Instant::now();
    let waited = narvik.create_session("ada", TestData::named("ada")).await;
    let elapsed = started.elapsed();
    match waited {
        Err(narvik::Error::Store { .. }) => {}
        other => panic!("a sign-in that cannot get the user's lock must fail, got {other:?}"),
    }
    assert!(
        elapsed >= QUERY_TIMEOUT.mul_f64(0.9) && elapsed <= QUERY_TIMEOUT + SLACK,
        "the sign-in waited {elapsed:?} for a query timeout of {QUERY_TIMEOUT:?}"
    );
    assert!(
        sessions_of(&narvik, "ada").await.is_empty(),
        "nothing stored"
    );

    let bob = narvik
        .create_session("bob", TestData::named("bob"))
        .await
        .expect("another user's sign-in does not wait for ada's lock");
    assert!(validate(&narvik, &bob.token).await.is_some());

    F::release_user_lock(&mut holder, &db.table, "ada").await;
    let ada = narvik
        .create_session("ada", TestData::named("ada"))
        .await
        .expect("a sign-in once the lock is free");
    assert!(validate(&narvik, &ada.token).await.is_some());
}

/// A sign-in given up while it waits for the user's lock (the client went away:
/// its future is dropped) leaves nothing behind: no lock, no open transaction on
/// a connection, so the next sign-ins of the user, through the same store, go
/// through at once.
pub(crate) async fn sign_in_given_up_halfway_leaves_no_lock_behind<F: ServerFixture>(
    db: &SqlDb<F>,
) {
    let narvik = limited::<F>(db.store().await.with_query_timeout(QUERY_TIMEOUT));
    let mut holder = db.admin.acquire().await.expect("a connection");
    F::hold_user_lock(&mut holder, &db.table, "ada").await;
    let given_up = tokio::time::timeout(
        QUERY_TIMEOUT / 4,
        narvik.create_session("ada", TestData::named("given up")),
    )
    .await;
    assert!(given_up.is_err(), "the sign-in was still waiting");
    F::release_user_lock(&mut holder, &db.table, "ada").await;

    for name in ["first", "second", "third"] {
        let started = Instant::now();
        let created = narvik
            .create_session("ada", TestData::named(name))
            .await
            .expect("a sign-in after one given up");
        assert!(
            started.elapsed() < QUERY_TIMEOUT / 2,
            "the sign-in waited {:?}",
            started.elapsed()
        );
        assert!(validate(&narvik, &created.token).await.is_some());
    }
    let names: Vec<String> = sessions_of(&narvik, "ada")
        .await
        .into_iter()
        .map(|session| session.data.username)
        .collect();
    assert_eq!(names.len(), 2, "the limit holds: {names:?}");
    assert!(!names.contains(&"given up".to_owned()));
}
