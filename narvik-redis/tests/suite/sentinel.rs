//! The `sentinel` feature against a group of the test's own on 127.0.0.1: one
//! primary, one replica (`--replicaof`) and three Sentinels (`redis-server
//! {config} --sentinel`) watching them as `m`. The conformance suite through the
//! Sentinels, and a failover (`SENTINEL FAILOVER m`) that the store follows
//! without a restart, no live session reading as signed out meanwhile.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use narvik::testing::{self, TestData};
use narvik::CreatedSession;
use narvik_redis::{redis, RedisStore, SentinelConnection, DEFAULT_WATCH_INTERVAL};

use crate::app::{create, narvik_over, AppData};
use crate::own_server::{Launch, OwnServer};
#[cfg(feature = "tls")]
use crate::tls::TlsFiles;

/// The name the Sentinels know the primary by.
const PRIMARY_NAME: &str = "m";
/// How long the group may take to be ready, and a failover to complete.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);
/// No test of a group may take longer: five servers to start, Sentinels to
/// find each other, a failover and a demotion take more than
/// [`TEST_TIMEOUT`](crate::server::TEST_TIMEOUT) allows on a busy machine.
const GROUP_TEST_TIMEOUT: Duration = Duration::from_secs(150);
/// How many sessions live through the failover.
const SESSIONS: usize = 20;

/// A primary, its replica and three Sentinels, all of the test's own.
pub(crate) struct SentinelGroup {
    primary: OwnServer,
    replica: OwnServer,
    sentinels: Vec<OwnServer>,
    /// The certificates of a group that listens for TLS only.
    #[cfg(feature = "tls")]
    tls: Option<TlsFiles>,
}

/// Runs `test` against a new group, within [`GROUP_TEST_TIMEOUT`]; skips (or fails
/// under `CI=true`) when `redis-server` is not installed.
/// Over TLS only when `tls` (and the `tls` feature is on).
pub(crate) async fn with_sentinel_group<F, Fut>(tls: bool, test: F)
where
    F: FnOnce(SentinelGroup) -> Fut,
    Fut: Future<Output = ()>,
{
    tokio::time::timeout(GROUP_TEST_TIMEOUT, async {
        let Some(group) = SentinelGroup::start(tls).await else {
            return;
        };
        test(group).await;
    })
    .await
    .expect("the test hung");
}

impl SentinelGroup {
    async fn start(tls: bool) -> Option<Self> {
        #[cfg(feature = "tls")]
        let tls = tls.then(|| TlsFiles::new(false));
        #[cfg(not(feature = "tls"))]
        assert!(!tls, "a group over TLS needs the `tls` feature");
        let launch = |settings: &[&str]| {
            #[cfg(feature = "tls")]
            if let Some(files) = &tls {
                let mut launch = files.launch(settings);
                // The replica and the Sentinels reach the servers over TLS.
                launch
                    .settings
                    .extend(["--tls-replication".to_owned(), "yes".to_owned()]);
                return launch;
            }
            Launch::settings(settings)
        };
        let primary = OwnServer::launch(&launch(&[])).await?;
        let replica = OwnServer::launch(&launch(&[
            "--replicaof",
            "127.0.0.1",
            &primary.port.to_string(),
        ]))
        .await?;
        let config = format!(
            "sentinel monitor {PRIMARY_NAME} 127.0.0.1 {} 2\n\
             sentinel down-after-milliseconds {PRIMARY_NAME} 1000\n\
             sentinel failover-timeout {PRIMARY_NAME} 5000\n",
            primary.port
        );
        let mut sentinels = Vec::new();
        for _ in 0..3 {
            let mut sentinel = launch(&["--sentinel"]);
            sentinel.config = Some(config.clone());
            sentinels.push(OwnServer::launch(&sentinel).await?);
        }
        let group = Self {
            primary,
            replica,
            sentinels,
            #[cfg(feature = "tls")]
            tls,
        };
        group.wait_until_ready().await;
        Some(group)
    }

    /// A client of `url` that trusts the group's CA, if it has one.
    fn client(&self, url: &str) -> redis::RedisResult<redis::Client> {
        #[cfg(feature = "tls")]
        if let Some(files) = &self.tls {
            return redis::Client::build_with_tls(url, files.client.clone());
        }
        redis::Client::open(url)
    }

    /// `command` on a connection of its own to `url`.
    async fn query<T: redis::FromRedisValue>(
        &self,
        url: &str,
        command: &redis::Cmd,
    ) -> redis::RedisResult<T> {
        let mut connection = self.client(url)?.get_multiplexed_async_connection().await?;
        command.query_async(&mut connection).await
    }

