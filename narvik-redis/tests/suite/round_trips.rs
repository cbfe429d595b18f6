//! Round trips on the wire, counted by a proxy in front of the server.

use time::Duration;

use crate::app::{create, narvik_with, validate, AppData};
use crate::frame::unix_ms;
use crate::server::Server;
use narvik_tests::stored;

/// With the absolute lifetime on, as everywhere in this file: its check reads
/// nothing more (the frame carries `issued_at`).
fn with_absolute_lifetime(
    builder: narvik::NarvikBuilder<narvik_redis::RedisStore<crate::app::AppData>>,
) -> narvik::NarvikBuilder<narvik_redis::RedisStore<crate::app::AppData>> {
    builder.absolute_lifetime(Duration::days(90))
}

/// A validation that does not extend is one `GET`.
pub(crate) async fn validate_without_extension_costs_one_round_trip(server: Server) {
    let proxy = server.proxy().await;
    let (narvik, _clock) = narvik_with(server.store_via(&proxy).await, with_absolute_lifetime);
    let created = create(&narvik, "user-1").await;
    validate(&narvik, &created).await; // warm-up

    proxy.reset();
    let session = validate(&narvik, &created).await;
    assert!(!session.is_extended());
    assert_eq!(proxy.round_trips(), 1, "a plain validation is one GET");
}

/// A validation that extends is a `GET` and an `EVALSHA` at most.
pub(crate) async fn validate_with_extension_costs_at_most_two_round_trips(server: Server) {
    let proxy = server.proxy().await;
    let (narvik, clock) = narvik_with(server.store_via(&proxy).await, with_absolute_lifetime);
    let created = create(&narvik, "user-1").await;
    validate(&narvik, &created).await; // warm-up
    clock.advance(Duration::days(16)); // less than half of 30 days left

    proxy.reset();
    let session = validate(&narvik, &created).await;
    assert!(session.is_extended());
    let round_trips = proxy.round_trips();
    assert!(
        round_trips <= 2,
        "an extending validation took {round_trips} round trips (GET + EVALSHA is 2)"
    );

    let stored = stored(&narvik, &created.session.id).await;
    assert_eq!(
        stored.map(|stored| stored.expires_at),
        Some(session.expires_at)
    );
}

/// A sign-in is one round trip: `SET`, `ZADD` and `PERSIST` in one pipeline.
pub(crate) async fn a_sign_in_costs_one_round_trip(server: Server) {
    let proxy = server.proxy().await;
    let (narvik, _clock) = narvik_with(server.store_via(&proxy).await, with_absolute_lifetime);
    create(&narvik, "user-1").await; // warm-up

    proxy.reset();
    let created = create(&narvik, "user-1").await;
    assert_eq!(
        proxy.round_trips(),
        1,
        "a sign-in is one pipeline of SET, ZADD and PERSIST"
    );
    assert!(stored(&narvik, &created.session.id).await.is_some());
    assert_eq!(
        server
            .index_score(
                &narvik.store().user_index_key("user-1"),
                created.session.id.as_str()
            )
            .await,
        unix_ms(created.session.expires_at),
        "and the session is listed with its expiry"
    );
}

/// A successful data update is one `EVALSHA`: the script reads, compares and
/// writes.
pub(crate) async fn a_successful_data_update_costs_one_round_trip(server: Server) {
    let proxy = server.proxy().await;
    let (narvik, _clock) = narvik_with(server.store_via(&proxy).await, with_absolute_lifetime);
    let created = create(&narvik, "user-1").await;
    let session = validate(&narvik, &created).await; // warm-up

    proxy.reset();
    let data = AppData {
        visits: session.visits + 1,
        ..session.data.clone()
    };
    let updated = narvik
        .update_session_data(&session, data)
        .await
        .expect("update_session_data")
        .expect("a live session");
    assert_eq!(updated.data_version(), 1);
    assert_eq!(proxy.round_trips(), 1, "a data update is one EVALSHA");
}
