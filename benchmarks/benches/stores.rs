//! narvik's real stores beside tower-sessions' stores for the same server and the
//! bare round trip, in one run: SQLite (a file), PostgreSQL, MySQL/MariaDB, Redis,
//! and a Redis Cluster the benchmark starts itself.
//!
//! Run with `cargo bench -p narvik-benchmarks --bench stores`, or pinned to one core
//! with `benchmarks/run-pinned.sh`; `BENCHMARKS.md` at the repository root has the
//! figures and how they were taken. A server that does not answer within a few
//! seconds is skipped with a notice. Settings:
//!
//! - `NARVIK_TEST_POSTGRES_URL`, `NARVIK_TEST_MYSQL_URL`, `NARVIK_TEST_REDIS_URL`:
//!   where the servers are (defaults: `127.0.0.1`, databases `test`).
//! - `NARVIK_BENCH_CLUSTER_PORT`: the port of the cluster's first node (default
//!   7601; the others take the next two, and the cluster bus each port + 10000).
//! - `NARVIK_BENCH_SERVERS=postgres,redis`: only those servers (`sqlite`,
//!   `postgres`, `mysql`, `redis`, `cluster`).
//! - `NARVIK_BENCH_SESSIONS`: sessions stored per contender (default 10,000).
//! - `NARVIK_BENCH_FRED_POOL`: connections of tower-sessions-redis-store (default 1).
//!
//! Every contender answers the same question:
//!
//! - narvik: `validate_session(token)` returning the typed session,
//!   `create_session(user_id, data)`, and to update, the token's session id then
//!   `modify_session_data(&id, |data| ..)` (a fetch, then one conditional write).
//! - tower-sessions (tower-sessions-sqlx-store 0.15 or tower-sessions-redis-store
//!   0.16, on tower-sessions-core 0.14): what its middleware and a handler do per
//!   request: parse the cookie value into an `Id`, `Session::new`, `get::<AppData>`
//!   (which loads the record); to sign in, `insert` of the same struct, then `save`
//!   (the store's `create`); to update, the load, `insert` of the changed struct,
//!   then `save`.
//! - floor: one round trip that fetches the session, on a connection of its own
//!   with nothing around it: a `SELECT` of narvik's row by primary key on a
//!   dedicated sqlx connection (`PgConnection`, `MySqlConnection`,
//!   `SqliteConnection`), or a `GET` of a string holding the same JSON on Redis
//!   (a `redis` `MultiplexedConnection`). It gets the session id, not the token.
//!
//! The cluster (`cluster`): three `redis-server --cluster-enabled yes` nodes on
//! 127.0.0.1 made three primaries without replicas (`redis-cli --cluster create
//! ... --cluster-replicas 0`), each in a temporary folder without persistence,
//! started with `taskset -c $NARVIK_BENCH_CORE` when that is set (as
//! `run-pinned.sh` sets it) and stopped, folders removed, when its benchmarks end
//! or panic; without `redis-server` or `redis-cli` it is skipped with a notice.
//! On it:
//!
//! - narvik: `RedisClusterStore` (`RedisStore::cluster(nodes).connect()`, the
//!   `redis` crate's async cluster client): a validation is one `GET` in the
//!   session's slot; a sign-in lists the session in its user's index (a script
//!   in the user's slot) then writes its key (a script in the session's slot),
//!   two round trips that may reach two primaries; an extension is the `GET`,
//!   the index's score raised, then the key's expiry rewritten (three).
//! - tower-sessions: tower-sessions-redis-store on a fred pool with
//!   `ServerConfig::new_clustered` of the three nodes (fred routes each command
//!   to its slot's primary), of `NARVIK_BENCH_FRED_POOL` clients as for Redis.
//! - floor: a `GET` of `<prefix>floor:<session id>` (no hash tag, so the keys
//!   spread over the three primaries as narvik's session keys do) on the `redis`
//!   crate's async `ClusterConnection`.
//!
//! Operations: `validate-hit`, `validate-miss` (a well-formed token that is not
//! stored), `validate-extend`, `create` and `update` ("load, change one field,
//! save": `created_at` set). An extending validation is narvik's
//! with the session at half its length, so it is extended (`SELECT` then
//! `UPDATE`, or `GET` then a script); for tower-sessions it is a session with
//! `Expiry::OnInactivity`, which its middleware saves on every request (load, then
//! `save`). Created sessions are deleted, untimed, after every chunk of 1,024.
//!
//! Each runs sequentially (`seq`: one operation at a time, the latency) and with
//! 32 in flight (`32-in-flight`: the throughput, from criterion's time per
//! operation; criterion prints it as `thrpt`). With 32 in flight the SQL stores
//! use their pool's default of 10 connections, and so does the floor (10 dedicated
//! connections); on Redis everyone has one connection: narvik's `ConnectionManager`,
//! the floor's `MultiplexedConnection`, a fred pool of one for
//! tower-sessions-redis-store (`NARVIK_BENCH_FRED_POOL=6` gives it the pool of 6
//! its documentation sets up, which is slower on one core). On the cluster
//! everyone has one connection per primary: narvik's and the floor's
//! `ClusterConnection`s, and fred's clustered client (per client of its pool).
//! Everything runs on one current-thread Tokio runtime, so the benchmark process
//! uses one core (SQLite's connection threads aside).
//!
//! At the end the benchmark prints the tables of `BENCHMARKS.md` from criterion's
//! estimates of this run.

