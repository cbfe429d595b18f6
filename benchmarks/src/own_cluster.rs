//! The Redis Cluster the store benchmark measures: three `redis-server
//! --cluster-enabled yes` processes of the benchmark's own on 127.0.0.1, each in a
//! folder of its own, made three primaries without replicas by `redis-cli
//! --cluster create` (a benchmark needs no failover). They are stopped, and their
//! folders removed, when the [`OwnCluster`] is stopped or dropped, panic or not.

use std::error::Error as StdError;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use narvik_redis::redis;

use crate::unique_name;

/// The port of the first node unless `NARVIK_BENCH_CLUSTER_PORT` says otherwise;
/// the others listen on the next ports.
pub const DEFAULT_CLUSTER_PORT: u16 = 7601;

/// Nodes of the cluster, every one a primary.
pub const CLUSTER_NODES: u16 = 3;

/// How far a node's cluster bus port lies above its port (Redis's default).
const BUS_PORT_OFFSET: u16 = 10_000;
/// How long a new node may take to answer `PING`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the nodes may take to agree on `cluster_state:ok` once created.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

type SetupResult<T> = Result<T, Box<dyn StdError>>;

/// A running `redis-server` of the cluster.
struct Node {
    port: u16,
    process: Child,
    folder: PathBuf,
}

