//! What the store benchmark (`benches/stores.rs`) needs besides the stores: where
//! the servers are, the Redis Cluster it starts of its own ([`OwnCluster`]), names
//! no other run uses, and running operations many at a time.
//!
//! Run the benchmark with `cargo bench -p narvik-benchmarks --bench stores`, or
//! pinned to one core with `benchmarks/run-pinned.sh`; `BENCHMARKS.md` at the
//! repository root has the figures and how they were taken.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::{Semaphore, SemaphorePermit};

mod own_cluster;

pub use own_cluster::{cluster_first_port, OwnCluster, CLUSTER_NODES, DEFAULT_CLUSTER_PORT};

/// Operations in flight at once in the throughput runs.
pub const IN_FLIGHT: usize = 32;

/// How long a server may take to accept the benchmark's first connection before its
/// benchmarks are skipped.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// A server the benchmark measures the stores of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// SQLite, a file in the temporary directory: no server to run.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
    /// Redis.
    Redis,
    /// Redis Cluster: three primaries of the benchmark's own, started for the run
    /// ([`OwnCluster`]) on the ports from `NARVIK_BENCH_CLUSTER_PORT` on (default
    /// 7601); no URL to give.
    Cluster,
}

impl Server {
    /// Every server, in the order they are measured.
    pub const ALL: [Self; 5] = [
        Self::Sqlite,
        Self::Postgres,
        Self::MySql,
        Self::Redis,
        Self::Cluster,
    ];

    /// The name in benchmark ids and in `NARVIK_BENCH_SERVERS`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::MySql => "mysql",
            Self::Redis => "redis",
            Self::Cluster => "cluster",
        }
    }

    /// The variable that overrides [`default_url`](Self::default_url), as the
    /// store tests name it; SQLite and the cluster have none.
    pub fn url_variable(self) -> Option<&'static str> {
        match self {
            Self::Sqlite | Self::Cluster => None,
            Self::Postgres => Some("NARVIK_TEST_POSTGRES_URL"),
            Self::MySql => Some("NARVIK_TEST_MYSQL_URL"),
            Self::Redis => Some("NARVIK_TEST_REDIS_URL"),
        }
    }

    /// Where the server listens on the machines this project is tested on; empty
    /// for SQLite and the cluster, which the benchmark makes itself.
    pub fn default_url(self) -> &'static str {
        match self {
            Self::Sqlite | Self::Cluster => "",
            Self::Postgres => "postgres://postgres@127.0.0.1:5432/test",
            Self::MySql => "mysql://root@127.0.0.1:3306/test",
            Self::Redis => "redis://127.0.0.1:6379",
        }
    }

    /// The server's URL: its variable when set, else the default.
    pub fn url(self) -> String {
        self.url_variable()
            .and_then(|variable| std::env::var(variable).ok())
            .unwrap_or_else(|| self.default_url().to_owned())
    }

    /// The servers to measure: those named in `NARVIK_BENCH_SERVERS` (a
    /// comma-separated list), every one when it is unset. Unknown names are
    /// reported and ignored.
    pub fn selected() -> Vec<Self> {
        let Ok(names) = std::env::var("NARVIK_BENCH_SERVERS") else {
            return Self::ALL.to_vec();
        };
        let mut servers = Vec::new();
        for name in names
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            match Self::ALL.into_iter().find(|server| server.name() == name) {
                Some(server) => servers.push(server),
                None => eprintln!(
                    "NARVIK_BENCH_SERVERS: unknown server `{name}` (known: {})",
                    Self::ALL.map(Self::name).join(", ")
                ),
            }
        }
        servers
    }
}

/// A name no other run uses, for tables, schemas and key prefixes:
/// `narvik_bench_{process id}_{time}`. Letters, digits and `_` only, so it is a
/// valid table name everywhere.
pub fn unique_name() -> String {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "narvik_bench_{}_{}",
        std::process::id(),
        since_epoch.as_millis() % 1_000_000_000
    )
}

/// Runs `count` operations, `op(0)` to `op(count - 1)`, with up to `in_flight` of
/// them started and not yet finished at any time; returns the time they took.
///
/// The operations are futures polled by the calling task, so on a current-thread
/// runtime they share one core as they would share a busy server's.
pub async fn run_in_flight<F, Fut>(count: u64, in_flight: usize, op: F) -> Duration
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    futures_util::stream::iter(0..count)
        .map(op)
        .buffer_unordered(in_flight)
        .for_each(|()| std::future::ready(()))
        .await;
    started.elapsed()
}

/// Connections of one's own, each lent to one operation at a time: the floor's
/// connections when several operations are in flight, with none of a pool's
/// checks.
#[derive(Debug)]
pub struct Dedicated<C> {
    idle: Mutex<Vec<C>>,
    permits: Semaphore,
}

impl<C> Dedicated<C> {
    /// Lends out `connections`.
    pub fn new(connections: Vec<C>) -> Self {
        let permits = Semaphore::new(connections.len());
        Self {
            idle: Mutex::new(connections),
            permits,
        }
    }