#![allow(
    clippy::expect_used,
    reason = "a benchmark has no caller to hand an error to; a failure is a broken setup"
)]

use std::cell::{Cell, RefCell};
use std::error::Error as StdError;
use std::future::Future;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use narvik::{
    ManualClock, Narvik, SessionData, SessionId, SessionStore, SessionToken, UpdateSessionData,
};
use narvik_benchmarks::{
    run_in_flight, unique_name, Dedicated, Lent, OwnCluster, Server, CONNECT_TIMEOUT, IN_FLIGHT,
};
use narvik_redis::{redis, RedisStore};
use narvik_sqlx::sqlx;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::runtime::Runtime;
use tower_sessions_core::session::Id;
use tower_sessions_core::Expiry;
use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config as FredConfig, Pool};

use cluster_setup::setup_cluster;
use sql_setup::{setup_sql, MySql, Postgres, Sqlite};
use tables::print_tables;

// In `benches/stores/`: beside this file, cargo would take them for benchmarks.
#[path = "stores/cluster_setup.rs"]
mod cluster_setup;
#[path = "stores/sql_setup.rs"]
mod sql_setup;
#[path = "stores/tables.rs"]
mod tables;

/// Typed session data, as an application has it (the same as `narvik/benches`).
#[derive(SessionData, Serialize, Deserialize, Clone, Debug)]
struct AppData {
    username: String,
    created_at: Option<OffsetDateTime>,
}

/// The key tower-sessions keeps `AppData` under.
const TOWER_KEY: &str = "data";
/// Sessions stored per contender unless `NARVIK_BENCH_SESSIONS` says otherwise.
const SESSIONS: usize = 10_000;
/// What the update sets `created_at` to.
const UPDATE_STAMP: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;
/// Sessions created per timed chunk before they are deleted again.
const CREATE_CHUNK: usize = 1_024;
/// Distinct user ids that sessions belong to.
const USERS: usize = 4_096;
/// How long the floor's Redis copies live, should the run die before cleaning up.
const FLOOR_KEY_SECONDS: u64 = 3_600;

type SetupResult<T> = Result<T, Box<dyn StdError>>;
type Session = tower_sessions_core::Session;

/// The floor: one round trip on a connection of its own.
trait Floor: Sized {
    /// What `fetch` looks up for session `session_id`.
    fn key(&self, session_id: &str) -> String;

    /// Stores what `fetch` reads, where narvik's store does not already have it.
    async fn prepare(&mut self, session_ids: &[String], data_json: &str) -> SetupResult<()>;

    /// Fetches the session under `key`; whether it was there.
    async fn fetch(&mut self, key: &str) -> bool;

    /// Removes what the run left on the server.
    async fn teardown(&mut self, teardown: &Teardown, tower_ids: &[String]);
}

