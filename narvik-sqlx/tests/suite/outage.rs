//! A database that cannot be reached: errors, never "signed out", and service that
//! resumes when the database does.

use narvik::testing::TestData;
use narvik::Error;
use narvik_tests::proxy::CountingProxy;
use narvik_tests::{create, validate};

use crate::fixture::{SqlDb, SqlFixture};
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
        match narvik.validate_session(created.token.as_str()).await {
            Err(Error::Store { source }) => assert!(
                source.is::<narvik_sqlx::sqlx::Error>(),
                "the source is the sqlx error, got {source:?}"
            ),
            other => panic!("validation {attempt} must be Err(Store), got {other:?}"),
        }
    }

    proxy.restore();
    let session = validate(&narvik, &created.token)
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