    /// The field `name` of `INFO {section}` on the server at `url`.
    async fn info_field(&self, url: &str, section: &str, name: &str) -> Option<String> {
        let info: String = self
            .query(url, redis::cmd("INFO").arg(section))
            .await
            .ok()?;
        info.lines().find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|value| value.trim().to_owned())
        })
    }

    /// Waits until the replica is in sync and every Sentinel knows it and the
    /// other two: what a failover needs.
    async fn wait_until_ready(&self) {
        eventually("the replica to be in sync", || async {
            self.info_field(&self.replica.url, "replication", "master_link_status")
                .await
                == Some("up".to_owned())
        })
        .await;
        for sentinel in &self.sentinels {
            eventually(
                "each Sentinel to know the replica and the others",
                || async {
                    let replicas: Vec<std::collections::HashMap<String, String>> = self
                        .query(
                            &sentinel.url,
                            redis::cmd("SENTINEL").arg("REPLICAS").arg(PRIMARY_NAME),
                        )
                        .await
                        .unwrap_or_default();
                    let others: Vec<redis::Value> = self
                        .query(
                            &sentinel.url,
                            redis::cmd("SENTINEL").arg("SENTINELS").arg(PRIMARY_NAME),
                        )
                        .await
                        .unwrap_or_default();
                    let replica_known = replicas.iter().any(|replica| {
                        replica.get("flags").is_some_and(|flags| flags == "slave")
                            && replica
                                .get("master-link-status")
                                .is_some_and(|status| status == "ok")
                    });
                    replica_known && others.len() == 2
                },
            )
            .await;
        }
    }

    fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels
            .iter()
            .map(|sentinel| sentinel.url.clone())
            .collect()
    }

    /// A store through the Sentinels.
    async fn store<D>(&self) -> RedisStore<D, SentinelConnection> {
        let builder = RedisStore::<D>::sentinel(self.sentinel_urls(), PRIMARY_NAME);
        #[cfg(feature = "tls")]
        let builder = match &self.tls {
            Some(files) => builder.tls_root_certificates(files.authority.certificate()),
            None => builder,
        };
        builder
            .connect()
            .await
            .expect("connect through the Sentinels")
    }

    /// The port of the primary as the first Sentinel names it.
    async fn primary_port(&self) -> Option<u16> {
        let address: Option<(String, u16)> = self
            .query(
                &self.sentinels[0].url,
                redis::cmd("SENTINEL")
                    .arg("GET-MASTER-ADDR-BY-NAME")
                    .arg(PRIMARY_NAME),
            )
            .await
            .ok()
            .flatten();
        address.map(|(_, port)| port)
    }
}

/// The conformance suite through the Sentinels, each check on a fresh store.
pub(crate) async fn redis_store_passes_the_conformance_suite_through_sentinel(
    group: SentinelGroup,
) {
    let stores_made = AtomicUsize::new(0);
    testing::run_conformance(|| {
        let prefix = format!("sentinel{}:", stores_made.fetch_add(1, Ordering::Relaxed));
        let group = &group;
        async move { group.store::<TestData>().await.with_key_prefix(prefix) }
    })
    .await;
}