/// A `SELECT` of narvik's row on a dedicated sqlx connection.
struct SqlFloor<C> {
    connection: C,
    select: Arc<str>,
}

macro_rules! sql_floor {
    ($Connection:ty) => {
        impl Floor for SqlFloor<$Connection> {
            fn key(&self, session_id: &str) -> String {
                session_id.to_owned()
            }

            async fn prepare(&mut self, _: &[String], _: &str) -> SetupResult<()> {
                Ok(())
            }

            async fn fetch(&mut self, key: &str) -> bool {
                sqlx::query(&self.select)
                    .bind(key)
                    .fetch_optional(&mut self.connection)
                    .await
                    .expect("the floor's SELECT runs")
                    .is_some()
            }

            async fn teardown(&mut self, teardown: &Teardown, _: &[String]) {
                for statement in &teardown.statements {
                    if let Err(error) = sqlx::query(statement).execute(&mut self.connection).await {
                        eprintln!("cleanup: `{statement}` failed: {error}");
                    }
                }
            }
        }
    };
}

sql_floor!(sqlx::PgConnection);
sql_floor!(sqlx::MySqlConnection);
sql_floor!(sqlx::SqliteConnection);

/// A `GET` of a string on a multiplexed `redis` connection.
struct RedisFloor {
    connection: redis::aio::MultiplexedConnection,
    prefix: String,
}

impl Floor for RedisFloor {
    fn key(&self, session_id: &str) -> String {
        format!("{}{session_id}", self.prefix)
    }

    async fn prepare(&mut self, session_ids: &[String], data_json: &str) -> SetupResult<()> {
        let mut pipeline = redis::pipe();
        for session_id in session_ids {
            pipeline
                .set_ex(self.key(session_id), data_json, FLOOR_KEY_SECONDS)
                .ignore();
        }
        pipeline.exec_async(&mut self.connection).await?;
        Ok(())
    }

    async fn fetch(&mut self, key: &str) -> bool {
        let value: Option<Vec<u8>> = redis::cmd("GET")
            .arg(key)
            .query_async(&mut self.connection)
            .await
            .expect("the floor's GET runs");
        value.is_some()
    }

    async fn teardown(&mut self, teardown: &Teardown, tower_ids: &[String]) {
        let mut keys: Vec<String> = tower_ids.to_vec();
        if let Some(pattern) = &teardown.key_pattern {
            let mut cursor: u64 = 0;
            loop {
                let page: redis::RedisResult<(u64, Vec<String>)> = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(pattern)
                    .arg("COUNT")
                    .arg(1_000)
                    .query_async(&mut self.connection)
                    .await;
                match page {
                    Ok((next, found)) => {
                        keys.extend(found);
                        cursor = next;
                    }
                    Err(error) => {
                        eprintln!("cleanup: SCAN failed: {error}");
                        break;
                    }
                }
                if cursor == 0 {
                    break;
                }
            }
        }
        for batch in keys.chunks(1_000) {
            let deleted: redis::RedisResult<()> = redis::cmd("DEL")
                .arg(batch)
                .query_async(&mut self.connection)
                .await;
            if let Err(error) = deleted {
                eprintln!("cleanup: DEL failed: {error}");
            }
        }
    }
}

/// What to remove after a server's benchmarks.
#[derive(Default)]
struct Teardown {
    /// SQL run on a floor connection.
    statements: Vec<String>,
    /// Redis keys matching this pattern, besides tower-sessions' keys.
    key_pattern: Option<String>,
    /// Files removed at the very end.
    files: Vec<PathBuf>,
    /// The Redis Cluster started for the run, stopped at the very end (or when
    /// dropped, should a benchmark panic).
    cluster: Option<OwnCluster>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Sequential,
    InFlight,
}

impl Mode {
    const ALL: [Self; 2] = [Self::Sequential, Self::InFlight];