impl Node {
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The end of the node's log and what it (or `taskset`) wrote to stderr, to
    /// say why it did not start.
    fn log_tail(&self) -> String {
        let read = |file: &str| std::fs::read_to_string(self.folder.join(file)).unwrap_or_default();
        let log = read("redis.log") + &read("stderr.log");
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Best effort: a node left running would hold its ports until someone
        // kills it, which the next run would report as a node that did not start.
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// A Redis Cluster of the benchmark's own, formed and serving every slot.
pub struct OwnCluster {
    nodes: Vec<Node>,
}

impl OwnCluster {
    /// Starts [`CLUSTER_NODES`] nodes on the ports from
    /// [`cluster_first_port`] on, pinned to `NARVIK_BENCH_CORE` when it is set
    /// (`taskset -c`), forms the cluster, and waits until every node reports
    /// `cluster_state:ok`.
    ///
    /// # Errors
    ///
    /// A message when `redis-server` or `redis-cli` is not installed, a port is
    /// taken, `NARVIK_BENCH_CLUSTER_PORT` is not a port, or the cluster does not
    /// form in time. The nodes started so far are stopped.
    pub async fn start() -> SetupResult<Self> {
        for program in ["redis-server", "redis-cli"] {
            installed(program)?;
        }
        let first_port = cluster_first_port()?;
        let mut cluster = Self { nodes: Vec::new() };
        for port in (0..CLUSTER_NODES).map(|index| first_port + index) {
            cluster.nodes.push(launch(port)?);
        }
        for node in &mut cluster.nodes {
            answers(node).await?;
        }
        cluster.create()?;
        cluster.wait_until_ok().await?;
        Ok(cluster)
    }

    /// The URLs of the nodes, `redis://127.0.0.1:<port>`.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Node::url).collect()
    }

    /// The nodes' addresses, as `(host, port)`.
    pub fn addresses(&self) -> Vec<(String, u16)> {
        self.nodes
            .iter()
            .map(|node| ("127.0.0.1".to_owned(), node.port))
            .collect()
    }

    /// Kills the nodes and removes their folders (as dropping it does).
    pub fn stop(self) {
        drop(self);
    }

    /// `redis-cli --cluster create` of the nodes, three primaries.
    fn create(&self) -> SetupResult<()> {
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(
                self.nodes
                    .iter()
                    .map(|node| format!("127.0.0.1:{}", node.port)),
            )
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()?;
        if !created.status.success() {
            return Err(format!(
                "redis-cli --cluster create failed: {}{}",
                String::from_utf8_lossy(&created.stdout),
                String::from_utf8_lossy(&created.stderr)
            )
            .into());
        }
        Ok(())
    }

    /// Waits until every node says `cluster_state:ok` and knows all 16384 slots.
    async fn wait_until_ok(&self) -> SetupResult<()> {
        let started = Instant::now();
        loop {
            let mut all_ok = true;
            for node in &self.nodes {
                let info: String = query(&node.url(), redis::cmd("CLUSTER").arg("INFO"))
                    .await
                    .unwrap_or_default();
                all_ok &=
                    info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384");
            }
            if all_ok {
                return Ok(());
            }
            if started.elapsed() > SETTLE_TIMEOUT {
                return Err(format!(
                    "the cluster did not reach cluster_state:ok within {SETTLE_TIMEOUT:?}"
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The port of the cluster's first node: `NARVIK_BENCH_CLUSTER_PORT`, else
/// [`DEFAULT_CLUSTER_PORT`].
///
/// # Errors
///
/// A message when the variable is not a port that leaves room for the other
/// nodes and their cluster bus ports (each node's port + 10000).
pub fn cluster_first_port() -> SetupResult<u16> {
    let Ok(text) = std::env::var("NARVIK_BENCH_CLUSTER_PORT") else {
        return Ok(DEFAULT_CLUSTER_PORT);
    };
    let highest = u16::MAX - BUS_PORT_OFFSET - (CLUSTER_NODES - 1);
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|&port| port > 0 && port <= highest)
        .ok_or_else(|| {
            format!("NARVIK_BENCH_CLUSTER_PORT: `{text}` is not a port from 1 to {highest}").into()
        })
}

/// An error naming `program` when it is not installed.
fn installed(program: &str) -> SetupResult<()> {
    match Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "`{program}` is not installed, to start a cluster of the benchmark's own"
        )
        .into()),
        Err(error) => Err(format!("`{program} --version`: {error}").into()),
    }
}

/// A cluster node on `port`, in a new folder, through `taskset -c
/// $NARVIK_BENCH_CORE` when that is set: the benchmark's servers share its core.
fn launch(port: u16) -> SetupResult<Node> {
    let folder = std::env::temp_dir().join(format!("{}_cluster_{port}", unique_name()));
    std::fs::create_dir_all(&folder)?;
    let mut command = match std::env::var("NARVIK_BENCH_CORE") {
        Ok(core) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", core.trim(), "redis-server"]);
            taskset
        }
        Err(_) => Command::new("redis-server"),
    };
    let stderr = match std::fs::File::create(folder.join("stderr.log")) {
        Ok(stderr) => stderr,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&folder);
            return Err(error.into());
        }
    };
    let spawned = command
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--cluster-enabled", "yes"])
        .args(["--cluster-config-file", "nodes.conf"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .arg("--dir")
        .arg(&folder)
        .arg("--logfile")
        .arg(folder.join("redis.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn();
    match spawned {
        Ok(process) => Ok(Node {
            port,
            process,
            folder,
        }),
        Err(error) => {
            let _ = std::fs::remove_dir_all(&folder);
            Err(format!("start redis-server on port {port}: {error}").into())
        }
    }
}

/// Waits until `node` answers `PING`; an error as soon as it exits (its port
/// was taken, `taskset` refused the core) or after [`STARTUP_TIMEOUT`].
async fn answers(node: &mut Node) -> SetupResult<()> {
    let started = Instant::now();
    while started.elapsed() < STARTUP_TIMEOUT {
        if !matches!(node.process.try_wait(), Ok(None)) {
            return Err(format!(
                "redis-server on port {} exited; its log ends:\n{}",
                node.port,
                node.log_tail()
            )
            .into());
        }
        let pong: Option<String> = query(&node.url(), &redis::cmd("PING")).await.ok();
        if pong.as_deref() == Some("PONG") {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!(
        "redis-server on port {} did not answer within {STARTUP_TIMEOUT:?}",
        node.port
    )
    .into())
}

/// `command` on a connection of its own to the node at `url`.
async fn query<T: redis::FromRedisValue>(url: &str, command: &redis::Cmd) -> SetupResult<T> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)));
    let mut connection = redis::Client::open(url)?
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    Ok(command.query_async(&mut connection).await?)
}
