//! The test server: a reachable Redis (`NARVIK_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`) and this test's key prefix, whose keys are deleted when
//! the test ends, panic or not.

use std::future::Future;
use std::time::Duration as StdDuration;

use narvik_redis::redis;
use narvik_redis::RedisStore;
use narvik_tests::servers::{host_port, require_server, server_url, unique_name};

use crate::app::AppData;
use narvik_tests::proxy::CountingProxy;

const URL_VAR: &str = "NARVIK_TEST_REDIS_URL";
const DEFAULT_URL: &str = "redis://127.0.0.1:6379";
/// No test may take longer: a hung connection fails the test instead of the run.
pub(crate) const TEST_TIMEOUT: StdDuration = StdDuration::from_secs(60);

/// A reachable server and this test's key prefix; deletes the prefix's keys when
/// dropped, also after a panic.
pub(crate) struct Server {
    /// Where the server is.
    pub(crate) url: String,
    /// Unique to the test, ending in `:`.
    pub(crate) prefix: String,
    /// The test's own connection, beside the stores'.
    pub(crate) raw: redis::aio::MultiplexedConnection,
}

/// Runs `test` against the server, within [`TEST_TIMEOUT`]; skips (or fails under
/// `CI=true`) when there is no server.
pub(crate) async fn with_server<F, Fut>(test: F)
where
    F: FnOnce(Server) -> Fut,
    Fut: Future<Output = ()>,
{
    let url = server_url(URL_VAR, DEFAULT_URL);
    if !require_server("Redis", &host_port(&url)).await {
        return;
    }
    let raw = redis::Client::open(url.as_str())
        .expect("a valid NARVIK_TEST_REDIS_URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a raw connection to the test server");
    let server = Server {
        url,
        prefix: format!("{}:", unique_name("narvik_test_redis")),
        raw,
    };
    tokio::time::timeout(TEST_TIMEOUT, test(server))
        .await
        .expect("the test hung");
}

impl Server {
    /// A new store, on a connection of its own, under the test's prefix.
    pub(crate) async fn store(&self) -> RedisStore<AppData> {
        connect(&self.url).await.with_key_prefix(&self.prefix)
    }

    /// A new store under the test's prefix that reaches Redis through `proxy`.
    pub(crate) async fn store_via(&self, proxy: &CountingProxy) -> RedisStore<AppData> {
        let url = self
            .url
            .replacen(&host_port(&self.url), &proxy.host_port(), 1);
        connect(&url).await.with_key_prefix(&self.prefix)
    }

    /// A proxy in front of the server, counting round trips.
    pub(crate) async fn proxy(&self) -> CountingProxy {
        CountingProxy::start(&host_port(&self.url)).await
    }

    /// The pattern of every key under the test's prefix.
    pub(crate) fn key_pattern(&self) -> String {
        format!("{}*", self.prefix)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Blocking, and best effort: a test that leaves keys behind does no harm but
        // clutter (its sessions expire by themselves in time).
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut connection) = client.get_connection_with_timeout(StdDuration::from_secs(2))
        else {
            return;
        };
        let pattern = self.key_pattern();
        let mut cursor = 0_u64;
        loop {
            let page: redis::RedisResult<(u64, Vec<String>)> =
                scan_page(cursor, &pattern).query(&mut connection);
            let Ok((next, keys)) = page else { return };
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(&keys).query(&mut connection);
            }
            if next == 0 {
                return;
            }
            cursor = next;
        }
    }
}

/// The `SCAN` of one page of the keys matching `pattern`, from `cursor`.
pub(crate) fn scan_page(cursor: u64, pattern: &str) -> redis::Cmd {
    let mut command = redis::cmd("SCAN");
    command
        .arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(1_000);
    command
}

/// A store connected to `url`, with no key prefix.
pub(crate) async fn connect<D>(url: &str) -> RedisStore<D> {
    RedisStore::connect(url)
        .await
        .unwrap_or_else(|error| panic!("connect to {url}: {error}"))
}