    /// A connection, once one is free. `None` when there are no connections at all.
    pub async fn lend(&self) -> Option<Lent<'_, C>> {
        let permit = self.permits.acquire().await.ok()?;
        let connection = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()?;
        Some(Lent {
            owner: self,
            connection: Some(connection),
            _permit: permit,
        })
    }

    /// Every connection, to close them.
    pub fn into_connections(self) -> Vec<C> {
        self.idle
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection lent by [`Dedicated::lend`]; it goes back when dropped.
#[derive(Debug)]
pub struct Lent<'a, C> {
    owner: &'a Dedicated<C>,
    /// `Some` until dropped.
    connection: Option<C>,
    // Dropped after the connection is back, so whoever gets it next finds one.
    _permit: SemaphorePermit<'a>,
}

impl<C> Deref for Lent<'_, C> {
    type Target = C;

    fn deref(&self) -> &C {
        match &self.connection {
            Some(connection) => connection,
            None => unreachable!("a lent connection is there until it is dropped"),
        }
    }
}

impl<C> DerefMut for Lent<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        match &mut self.connection {
            Some(connection) => connection,
            None => unreachable!("a lent connection is there until it is dropped"),
        }
    }
}

impl<C> Drop for Lent<'_, C> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.owner
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(connection);
        }
    }
}

/// The command line of the HTTP benchmark's servers (`src/bin/http_server.rs`,
/// `src/bin/actix_server.rs`): `--impl NAME --addr HOST:PORT`, `NAME` read by
/// `implementation`; an error message (ending in `usage`) otherwise.
///
/// # Errors
///
/// A message that names the missing, unknown or malformed argument.
pub fn parse_server_args<Implementation>(
    mut args: impl Iterator<Item = String>,
    usage: &str,
    implementation: impl Fn(&str) -> Option<Implementation>,
) -> Result<(Implementation, std::net::SocketAddr), String> {
    let mut chosen = None;
    let mut addr = None;
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{usage}"))?;
        match flag.as_str() {
            "--impl" => {
                chosen = Some(
                    implementation(&value)
                        .ok_or_else(|| format!("unknown `--impl {value}`\n{usage}"))?,
                );
            }
            "--addr" => {
                addr = Some(
                    value
                        .parse()
                        .map_err(|error| format!("`--addr {value}`: {error}\n{usage}"))?,
                );
            }
            other => return Err(format!("unknown argument `{other}`\n{usage}")),
        }
    }
    Ok((
        chosen.ok_or_else(|| format!("`--impl` is missing\n{usage}"))?,
        addr.ok_or_else(|| format!("`--addr` is missing\n{usage}"))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_args(args: &[&str]) -> Result<(u8, std::net::SocketAddr), String> {
        let args = args.iter().map(|arg| (*arg).to_owned());
        parse_server_args(args, "usage", |name| (name == "one").then_some(1))
    }

    #[test]
    fn server_args_name_the_implementation_and_the_address() {
        let parsed = server_args(&["--impl", "one", "--addr", "127.0.0.1:8080"]);
        assert_eq!(
            parsed,
            Ok((1, "127.0.0.1:8080".parse().expect("an address")))
        );
        let unknown = server_args(&["--impl", "two", "--addr", "127.0.0.1:8080"]);
        assert_eq!(unknown, Err("unknown `--impl two`\nusage".to_owned()));
        assert!(server_args(&["--impl", "one"])
            .is_err_and(|message| message.starts_with("`--addr` is missing")));
        assert!(server_args(&["--addr"]).is_err_and(|message| message.contains("needs a value")));
    }

    #[test]
    fn unique_names_are_valid_table_names() {
        let name = unique_name();
        assert!(name.starts_with("narvik_bench_"));
        assert!(name
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_'));
    }

    #[test]
    fn run_in_flight_runs_every_operation_once() {
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        let Ok(runtime) = runtime else {
            panic!("a current-thread runtime builds");
        };
        let done = std::cell::RefCell::new(Vec::new());
        runtime.block_on(run_in_flight(100, IN_FLIGHT, |index| {
            let done = &done;
            async move {
                tokio::task::yield_now().await;
                done.borrow_mut().push(index);
            }
        }));
        let mut done = done.into_inner();
        done.sort_unstable();
        assert_eq!(done, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn dedicated_lends_each_connection_to_one_borrower() {
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        let Ok(runtime) = runtime else {
            panic!("a current-thread runtime builds");
        };
        let dedicated = Dedicated::new(vec![1, 2]);
        runtime.block_on(async {
            let first = dedicated.lend().await.map(|lent| *lent);
            let (a, b) = (dedicated.lend().await, dedicated.lend().await);
            assert_eq!(first, Some(2));
            assert_ne!(a.as_deref(), b.as_deref());
            assert!(dedicated.permits.try_acquire().is_err());
        });
        assert_eq!(dedicated.into_connections().len(), 2);
    }
}
