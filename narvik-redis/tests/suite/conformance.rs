//! The store conformance suite of `narvik::testing`, on Redis.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use narvik::testing::{self, TestData};
use narvik_redis::RedisStore;

use crate::server::{connect, Server};

/// The Redis store passes the conformance suite, each check on a fresh, empty store.
pub(crate) async fn redis_store_passes_the_conformance_suite(server: Server) {
    let stores_made = AtomicUsize::new(0);
    testing::run_conformance(|| fresh_store(&server, &stores_made)).await;
}

/// The Redis store passes the checks of typed data updates, each on a fresh,
/// empty store (clones share its connection).
pub(crate) async fn redis_store_passes_the_data_update_conformance_suite(server: Server) {
    let stores_made = AtomicUsize::new(0);
    testing::run_update_data_conformance(|| fresh_store(&server, &stores_made)).await;
}

/// A fresh, empty store for one check: a key prefix of its own under the
/// test's, numbered by `stores_made`.
fn fresh_store(
    server: &Server,
    stores_made: &AtomicUsize,
) -> impl Future<Output = RedisStore<TestData>> + use<> {
    let prefix = format!(
        "{}{}:",
        server.prefix,
        stores_made.fetch_add(1, Ordering::Relaxed)
    );
    let url = server.url.clone();
    async move { connect::<TestData>(&url).await.with_key_prefix(prefix) }
}
