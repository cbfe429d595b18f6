//! A database that cannot be reached, or that stops answering: errors within the
//! time limits, never "signed out", and service that resumes when the database
//! does.

use std::time::{Duration, Instant};

use narvik::testing::TestData;
use narvik::{CreatedSession, Error, Narvik, Session, SessionStore, SessionToken};
use narvik_tests::proxy::CountingProxy;
use narvik_tests::{create, narvik_over, validate};

use crate::fixture::{SqlDb, SqlFixture, Store, ACQUIRE_TIMEOUT};
use crate::round_trips::warm_store_behind_proxy;

/// While the database cannot be reached, validation is `Err(Error::Store)` with the
/// sqlx error as its source, never `Ok(None)`; once it is back, the same Narvik
/// validates again.
pub(crate) async fn unreachable_database_is_store_error_and_service_resumes_without_restart<
    F: SqlFixture,
>(
    db: &SqlDb<F>,
) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;

    proxy.cut();
    // The kept connection died: its query fails. Then no new one can be opened
    // (the proxy refuses), until the acquire timeout.
    for attempt in [
        "on the dead connection",
        "while no connection can be opened",
    ] {
        let validation = narvik.validate_session(created.token.as_str()).await;
        assert_store_error_from_sqlx(validation, attempt);
    }

    assert_service_resumes(&proxy, &narvik, &created).await;
}

/// Checks that validation `attempt` failed with `Error::Store`, the sqlx error its
/// source.
#[track_caller]
fn assert_store_error_from_sqlx(
    validation: narvik::Result<Option<Session<TestData>>>,
    attempt: &str,
) {
    match validation {
        Err(Error::Store { source }) => assert!(
            source.is::<narvik_sqlx::sqlx::Error>(),
            "the source is the sqlx error, got {source:?}"
        ),
        other => panic!("validation {attempt} must be Err(Store), got {other:?}"),
    }
}

/// Lets packets through `proxy` again and checks that the same `narvik` validates
/// `created`, which the outage did not end.
async fn assert_service_resumes<S: SessionStore<Data = TestData>>(
    proxy: &CountingProxy,
    narvik: &Narvik<S>,
    created: &CreatedSession<TestData>,
) {
    proxy.restore();
    let session = validate(narvik, &created.token)
        .await
        .expect("the session is still there");
    assert_eq!(session, created.session);
}

/// `connect` to a server that does not answer fails with
/// [`narvik_sqlx::Error::Connect`] within the acquire timeout.
pub(crate) async fn connecting_to_unreachable_server_is_connect_error<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let proxy = CountingProxy::start(&db.upstream()).await;
    proxy.cut();
    match db.store_via(&proxy.host_port()).await {
        Err(narvik_sqlx::Error::Connect { .. }) => {}
        Err(other) => panic!("expected Error::Connect, got {other:?}"),
        Ok(_) => panic!("connected through a cut proxy"),
    }
}

/// The query time limit of the stores here.
const QUERY_TIMEOUT: Duration = Duration::from_secs(1);

/// Long enough for what a query leaves behind on the wire (sqlx's pool pings a
/// connection given back to it, in a task of its own) to be done.
const SETTLE: Duration = Duration::from_millis(200);

/// What a failure may take beyond its time limit on a busy test machine.
const MARGIN: Duration = Duration::from_millis(1500);

/// A store of `db` through a new proxy, with [`QUERY_TIMEOUT`].
async fn store_behind_proxy<F: SqlFixture>(db: &SqlDb<F>) -> (CountingProxy, Store<F>) {
    let proxy = CountingProxy::start(&db.upstream()).await;
    let store = db
        .store_via(&proxy.host_port())
        .await
        .expect("connect through the proxy")
        .with_query_timeout(QUERY_TIMEOUT);
    (proxy, store)
}

/// Validates `token`, waiting for at most `limit` and the margin: the outcome
/// (`None` when it still waits by then) and the time it took.
async fn validate_within<S: SessionStore<Data = TestData>>(
    narvik: &Narvik<S>,
    token: &SessionToken,
    limit: Duration,
) -> (Option<narvik::Result<Option<Session<TestData>>>>, Duration) {
    let started = Instant::now();
    let validation = tokio::time::timeout(limit + MARGIN, narvik.validate_session(token.as_str()));
    let outcome = validation.await.ok();
    (outcome, started.elapsed())
}

/// While the database is silent (a partition, a dead host: nothing is closed,
/// nothing answers), validation is `Err(Error::Store)` within the time limits,
/// on the kept connection (the query timeout) and on a new one (the acquire
/// timeout), never `Ok(None)`; once packets flow again, the same Narvik
/// validates on new connections.
pub(crate) async fn silent_database_is_store_error_within_time_limit_and_service_resumes<
    F: SqlFixture,