/// `SENTINEL FAILOVER` while sessions validate: each validates as `Some` or
/// fails with `Err` meanwhile, never `None`; after it every one validates again
/// through the same store, now on the replica that took over. A sign-out made
/// once the Sentinels name the new primary (and the store's watch interval has
/// passed) goes there and stays, even though the old primary still answers as
/// one until the Sentinels demote it: a write it took would be lost then.
pub(crate) async fn the_store_follows_a_failover_and_no_live_session_reads_as_signed_out(
    group: SentinelGroup,
) {
    let (narvik, _clock) = narvik_over(group.store::<AppData>().await);
    let mut sessions: Vec<CreatedSession<AppData>> = Vec::new();
    for user in 0..SESSIONS {
        sessions.push(create(&narvik, &format!("user-{user}")).await);
    }
    // Every session on the replica before it takes over.
    let acknowledged: i64 = group
        .query(&group.primary.url, redis::cmd("WAIT").arg(1).arg(1_000))
        .await
        .expect("WAIT");
    assert_eq!(acknowledged, 1, "the replica has every session");

    let _: String = group
        .query(
            &group.sentinels[0].url,
            redis::cmd("SENTINEL").arg("FAILOVER").arg(PRIMARY_NAME),
        )
        .await
        .expect("SENTINEL FAILOVER");

    let validations = Validations::default();
    eventually("the Sentinels to name the replica", || async {
        validations.round(&narvik, &sessions).await;
        group.primary_port().await == Some(group.replica.port)
    })
    .await;
    // The store moves within its watch interval.
    let named_at = Instant::now();
    while named_at.elapsed() < DEFAULT_WATCH_INTERVAL + Duration::from_millis(500) {
        validations.round(&narvik, &sessions).await;
    }
    let signed_out = &sessions[0];
    eventually("a sign-out to succeed", || async {
        narvik
            .invalidate_session(&signed_out.session.id)
            .await
            .is_ok()
    })
    .await;
    let sessions = &sessions[1..];
    assert_eq!(
        narvik.store().connection().primary_address(),
        Some(("127.0.0.1".to_owned(), group.replica.port)),
        "the store sends to the new primary"
    );

    // The old primary demoted and in sync with the new one: what it took after
    // the failover is gone now.
    eventually("the old primary to be demoted and in sync", || async {
        validations.round(&narvik, sessions).await;
        group
            .info_field(&group.primary.url, "replication", "master_link_status")
            .await
            == Some("up".to_owned())
    })
    .await;
    eprintln!(
        "followed the failover in {} rounds, {} validations failed meanwhile",
        validations.rounds.get(),
        validations.errors.get()
    );

    assert!(
        narvik
            .validate_session(signed_out.token.as_str())
            .await
            .expect("validate the signed-out session")
            .is_none(),
        "a sign-out after the failover stays"
    );
    for created in sessions {
        let session = narvik
            .validate_session(created.token.as_str())
            .await
            .expect("validate after the failover")
            .expect("every session lived through the failover");
        assert_eq!(session.user_id, created.session.user_id);
    }
    // New sessions are written to the new primary.
    let created = create(&narvik, "user-after").await;
    let session_key = narvik.store().session_key(&created.session.id);
    let stored: Option<Vec<u8>> = group
        .query(&group.replica.url, redis::cmd("GET").arg(&session_key))
        .await
        .expect("GET on the new primary");
    assert!(stored.is_some(), "the new session is on the new primary");
}

/// Validations of live sessions during a failover, counted.
#[derive(Default)]
struct Validations {
    rounds: Cell<usize>,
    errors: Cell<usize>,
}

impl Validations {
    /// Validates each of `sessions` once: `Some` of its user, or `Err`, never
    /// `None`.
    async fn round(
        &self,
        narvik: &narvik::Narvik<RedisStore<AppData, SentinelConnection>>,
        sessions: &[CreatedSession<AppData>],
    ) {
        self.rounds.set(self.rounds.get() + 1);
        for created in sessions {
            match narvik.validate_session(created.token.as_str()).await {
                Ok(Some(session)) => assert_eq!(session.user_id, created.session.user_id),
                Ok(None) => panic!("a live session read as signed out during the failover"),
                Err(_) => self.errors.set(self.errors.get() + 1),
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The primary and every Sentinel gone while the store is in use: each
/// validation fails with an error within a bound (the lookup's timeout, twice,
/// plus a response timeout), never hangs and never reads as signed out.
pub(crate) async fn a_group_that_goes_away_is_a_store_error_within_a_bound(group: SentinelGroup) {
    let (narvik, _clock) = narvik_over(group.store::<AppData>().await);
    let created = create(&narvik, "user-1").await;
    let SentinelGroup {
        primary,
        replica,
        sentinels,
        ..
    } = group;
    drop(sentinels);
    drop(primary);
    drop(replica);
    for _ in 0..3 {
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            Duration::from_secs(10),
            narvik.validate_session(created.token.as_str()),
        )
        .await
        .expect("validation hung with the group gone");
        assert!(
            matches!(outcome, Err(narvik::Error::Store { .. })),
            "expected a store error, got {outcome:?}"
        );
        assert!(
            started.elapsed() < 2 * narvik_redis::DEFAULT_RESOLVE_TIMEOUT + Duration::from_secs(1),
            "the error took {:?}",
            started.elapsed()
        );
    }
}

/// With no Sentinel reachable, connecting fails with an error within a bound,
/// never hangs.
pub(crate) async fn connecting_through_sentinels_that_are_not_there_is_a_store_error() {
    let nowhere: Vec<String> = (0..3)
        .map(|_| format!("redis://127.0.0.1:{}", crate::own_server::free_port()))
        .collect();
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        RedisStore::<AppData>::sentinel(nowhere, PRIMARY_NAME).connect(),
    )
    .await
    .expect("connecting hung");
    assert!(matches!(outcome, Err(narvik::Error::Store { .. })));
}

/// Polls `condition` every 100 ms until it holds; fails the test after
/// [`SETTLE_TIMEOUT`], naming `what` it waited for.
async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !condition().await {
        assert!(
            started.elapsed() < SETTLE_TIMEOUT,
            "waited {SETTLE_TIMEOUT:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
