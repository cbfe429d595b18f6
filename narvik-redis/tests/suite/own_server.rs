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
    /// Where it listens: `redis://127.0.0.1:{port}` (`rediss://` for TLS).
    pub(crate) url: String,
    /// The port it listens on.
    #[cfg_attr(
        not(feature = "sentinel"),
        allow(dead_code, reason = "read by the Sentinel tests only")
    )]
    pub(crate) port: u16,
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

/// How to start a server of the test's own, beyond the settings every one gets.
#[derive(Default)]
pub(crate) struct Launch {
    /// Command-line options such as `--maxmemory-policy allkeys-lru`.
    pub(crate) settings: Vec<String>,
    /// Written to `redis.conf` in the server's folder and passed first: a Sentinel
    /// needs a config file it can rewrite.
    pub(crate) config: Option<String>,
    /// Listen for TLS only (`--port 0 --tls-port {port}`), answering `PING` to a
    /// client that trusts these certificates; the server's own TLS files are in
    /// `settings`.
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<redis::TlsCertificates>,
}

impl Launch {
    /// Plain settings, as `--name value` pairs.
    pub(crate) fn settings(settings: &[&str]) -> Self {
        Self {
            settings: settings.iter().map(|&setting| setting.to_owned()).collect(),
            ..Self::default()
        }
    }

    /// Whether the server listens for TLS only.
    fn tls_only(&self) -> bool {
        #[cfg(feature = "tls")]
        if self.tls.is_some() {
            return true;
        }
        false
    }

    /// A client for `url` that trusts the server's certificate, if it has one.
    fn client(&self, url: &str) -> redis::RedisResult<redis::Client> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return redis::Client::build_with_tls(url, tls.clone());
        }
        redis::Client::open(url)
    }
}

impl OwnServer {
    /// A server with `settings` that answers `PING`; `None` when `redis-server` is
    /// not installed and the test skips.
    async fn start(settings: &[&str]) -> Option<Self> {
        Self::launch(&Launch::settings(settings)).await
    }

    /// A server started as `launch` says that answers `PING`; `None` when
    /// `redis-server` is not installed and the test skips.
    pub(crate) async fn launch(launch: &Launch) -> Option<Self> {
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            let folder = std::env::temp_dir().join(unique_name("narvik_redis_server"));
            std::fs::create_dir_all(&folder).expect("create the server's folder");
            let port = free_port();
            let mut command = Command::new("redis-server");
            if let Some(config) = &launch.config {
                let config_file = folder.join("redis.conf");
                std::fs::write(&config_file, config).expect("write the server's config file");
                command.arg(config_file);
            }
            let port_text = port.to_string();
            let (scheme, ports) = if launch.tls_only() {
                ("rediss", vec!["--port", "0", "--tls-port", &port_text])
            } else {
                ("redis", vec!["--port", &port_text])
            };
            let spawned = command
                .args(ports)
                .args(["--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .arg("--dir")
                .arg(&folder)
                .arg("--logfile")
                .arg(folder.join("redis.log"))
                .args(&launch.settings)
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
            let url = format!("{scheme}://127.0.0.1:{port}");
            let client = launch.client(&url).expect("a client for the new server");
            let mut server = Self {
                url,
                port,
                process,
                folder,
            };
            if server.answers(&client).await {
                return Some(server);
            }
            last_log = std::fs::read_to_string(server.folder.join("redis.log")).unwrap_or_default();
        }
        panic!(
            "redis-server {:?} did not start; its last log:\n{last_log}",
            launch.settings
        );
    }

    /// Whether the server answers `PING` before [`STARTUP_TIMEOUT`]; `false` as
    /// soon as it exits (its port was taken, or a setting refused).
    async fn answers(&mut self, client: &redis::Client) -> bool {
        let started = Instant::now();
        while started.elapsed() < STARTUP_TIMEOUT {
            if !matches!(self.process.try_wait(), Ok(None)) {
                return false;
            }
            if ping(client).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

/// Whether the server answers `PING` within a second.
async fn ping(client: &redis::Client) -> bool {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)));
    let Ok(mut connection) = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
    else {
        return false;
    };
    let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut connection).await;
    pong.is_ok_and(|pong| pong == "PONG")
}

impl OwnServer {
    /// Kills the server now (a failed node); its folder goes when it is dropped.
    #[cfg_attr(
        not(feature = "cluster"),
        allow(dead_code, reason = "used by the cluster tests only")
    )]
    pub(crate) fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
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
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
