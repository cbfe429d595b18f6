//! Connections the server ends (a restart, a failover, an operator's
//! `pg_terminate_backend` or `KILL`): one failed request clears every kept
//! connection, instead of each failing a request of its own.

use std::sync::Arc;

use narvik::testing::TestData;
use narvik::{CreatedSession, Error, Narvik};
use narvik_tests::{create, narvik_over};
use tokio::task::JoinSet;

use crate::fixture::{ConnectionIds, ServerFixture, SqlDb, Store};

/// How many validations run at once to make the store open (and then keep)
/// several connections.
const AT_ONCE: usize = 8;

/// After the server ends every connection of a store that keeps several, at most
/// one validation fails (a store error, never "signed out"); the next ones open
/// fresh connections and succeed.
pub(crate) async fn server_ending_idle_connections_fails_at_most_one_request<F: ServerFixture>(
    db: &SqlDb<F>,
) {
    let (narvik, created, kept) = store_keeping_several_connections(db).await;

    F::end_connections(&db.admin, &kept).await;

    let failures = failures_in_validations(&narvik, &created, kept.len() + 1).await;
    assert!(
        failures <= 1,
        "{failures} validations failed after the server ended the {} connections the \
         store kept; one failure should clear them all",
        kept.len()
    );
}

/// When the server ends every connection while a query waits on one of them (the
/// server then answers it with an error, where MariaDB says "connection killed"
/// rather than closing in silence), that query fails and no later one does.
pub(crate) async fn server_ending_connections_under_a_query_fails_only_that_query<
    F: ServerFixture,
>(
    db: &SqlDb<F>,
) {
    let (narvik, created, kept) = store_keeping_several_connections(db).await;
    let mut lock = db.admin.acquire().await.expect("a connection for the lock");
    F::lock_table(&mut lock, &db.table).await;
    let waiting = tokio::spawn({
        let narvik = Arc::clone(&narvik);
        let token = created.token.clone();
        async move { narvik.validate_session(token.as_str()).await }
    });
    F::wait_for_lock_waiter(&db.admin, &kept).await;

    F::end_connections(&db.admin, &kept).await;
    F::unlock_table(&mut lock).await;
    drop(lock);
    let in_flight = waiting.await.expect("the validation ran");
    assert!(
        matches!(in_flight, Err(Error::Store { .. })),
        "the query whose connection was ended fails: {in_flight:?}"
    );

    let failures = failures_in_validations(&narvik, &created, kept.len() + 1).await;
    assert_eq!(
        failures,
        0,
        "validations failed after the one under way when the server ended the {} \
         connections the store kept; its failure should clear them all",
        kept.len()
    );
}

/// A store that keeps several connections, a session on it, and the server-side
/// ids of its connections.
async fn store_keeping_several_connections<F: ServerFixture>(
    db: &SqlDb<F>,
) -> (Arc<Narvik<Store<F>>>, CreatedSession<TestData>, Vec<u64>) {
    let ids = ConnectionIds::default();
    let store = db
        .store_with(
            &db.upstream(),
            F::recording_connection_ids(Arc::clone(&ids)),
        )
        .await
        .expect("connect");
    let (narvik, _clock) = narvik_over(store);
    let narvik = Arc::new(narvik);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;

    // Validations at once, each on a connection of its own: the store keeps them.
    let mut validations = JoinSet::new();
    for _ in 0..AT_ONCE {
        let narvik = Arc::clone(&narvik);
        let token = created.token.clone();
        validations.spawn(async move { narvik.validate_session(token.as_str()).await });
    }
    while let Some(validation) = validations.join_next().await {
        let session = validation.expect("the validation ran").expect("validate");
        assert!(session.is_some(), "the session is valid");
    }
    let kept = ids.lock().expect("not poisoned").clone();
    assert!(
        kept.len() >= 3,
        "the store should hold several connections, it opened {kept:?}"
    );
    (narvik, created, kept)
}

/// How many of `count` validations of `created`, one after the other, fail; each
/// failure must be a store error (never "signed out"), and the last one must
/// succeed.
async fn failures_in_validations(
    narvik: &Narvik<impl narvik::SessionStore<Data = TestData>>,
    created: &CreatedSession<TestData>,
    count: usize,
) -> usize {
    let mut failures = 0;
    for attempt in 0..count {
        match narvik.validate_session(created.token.as_str()).await {
            Ok(Some(session)) => assert_eq!(session.id, created.session.id),
            Ok(None) => panic!("validation {attempt} signed the user out"),
            Err(Error::Store { source }) => {
                assert!(
                    source.is::<narvik_sqlx::sqlx::Error>(),
                    "the source is the sqlx error, got {source:?}"
                );
                failures += 1;
            }
            Err(other) => panic!("validation {attempt}: expected Err(Store), got {other:?}"),
        }
    }
    let last = narvik.validate_session(created.token.as_str()).await;
    assert!(matches!(last, Ok(Some(_))), "service resumed: {last:?}");
    failures
}
