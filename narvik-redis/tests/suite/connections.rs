//! Connections: an outage and the recovery from it, a server that is not there, and
//! connections the application makes itself.

use std::time::Duration as StdDuration;

use narvik_redis::{redis, RedisStore};

use crate::app::{alice, create, narvik_over, validate, AppData};
use crate::asserts::assert_redis_store_error;
use crate::server::{Server, TEST_TIMEOUT};

/// With Redis cut off, validating and creating are store errors, quickly; once it
/// is back, the same store reconnects by itself and the session survived.
pub(crate) async fn unreachable_redis_is_a_store_error_and_the_store_recovers_by_itself(
    server: Server,
) {
    let proxy = server.proxy().await;
    let (narvik, _clock) = narvik_over(server.store_via(&proxy).await);
    let created = create(&narvik, "user-1").await;
    validate(&narvik, &created).await;

    proxy.cut();
    for attempt in 0..3 {
        let started = std::time::Instant::now();
        let result = narvik.validate_session(created.token.as_str()).await;
        let error = result.expect_err("validation with Redis down must fail, not sign out");
        assert_redis_store_error(&error, &format!("validation {attempt} during the outage"));
        // The default timeouts and two reconnection retries: well under a second
        // here, never the minutes of a connection left to hang.
        assert!(
            started.elapsed() < StdDuration::from_secs(5),
            "validation {attempt} took {:?} to fail",
            started.elapsed()
        );
    }
    let error = narvik
        .create_session("user-1", alice())
        .await
        .expect_err("creating with Redis down must fail");
    assert_redis_store_error(&error, "create_session during the outage");

    proxy.restore();
    // The same store, not a new one: its connection manager reconnects by
    // itself. A request already under way when Redis came back may still fail.
    let mut failures_after_restore = 0;
    let session = loop {
        match narvik.validate_session(created.token.as_str()).await {
            Ok(session) => break session,
            Err(error) => {
                assert_redis_store_error(&error, "validation after the restore");
                failures_after_restore += 1;
                assert!(
                    failures_after_restore < 20,
                    "the store did not recover: {error}"
                );
                tokio::time::sleep(StdDuration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(
        session.map(|session| session.id),
        Some(created.session.id),
        "the session survived the outage"
    );
    create(&narvik, "user-1").await;
}

/// Connecting to a port nothing listens on gives up with a store error.
pub(crate) async fn connecting_to_a_server_that_is_not_there_is_a_store_error() {
    let free_port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        listener.local_addr().expect("its address").port()
    };
    let url = format!("redis://127.0.0.1:{free_port}");
    let connecting = RedisStore::<AppData>::connect(&url);
    let result = tokio::time::timeout(TEST_TIMEOUT, connecting)
        .await
        .expect("connect must give up, not hang");
    let error = result.expect_err("nothing listens there");
    assert_redis_store_error(&error, "connect");
    assert!(
        error.to_string().starts_with("session store failed"),
        "{error}"
    );
}

/// The store works over a `ConnectionManager` and over a plain multiplexed
/// connection that the application made.
pub(crate) async fn store_works_over_a_connection_made_by_the_app(server: Server) {
    let client = redis::Client::open(server.url.as_str()).expect("valid URL");
    let config = RedisStore::<AppData>::default_connection_config();
    let manager = redis::aio::ConnectionManager::new_with_config(client.clone(), config)
        .await
        .expect("connect");
    let store = RedisStore::<AppData>::from_connection(manager).with_key_prefix(&server.prefix);
    store.load_scripts().await.expect("load scripts");
    assert_eq!(store.key_prefix(), server.prefix);
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1").await;

    // A plain multiplexed connection works too.
    let multiplexed = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let store =
        RedisStore::<AppData, _>::from_connection(multiplexed).with_key_prefix(&server.prefix);
    let (other, _clock) = narvik_over(store);
    assert_eq!(validate(&other, &created).await.data, alice());
}
