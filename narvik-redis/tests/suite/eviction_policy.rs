//! The eviction policy checked at connect, each on a server of the test's own: a
//! policy that could evict a user's index is refused with an error naming it, a
//! server that will not tell its policy with an error naming the switch, and the
//! switch lets the store start on either.

use std::error::Error as _;

use narvik::Error;
use narvik_redis::{redis, EvictionPolicyError, RedisStore};
use narvik_tests::delete_sessions_of;

use crate::app::{create, narvik_over, validates_to_none, AppData};
use crate::own_server::OwnServer;

/// Under `allkeys-lru` Redis may evict an index while its sessions live on:
/// connecting is refused, naming the setting and its value, and the switch starts
/// the store all the same.
pub(crate) async fn connect_refuses_an_allkeys_policy_naming_it_and_starts_with_the_switch(
    server: OwnServer,
) {
    let refused = RedisStore::<AppData>::connect(&server.url).await;
    assert_may_evict_indexes(refused, "allkeys-lru", "connect");
    let config = RedisStore::<AppData>::default_connection_config();
    let refused = RedisStore::<AppData>::connect_with_config(&server.url, config).await;
    assert_may_evict_indexes(refused, "allkeys-lru", "connect_with_config");

    // A connection the app made: the same check, called by hand.
    let store = RedisStore::<AppData, _>::from_connection(multiplexed(&server).await);
    let refused = store.check_eviction_policy().await.map(|()| store);
    assert_may_evict_indexes(refused, "allkeys-lru", "check_eviction_policy");

    starts_with_the_switch(&server).await;
}

/// `volatile-lru` evicts only keys with a TTL, and an index has none: accepted.
pub(crate) async fn connect_accepts_a_volatile_policy(server: OwnServer) {
    let store = RedisStore::<AppData>::connect(&server.url)
        .await
        .expect("volatile-lru never evicts an index");
    store
        .check_eviction_policy()
        .await
        .expect("volatile-lru never evicts an index");
    signing_out_everywhere_ends_every_session(store).await;
}

/// A server whose `CONFIG` command is disabled (as on many managed services) cannot
/// tell its policy: connecting fails with an error that names the switch, and the
/// switch starts the store.
pub(crate) async fn connect_without_config_points_at_the_switch_and_starts_with_it(
    server: OwnServer,
) {
    let error = RedisStore::<AppData>::connect(&server.url)
        .await
        .expect_err("a server that refuses CONFIG GET cannot be checked");
    let source = eviction_policy_error(&error, "connect");
    assert!(
        matches!(source, EvictionPolicyError::PolicyUnreadable { .. }),
        "{source:?}"
    );
    let message = source.to_string();
    for named in [
        "maxmemory-policy",
        "CONFIG GET",
        "RedisStore::builder(url).skip_eviction_policy_check()",
    ] {
        assert!(
            message.contains(named),
            "the error must name {named}: {message}"
        );
    }
    let reply = source.source().map(ToString::to_string).unwrap_or_default();
    assert!(
        reply.contains("unknown command"),
        "Redis's own reply is the error's source: {reply:?}"
    );

    starts_with_the_switch(&server).await;
}

/// The store connects with the check skipped, and signing out everywhere ends
/// every session.
async fn starts_with_the_switch(server: &OwnServer) {
    let store = RedisStore::<AppData>::builder(&server.url)
        .skip_eviction_policy_check()
        .connect()
        .await
        .expect("the switch skips the check");
    signing_out_everywhere_ends_every_session(store).await;
}

/// A plain connection to `server`, made as an app would.
async fn multiplexed(server: &OwnServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url.as_str())
        .expect("a valid URL")
        .get_multiplexed_async_connection()
        .await
        .expect("connect")
}

/// The store works: "sign out everywhere" ends each of a user's sessions.
async fn signing_out_everywhere_ends_every_session(store: RedisStore<AppData>) {
    let (narvik, _clock) = narvik_over(store);
    let laptop = create(&narvik, "user-1").await;
    let phone = create(&narvik, "user-1").await;
    delete_sessions_of(&narvik, "user-1").await;
    assert!(validates_to_none(&narvik, &laptop).await);
    assert!(validates_to_none(&narvik, &phone).await);
}

/// `result` is the refusal of `policy`: a store error whose source names the
/// setting, its value and the policies to choose instead.
#[track_caller]
fn assert_may_evict_indexes<T>(result: narvik::Result<T>, policy: &str, what: &str) {
    let Err(error) = result else {
        panic!("{what}: `{policy}` may evict an index, yet the store started");
    };
    let source = eviction_policy_error(&error, what);
    assert!(
        matches!(source, EvictionPolicyError::MayEvictIndexes { policy: reported } if reported == policy),
        "{what}: {source:?}"
    );
    let message = source.to_string();
    for named in [
        "`maxmemory-policy`",
        &format!("`{policy}`"),
        "`noeviction`",
        "`volatile-*`",
    ] {
        assert!(
            message.contains(named),
            "{what}: the error must name {named}: {message}"
        );
    }
}

/// The [`EvictionPolicyError`] that `error`, a store error, carries as its source.
#[track_caller]
fn eviction_policy_error<'e>(error: &'e Error, what: &str) -> &'e EvictionPolicyError {
    assert!(
        matches!(error, Error::Store { .. }),
        "{what}: expected a store error, got {error:?}"
    );
    error
        .source()
        .and_then(|source| source.downcast_ref::<EvictionPolicyError>())
        .unwrap_or_else(|| panic!("{what}: the source must be an EvictionPolicyError: {error:?}"))
}