>(
    db: &SqlDb<F>,
) {
    let (proxy, store) = store_behind_proxy(db).await;
    assert_eq!(store.query_timeout(), QUERY_TIMEOUT);
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    validate(&narvik, &created.token).await.expect("valid");

    proxy.blackhole();
    for (attempt, limit) in [
        ("on the kept connection", QUERY_TIMEOUT),
        ("on a new connection", ACQUIRE_TIMEOUT),
    ] {
        let (outcome, elapsed) = validate_within(&narvik, &created.token, limit).await;
        let Some(validation) = outcome else {
            panic!("validation {attempt} still waits after {elapsed:?}, its limit is {limit:?}");
        };
        assert_store_error_from_sqlx(validation, attempt);
        assert!(
            elapsed < limit + MARGIN,
            "validation {attempt} took {elapsed:?}, its limit is {limit:?}"
        );
    }

    assert_service_resumes(&proxy, &narvik, &created).await;
}

/// A store over a pool the application shares also bounds its queries: with the
/// database silent, validation is `Err(Error::Store)` within the query timeout,
/// and the connection that timed out is closed, not given back to the pool
/// (which would first ping it, with no time limit, keeping its place in the
/// pool): once packets flow again, the pool opens a new connection and
/// validation succeeds.
pub(crate) async fn silent_database_on_a_shared_pool_is_store_error_within_time_limit<
    F: SqlFixture,
>(
    db: &SqlDb<F>,
) {
    let proxy = CountingProxy::start(&db.upstream()).await;
    let url = db.url.replacen(&db.upstream(), &proxy.host_port(), 1);
    let pool = narvik_sqlx::pool_options()
        .max_connections(1)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(&url)
        .await
        .expect("a pool through the proxy");
    let store = Store::<F>::from_pool(pool)
        .with_table_name(&db.table)
        .expect("a valid table name")
        .with_query_timeout(QUERY_TIMEOUT);
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    // The pool pings the connection it got back; that ping must be answered
    // before the silence, or it would wait for ever.
    tokio::time::sleep(SETTLE).await;

    proxy.blackhole();
    let (outcome, elapsed) = validate_within(&narvik, &created.token, QUERY_TIMEOUT).await;
    match outcome {
        Some(Err(Error::Store { source })) => assert!(
            matches!(
                source.downcast_ref::<narvik_sqlx::sqlx::Error>(),
                Some(narvik_sqlx::sqlx::Error::Io(cause))
                    if cause.kind() == std::io::ErrorKind::TimedOut
            ),
            "the query timed out, got {source:?}"
        ),
        Some(other) => panic!("validation must be Err(Store), got {other:?}"),
        None => panic!("validation still waits after {elapsed:?}"),
    }

    assert_service_resumes(&proxy, &narvik, &created).await;
}

/// A query that times out says so: its cause is an I/O error of kind `TimedOut`
/// that names the limit.
pub(crate) async fn query_timeout_names_the_limit<F: SqlFixture>(db: &SqlDb<F>) {
    let (proxy, store) = store_behind_proxy(db).await;
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    proxy.blackhole();
    let Err(Error::Store { source }) = narvik.validate_session(created.token.as_str()).await else {
        panic!("validation through a silent proxy must be Err(Store)");
    };
    let Some(narvik_sqlx::sqlx::Error::Io(cause)) = source.downcast_ref() else {
        panic!("the source is an I/O error, got {source:?}");
    };
    assert_eq!(cause.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(
        source.to_string(),
        "error communicating with database: no answer within the query timeout of 1s"
    );
}

/// `connect` to a server that accepts but never answers fails with
/// [`narvik_sqlx::Error::Connect`], within twice the acquire timeout (the pool's
/// attempts, then one more to learn why).
pub(crate) async fn connecting_to_silent_server_is_connect_error_within_time_limit<
    F: SqlFixture,
>(
    db: &SqlDb<F>,
) {
    let proxy = CountingProxy::start(&db.upstream()).await;
    proxy.blackhole();
    let started = Instant::now();
    let limit = ACQUIRE_TIMEOUT * 2;
    let connecting = tokio::time::timeout(limit + MARGIN, db.store_via(&proxy.host_port())).await;
    let elapsed = started.elapsed();
    match connecting {
        Ok(Err(narvik_sqlx::Error::Connect { .. })) => {}
        Ok(Err(other)) => panic!("expected Error::Connect, got {other:?}"),
        Ok(Ok(_)) => panic!("connected to a silent server"),
        Err(_) => panic!("connect still waits after {elapsed:?}"),
    }
    assert!(elapsed < limit + MARGIN, "connect took {elapsed:?}");
}