    fn name(self) -> String {
        match self {
            Self::Sequential => "seq".to_owned(),
            Self::InFlight => format!("{IN_FLIGHT}-in-flight"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    ValidateHit,
    ValidateMiss,
    ValidateExtend,
    Create,
    Update,
}

impl Op {
    const ALL: [Self; 5] = [
        Self::ValidateHit,
        Self::ValidateMiss,
        Self::ValidateExtend,
        Self::Create,
        Self::Update,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::ValidateHit => "validate-hit",
            Self::ValidateMiss => "validate-miss",
            Self::ValidateExtend => "validate-extend",
            Self::Create => "create",
            Self::Update => "update",
        }
    }

    /// The floor fetches; it neither extends, creates nor updates.
    fn contenders(self) -> &'static [Contender] {
        match self {
            Self::ValidateHit | Self::ValidateMiss => {
                &[Contender::Narvik, Contender::Tower, Contender::Floor]
            }
            Self::ValidateExtend | Self::Create | Self::Update => {
                &[Contender::Narvik, Contender::Tower]
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Contender {
    Narvik,
    Tower,
    Floor,
}

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Self::Narvik => "narvik",
            Self::Tower => "tower-sessions",
            Self::Floor => "floor",
        }
    }
}

/// The operations of one timed run: `contender`'s `op` on the sessions (or the
/// creations) `first` to `first + count - 1`.
#[derive(Clone, Copy)]
struct Segment {
    contender: Contender,
    op: Op,
    first: usize,
    count: usize,
}

/// A session created by a benchmark, to delete after its chunk.
enum Created {
    Narvik(narvik::SessionId),
    Tower(Id),
}

/// One server's three contenders, their stored sessions and the tokens to probe.
struct Fixture<S: SessionStore, T, F> {
    server: Server,
    /// On the system clock: validations neither expire nor extend.
    narvik: Narvik<S>,
    /// The same store on `clock`, which moves half a session length ahead before
    /// every pass over `extend_tokens`, so each validation extends its session.
    extending: Narvik<S>,
    clock: ManualClock,
    tower: Arc<T>,
    floor: Dedicated<F>,
    hits: Vec<String>,
    misses: Vec<String>,
    extend_tokens: Vec<String>,
    floor_hits: Vec<String>,
    floor_misses: Vec<String>,
    tower_hits: Vec<String>,
    tower_misses: Vec<String>,
    user_ids: Vec<String>,
    data: AppData,
    /// Where the next run starts in the token lists, so runs probe sessions the
    /// previous ones did not.
    cursor: Cell<usize>,
    /// The same for `extend_tokens`, whose passes go with the clock.
    extend_cursor: Cell<usize>,
}

impl<S, T, F> Fixture<S, T, F>
where
    S: SessionStore<Data = AppData> + UpdateSessionData + Clone,
    T: tower_sessions_core::SessionStore,
    F: Floor,
{
    /// Fills the stores with `sessions` sessions for each contender.
    async fn populate(
        server: Server,
        store: S,
        tower: T,
        mut floor: Vec<F>,
        sessions: usize,
    ) -> SetupResult<Self> {
        let clock = ManualClock::new(OffsetDateTime::now_utc());
        let extending = Narvik::builder(store.clone())
            .clock(clock.clone())
            .build()?;
        // With the absolute lifetime on, as an application meeting OWASP ASVS
        // V7.3.2 runs it: validation then also checks the sign-in deadline.
        let narvik = Narvik::builder(store)
            .absolute_lifetime(narvik::time::Duration::hours(12))
            .build()?;
        let tower = Arc::new(tower);
        let data = AppData {
            username: "user0000042".to_owned(),
            created_at: Some(OffsetDateTime::now_utc()),
        };
        let user_ids: Vec<String> = (0..USERS).map(|index| format!("user-{index}")).collect();

        let hits = create_narvik(&narvik, &user_ids, &data, sessions).await?;
        let extend_tokens = create_narvik(&extending, &user_ids, &data, sessions).await?;
        let tower_hits = create_tower(&tower, &data, sessions).await?;

        let hit_ids: Vec<String> = hits
            .iter()
            .map(|token| narvik::SessionId::of_token(token).to_string())
            .collect();
        let misses: Vec<String> = (0..sessions)
            .map(|_| SessionToken::generate().into_string())
            .collect();
        let tower_misses = (0..sessions).map(|_| Id::default().to_string()).collect();
        let data_json = narvik::codec::encode_data(&data)?;
        let Some(first_floor) = floor.first_mut() else {
            return Err("no floor connection".into());
        };
        first_floor.prepare(&hit_ids, &data_json).await?;
        let floor_hits = hit_ids.iter().map(|id| first_floor.key(id)).collect();
        let floor_misses = misses
            .iter()
            .map(|token| first_floor.key(narvik::SessionId::of_token(token).as_str()))
            .collect();
        Ok(Self {
            server,
            narvik,
            extending,
            clock,
            tower,
            floor: Dedicated::new(floor),
            hits,
            misses,
            extend_tokens,
            floor_hits,
            floor_misses,
            tower_hits,
            tower_misses,
            user_ids,
            data,
            cursor: Cell::new(0),
            extend_cursor: Cell::new(0),
        })
    }

    fn sessions(&self) -> usize {
        self.hits.len()
    }

    /// The next run of at most `remaining` operations that stays within one pass
    /// over the token lists (and within one chunk for `create`). Moves the
    /// extending clock at the start of a pass.
    fn next_segment(&self, contender: Contender, op: Op, remaining: u64) -> Segment {
        let sessions = self.sessions();
        let extending = contender == Contender::Narvik && op == Op::ValidateExtend;
        let cursor = if extending {
            &self.extend_cursor
        } else {
            &self.cursor
        };
        let first = cursor.get();
        if extending && first == 0 {
            self.clock.advance(self.extending.session_expires_in() / 2);
        }
        let mut count = (sessions - first).min(usize::try_from(remaining).unwrap_or(usize::MAX));
        if op == Op::Create {
            count = count.min(CREATE_CHUNK);
        }
        cursor.set((first + count) % sessions);
        Segment {
            contender,
            op,
            first,
            count,
        }
    }

    async fn narvik_op(&self, op: Op, index: usize) -> Option<Created> {
        match op {
            Op::ValidateHit => {
                let token = black_box(self.hits[index].as_str());
                let session = self.narvik.validate_session(token).await;
                let session = black_box(session.expect("the store answers"));
                assert!(session.is_some_and(|session| !session.is_extended()));
                None
            }
            Op::ValidateMiss => {
                let token = black_box(self.misses[index].as_str());
                let session = self.narvik.validate_session(token).await;
                assert!(black_box(session.expect("the store answers")).is_none());
                None
            }
            Op::ValidateExtend => {
                let token = black_box(self.extend_tokens[index].as_str());
                let session = self.extending.validate_session(token).await;
                let session = black_box(session.expect("the store answers"));
                assert!(session.is_some_and(|session| session.is_extended()));
                None
            }
            Op::Create => {
                let user_id = self.user_ids[index % USERS].as_str();
                let created = self
                    .narvik
                    .create_session(black_box(user_id), self.data.clone())
                    .await
                    .expect("the store answers");
                Some(Created::Narvik(black_box(created).session.id))
            }
            Op::Update => {
                // Load, change one field, save: the session's fetch, then one
                // conditional write.
                let session_id = SessionId::of_token(black_box(self.hits[index].as_str()));
                let updated = self
                    .narvik
                    .modify_session_data(&session_id, |data| data.created_at = Some(UPDATE_STAMP))
                    .await;
                assert!(black_box(updated.expect("the store answers")).is_some());
                None
            }
        }
    }

    async fn tower_op(&self, op: Op, index: usize) -> Option<Created> {
        if op == Op::Create {
            let session = Session::new(None, Arc::clone(&self.tower), None);
            session
                .insert(TOWER_KEY, black_box(&self.data))
                .await
                .expect("serializes");
            session.save().await.expect("the store answers");
            return black_box(session).id().map(Created::Tower);
        }
        let cookie = match op {
            Op::ValidateMiss => &self.tower_misses[index],
            _ => &self.tower_hits[index],
        };
        let id = black_box(cookie.as_str()).parse::<Id>().ok();
        let expiry = (op == Op::ValidateExtend)
            .then_some(Expiry::OnInactivity(self.narvik.session_expires_in()));
        let session = Session::new(id, Arc::clone(&self.tower), expiry);
        let data = session.get::<AppData>(TOWER_KEY).await;
        let data = black_box(data.expect("the store answers"));
        assert_eq!(data.is_some(), op != Op::ValidateMiss);
        if op == Op::Update {
            let mut data = data.expect("a stored session");
            data.created_at = Some(UPDATE_STAMP);
            session.insert(TOWER_KEY, &data).await.expect("serializes");
        }
        if matches!(op, Op::ValidateExtend | Op::Update) {
            session.save().await.expect("the store answers");
        }
        None
    }

    async fn floor_op(&self, connection: &mut F, op: Op, index: usize) {
        let (key, stored) = match op {
            Op::ValidateHit => (&self.floor_hits[index], true),
            Op::ValidateMiss => (&self.floor_misses[index], false),
            Op::ValidateExtend | Op::Create | Op::Update => {
                unreachable!("the floor only fetches")
            }
        };
        assert_eq!(connection.fetch(black_box(key)).await, stored);
    }

    /// Runs `iters` operations; the time they took, without the deletes of created
    /// sessions between chunks.
    async fn run(&self, mode: Mode, contender: Contender, op: Op, iters: u64) -> Duration {
        let mut elapsed = Duration::ZERO;
        let mut remaining = iters;
        let created = RefCell::new(Vec::new());
        while remaining > 0 {
            let segment = self.next_segment(contender, op, remaining);
            elapsed += match mode {
                Mode::Sequential => self.sequential(segment, &created).await,
                Mode::InFlight => self.in_flight(segment, &created).await,
            };
            let made = created.take();
            run_in_flight(made.len() as u64, IN_FLIGHT, |index| {
                self.delete(&made[index as usize])
            })
            .await;
            remaining -= segment.count as u64;
        }
        elapsed
    }

    /// Runs `segment` one operation at a time.
    async fn sequential(&self, segment: Segment, created: &RefCell<Vec<Created>>) -> Duration {
        let mut made = Vec::new();
        // The floor's one connection, taken before the clock starts.
        let mut floor = self.lend_floor(segment.contender).await;
        let started = Instant::now();
        for index in segment.first..segment.first + segment.count {
            made.extend(
                self.contender_op(segment, index, floor.as_deref_mut())
                    .await,
            );
        }
        let elapsed = started.elapsed();
        created.borrow_mut().extend(made);
        elapsed
    }

    /// Runs `segment` with [`IN_FLIGHT`] operations in flight, each on a floor
    /// connection of its own for the floor.
    async fn in_flight(&self, segment: Segment, created: &RefCell<Vec<Created>>) -> Duration {
        run_in_flight(segment.count as u64, IN_FLIGHT, |offset| async move {
            let index = segment.first + offset as usize;
            let mut floor = self.lend_floor(segment.contender).await;
            let made = self
                .contender_op(segment, index, floor.as_deref_mut())
                .await;
            created.borrow_mut().extend(made);
        })
        .await
    }

    /// A floor connection when `contender` is the floor, else none.
    async fn lend_floor(&self, contender: Contender) -> Option<Lent<'_, F>> {
        match contender {
            Contender::Floor => Some(self.floor.lend().await.expect("a floor connection")),
            Contender::Narvik | Contender::Tower => None,
        }
    }

    /// Operation `index` of `segment`; the floor's runs on `floor`, from
    /// [`lend_floor`](Self::lend_floor).
    async fn contender_op(
        &self,
        segment: Segment,
        index: usize,
        floor: Option<&mut F>,
    ) -> Option<Created> {
        match (segment.contender, floor) {
            (Contender::Narvik, _) => self.narvik_op(segment.op, index).await,
            (Contender::Tower, _) => self.tower_op(segment.op, index).await,
            (Contender::Floor, Some(connection)) => {
                self.floor_op(connection, segment.op, index).await;
                None
            }
            (Contender::Floor, None) => unreachable!("the floor's connection is lent first"),
        }
    }

    async fn delete(&self, created: &Created) {
        match created {
            Created::Narvik(session_id) => self
                .narvik
                .invalidate_session(session_id)
                .await
                .expect("the store answers"),
            Created::Tower(id) => self.tower.delete(id).await.expect("the store answers"),
        }
    }

    async fn teardown(self, teardown: &Teardown) {
        if let Some(mut connection) = self.floor.lend().await {
            connection.teardown(teardown, &self.tower_hits).await;
        }
    }
}

/// `sessions` narvik sessions, 32 created at a time; their tokens.
async fn create_narvik<S: SessionStore<Data = AppData>>(
    narvik: &Narvik<S>,
    user_ids: &[String],
    data: &AppData,
    sessions: usize,
) -> SetupResult<Vec<String>> {
    create_in_flight(sessions, |index| async move {
        let user_id = user_ids[index % user_ids.len()].as_str();
        let created = narvik.create_session(user_id, data.clone()).await?;
        Ok(created.token.into_string())
    })
    .await
}

/// `sessions` tower-sessions sessions, 32 created at a time; their cookie values.
async fn create_tower<T: tower_sessions_core::SessionStore>(
    tower: &Arc<T>,
    data: &AppData,
    sessions: usize,
) -> SetupResult<Vec<String>> {
    create_in_flight(sessions, |_| async move {
        let session = Session::new(None, Arc::clone(tower), None);
        session.insert(TOWER_KEY, data).await?;
        session.save().await?;
        Ok(session.id().ok_or("saved without an id")?.to_string())
    })
    .await
}

/// Runs `create(0)` to `create(sessions - 1)`, [`IN_FLIGHT`] at a time; what they
/// made, or an error of one that failed.
async fn create_in_flight<F, Fut>(sessions: usize, create: F) -> SetupResult<Vec<String>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = SetupResult<String>>,
{
    let made = RefCell::new(Vec::with_capacity(sessions));
    let failure = RefCell::new(None);
    run_in_flight(sessions as u64, IN_FLIGHT, |index| {
        let (made, failure, create) = (&made, &failure, &create);
        async move {
            match create(index as usize).await {
                Ok(value) => made.borrow_mut().push(value),
                Err(error) => *failure.borrow_mut() = Some(error),
            }
        }
    })
    .await;
    match failure.into_inner() {
        Some(error) => Err(error),
        None => Ok(made.into_inner()),
    }
}

type RedisFixture =
    Fixture<RedisStore<AppData>, tower_sessions_redis_store::RedisStore<Pool>, RedisFloor>;

async fn setup_redis(sessions: usize) -> SetupResult<(RedisFixture, Teardown)> {
    let url = Server::Redis.url();
    let client = redis::Client::open(url.as_str())?;
    let connection =
        tokio::time::timeout(CONNECT_TIMEOUT, client.get_multiplexed_async_connection())
            .await
            .map_err(|_| format!("no answer within {CONNECT_TIMEOUT:?}"))??;
    let prefix = format!("{}:", unique_name());
    let store = RedisStore::connect(&url).await?.with_key_prefix(&prefix);
    // One connection, as narvik and the floor have; see `fred_pool_size`.
    let pool = Pool::new(
        FredConfig::from_url(&url)?,
        None,
        None,
        None,
        fred_pool_size(),
    )?;
    pool.init().await?;
    let tower = tower_sessions_redis_store::RedisStore::new(pool);
    // One multiplexed connection, shared by every operation in flight.
    let floor = (0..IN_FLIGHT)
        .map(|_| RedisFloor {
            connection: connection.clone(),
            prefix: format!("{prefix}floor:"),
        })
        .collect();
    let fixture = Fixture::populate(Server::Redis, store, tower, floor, sessions).await?;
    let teardown = Teardown {
        key_pattern: Some(format!("{prefix}*")),
        ..Teardown::default()
    };
    Ok((fixture, teardown))
}

/// The benchmarks that ran, for the tables at the end.
#[derive(Default)]
struct Ran(RefCell<Vec<(Server, Mode, Op, Contender)>>);

impl Ran {
    fn record(&self, entry: (Server, Mode, Op, Contender)) {
        let mut ran = self.0.borrow_mut();
        if !ran.contains(&entry) {
            ran.push(entry);
        }
    }

