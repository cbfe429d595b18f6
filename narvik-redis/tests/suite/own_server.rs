//! A `redis-server` process of the test's own, on a free 127.0.0.1 port in a
//! folder of its own, for settings the shared server must never get (an eviction
//! policy, a disabled command). Killed, and its folder removed, when the test ends,
//! panic or not.
//!
//! Without a `redis-server` binary the test prints a notice and passes, except under
//! `CI=true`, where it fails.

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use narvik_redis::redis;
use narvik_tests::servers::{skip_or_fail, unique_name};

use crate::server::TEST_TIMEOUT;

/// How long a new server may take to answer `PING`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How many ports to try: another process may take the free port found before the
/// server binds it.
const START_ATTEMPTS: usize = 3;

/// A running `redis-server` of this test's own.
pub(crate) struct OwnServer {
    /// Where it listens: `redis://127.0.0.1:{port}`.
    pub(crate) url: String,
    process: Child,
    folder: PathBuf,
}

/// Runs `test` against a new server started with `settings` (command-line
/// options such as `--maxmemory-policy allkeys-lru`), within [`TEST_TIMEOUT`];
/// skips (or fails under `CI=true`) when `redis-server` is not installed.
pub(crate) async fn with_own_server<F, Fut>(settings: &[&str], test: F)
where
    F: FnOnce(OwnServer) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(server) = OwnServer::start(settings).await else {
        return;
    };
    tokio::time::timeout(TEST_TIMEOUT, test(server))
        .await
        .expect("the test hung");
}

impl OwnServer {
    /// A server with `settings` that answers `PING`; `None` when `redis-server` is
    /// not installed and the test skips.
    async fn start(settings: &[&str]) -> Option<Self> {
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            let folder = std::env::temp_dir().join(unique_name("narvik_redis_server"));
            std::fs::create_dir_all(&folder).expect("create the server's folder");
            let port = free_port();
            let spawned = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .arg("--dir")
                .arg(&folder)
                .arg("--logfile")
                .arg(folder.join("redis.log"))
                .args(settings)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let process = match spawned {
                Ok(process) => process,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    let _ = std::fs::remove_dir_all(&folder);
                    skip_or_fail(
                        "`redis-server` is not installed, to start a server of the test's own",
                        "scripts/services.sh",
                    );
                    return None;
                }
                Err(error) => panic!("start redis-server: {error}"),
            };
            let mut server = Self {
                url: format!("redis://127.0.0.1:{port}"),
                process,
                folder,
            };
            if server.answers().await {
                return Some(server);
            }
            last_log = std::fs::read_to_string(server.folder.join("redis.log")).unwrap_or_default();
        }
        panic!("redis-server {settings:?} did not start; its last log:\n{last_log}");
    }

    /// Whether the server answers `PING` before [`STARTUP_TIMEOUT`]; `false` as
    /// soon as it exits (its port was taken, or a setting refused).
    async fn answers(&mut self) -> bool {
        let started = Instant::now();
        while started.elapsed() < STARTUP_TIMEOUT {
            if !matches!(self.process.try_wait(), Ok(None)) {
                return false;
            }
            if self.ping().await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    async fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return false;
        };
        let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
            return false;
        };
        let pong: redis::RedisResult<String> =
            redis::cmd("PING").query_async(&mut connection).await;
        pong.is_ok_and(|pong| pong == "PONG")
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        // Best effort: a server left running would only hold a port until the
        // machine's next cleanup.
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// A port nothing listens on now (the system's pick for a listener on port 0).
fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
