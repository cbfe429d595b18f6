//! The setup of the Redis Cluster: a cluster of the run's own ([`OwnCluster`]),
//! narvik's `RedisClusterStore`, tower-sessions-redis-store on a clustered fred
//! pool, and the floor's `GET` on the `redis` crate's async cluster connection.
//! The cluster is thrown away at the end, so nothing is cleaned up key by key.

use narvik_benchmarks::{unique_name, OwnCluster, Server, CONNECT_TIMEOUT, IN_FLIGHT};
use narvik_redis::redis::cluster::ClusterClient;
use narvik_redis::redis::cluster_async::ClusterConnection;
use narvik_redis::{redis, RedisClusterStore, RedisStore};
use tower_sessions_redis_store::fred::prelude::{
    ClientLike as _, Config as FredConfig, Pool, ServerConfig,
};

use super::{fred_pool_size, AppData, Fixture, Floor, SetupResult, Teardown, FLOOR_KEY_SECONDS};

/// A `GET` of a string on the `redis` crate's async cluster connection, which
/// sends it to the primary of the key's slot.
pub(crate) struct ClusterFloor {
    connection: ClusterConnection,
    prefix: String,
}

impl Floor for ClusterFloor {
    /// `<prefix>floor:<session id>`, without a hash tag: the keys spread over
    /// the slots, and so the primaries, as narvik's session keys do.
    fn key(&self, session_id: &str) -> String {
        format!("{}{session_id}", self.prefix)
    }

    async fn prepare(&mut self, session_ids: &[String], data_json: &str) -> SetupResult<()> {
        // One `SET` per key, 32 in flight: the keys lie in many slots, which one
        // cluster pipeline does not span.
        let failure = std::cell::RefCell::new(None);
        narvik_benchmarks::run_in_flight(session_ids.len() as u64, IN_FLIGHT, |index| {
            let mut connection = self.connection.clone();
            let key = self.key(&session_ids[index as usize]);
            let failure = &failure;
            async move {
                let set: redis::RedisResult<()> = redis::cmd("SET")
                    .arg(key)
                    .arg(data_json)
                    .arg("EX")
                    .arg(FLOOR_KEY_SECONDS)
                    .query_async(&mut connection)
                    .await;
                if let Err(error) = set {
                    *failure.borrow_mut() = Some(error);
                }
            }
        })
        .await;
        match failure.into_inner() {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }

    async fn fetch(&mut self, key: &str) -> bool {
        let value: Option<Vec<u8>> = redis::cmd("GET")
            .arg(key)
            .query_async(&mut self.connection)
            .await
            .expect("the floor's GET runs");
        value.is_some()
    }

    async fn teardown(&mut self, _: &Teardown, _: &[String]) {}
}

pub(crate) type ClusterFixture =
    Fixture<RedisClusterStore<AppData>, tower_sessions_redis_store::RedisStore<Pool>, ClusterFloor>;

/// Starts the cluster and fills it; the [`Teardown`] owns the cluster, which
/// stops when it is dropped (at the end of the cluster's benchmarks, or by a
/// panic), as it does here should a step fail.
pub(crate) async fn setup_cluster(sessions: usize) -> SetupResult<(ClusterFixture, Teardown)> {
    let cluster = OwnCluster::start().await?;
    let urls = cluster.urls();
    let client = ClusterClient::new(urls.clone())?;
    let connection = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_connection())
        .await
        .map_err(|_| format!("no answer within {CONNECT_TIMEOUT:?}"))??;
    let prefix = format!("{}:", unique_name());
    let store = RedisStore::<AppData>::cluster(urls)
        .connect()
        .await?
        .with_key_prefix(&prefix);
    // Every node given, though fred finds the others from any one of them.
    let config = FredConfig {
        server: ServerConfig::new_clustered(cluster.addresses()),
        ..FredConfig::default()
    };
    let pool = Pool::new(config, None, None, None, fred_pool_size())?;
    pool.init().await?;
    let tower = tower_sessions_redis_store::RedisStore::new(pool);
    // One cluster connection (one multiplexed connection per primary), shared by
    // every operation in flight.
    let floor = (0..IN_FLIGHT)
        .map(|_| ClusterFloor {
            connection: connection.clone(),
            prefix: format!("{prefix}floor:"),
        })
        .collect();
    let fixture = Fixture::populate(Server::Cluster, store, tower, floor, sessions).await?;
    let teardown = Teardown {
        cluster: Some(cluster),
        ..Teardown::default()
    };
    Ok((fixture, teardown))
}