    fn contains(&self, entry: (Server, Mode, Op, Contender)) -> bool {
        self.0.borrow().contains(&entry)
    }
}

fn group_name(server: Server, mode: Mode, op: Op) -> String {
    format!("{}/{}/{}", server.name(), mode.name(), op.name())
}

/// What the benchmarks of every server run with.
struct Bench {
    criterion: Criterion,
    runtime: Runtime,
    ran: Ran,
}

impl Bench {
    /// Sets up `server` with `setup`, runs its benchmarks, then removes what they
    /// left; skips it when the setup fails.
    fn server<S, T, F>(
        &mut self,
        server: Server,
        setup: impl Future<Output = SetupResult<(Fixture<S, T, F>, Teardown)>>,
    ) where
        S: SessionStore<Data = AppData> + UpdateSessionData + Clone,
        T: tower_sessions_core::SessionStore,
        F: Floor,
    {
        let Self {
            criterion,
            runtime,
            ran,
        } = self;
        let started = Instant::now();
        let (fixture, teardown) = match runtime.block_on(setup) {
            Ok(ready) => ready,
            Err(error) => {
                eprintln!(
                    "{}: skipped, the server is not usable: {error}",
                    server.name()
                );
                return;
            }
        };
        eprintln!(
            "{}: {} sessions stored per contender in {:.1?}",
            fixture.server.name(),
            fixture.sessions(),
            started.elapsed()
        );
        for mode in Mode::ALL {
            for op in Op::ALL {
                let mut group = criterion.benchmark_group(group_name(server, mode, op));
                group.throughput(Throughput::Elements(1));
                for &contender in op.contenders() {
                    group.bench_function(contender.name(), |bencher| {
                        ran.record((server, mode, op, contender));
                        bencher.iter_custom(|iters| {
                            runtime.block_on(fixture.run(mode, contender, op, iters))
                        });
                    });
                }
                group.finish();
            }
        }
        runtime.block_on(async {
            fixture.teardown(&teardown).await;
        });
        for file in &teardown.files {
            // A file SQLite did not make (no `-shm` yet) is not an error.
            let _ = std::fs::remove_file(file);
        }
        if let Some(cluster) = teardown.cluster {
            cluster.stop();
        }
    }
}

/// Connections in tower-sessions-redis-store's fred pool: `NARVIK_BENCH_FRED_POOL`,
/// else 1. Its documentation sets up 6, which on one core is slower than one
/// connection (fewer commands per read and write), so one is the default: narvik
/// is compared with the faster setup.
fn fred_pool_size() -> usize {
    positive_from_env("NARVIK_BENCH_FRED_POOL", 1)
}

/// Sessions stored per contender: `NARVIK_BENCH_SESSIONS`, else [`SESSIONS`].
fn sessions() -> usize {
    positive_from_env("NARVIK_BENCH_SESSIONS", SESSIONS)
}

/// The positive number in `variable`, else `default`. Panics on anything else.
fn positive_from_env(variable: &str, default: usize) -> usize {
    match std::env::var(variable) {
        Ok(number) => number
            .trim()
            .parse()
            .ok()
            .filter(|&number| number > 0)
            .unwrap_or_else(|| panic!("{variable}: a positive number")),
        Err(_) => default,
    }
}

fn main() {
    let criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    let mut bench = Bench {
        criterion,
        runtime,
        ran: Ran::default(),
    };
    let sessions = sessions();
    for server in Server::selected() {
        match server {
            Server::Sqlite => bench.server(server, setup_sql::<Sqlite>(sessions)),
            Server::Postgres => bench.server(server, setup_sql::<Postgres>(sessions)),
            Server::MySql => bench.server(server, setup_sql::<MySql>(sessions)),
            Server::Redis => bench.server(server, setup_redis(sessions)),
            Server::Cluster => bench.server(server, setup_cluster(sessions)),
        }
    }
    bench.criterion.final_summary();
    print_tables(&bench.ran);
}
