//! narvik's real stores beside tower-sessions' stores for the same server and the
//! bare round trip, in one run: SQLite (a file), PostgreSQL, MySQL/MariaDB and Redis.
//!
//! Run with `cargo bench -p narvik-benchmarks --bench stores`, or pinned to one core
//! with `benchmarks/run-pinned.sh`; `BENCHMARKS.md` at the repository root has the
//! figures and how they were taken. A server that does not answer within a few
//! seconds is skipped with a notice. Settings:
//!
//! - `NARVIK_TEST_POSTGRES_URL`, `NARVIK_TEST_MYSQL_URL`, `NARVIK_TEST_REDIS_URL`:
//!   where the servers are (defaults: `127.0.0.1`, databases `test`).
//! - `NARVIK_BENCH_SERVERS=postgres,redis`: only those servers.
//! - `NARVIK_BENCH_SESSIONS`: sessions stored per contender (default 10,000).
//! - `NARVIK_BENCH_FRED_POOL`: connections of tower-sessions-redis-store (default 1).
//!
//! Every contender answers the same question:
//!
//! - narvik: `validate_session(token)` returning the typed session, and
//!   `create_session(user_id, data)`.
//! - tower-sessions (tower-sessions-sqlx-store 0.15 or tower-sessions-redis-store
//!   0.16, on tower-sessions-core 0.14): what its middleware and a handler do per
//!   request: parse the cookie value into an `Id`, `Session::new`, `get::<AppData>`
//!   (which loads the record); to sign in, `insert` of the same struct, then `save`
//!   (the store's `create`).
//! - floor: one round trip that fetches the session, on a connection of its own
//!   with nothing around it: a `SELECT` of narvik's row by primary key on a
//!   dedicated sqlx connection (`PgConnection`, `MySqlConnection`,
//!   `SqliteConnection`), or a `GET` of a string holding the same JSON on Redis
//!   (a `redis` `MultiplexedConnection`). It gets the session id, not the token.
//!
//! Operations: `validate-hit`, `validate-miss` (a well-formed token that is not
//! stored), `validate-extend` and `create`. An extending validation is narvik's
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
//! its documentation sets up, which is slower on one core). Everything runs on one
//! current-thread Tokio runtime, so the benchmark process uses one core (SQLite's
//! connection threads aside).
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
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use narvik::{ManualClock, Narvik, SessionData, SessionStore, SessionToken};
use narvik_benchmarks::{
    run_in_flight, unique_name, Dedicated, Server, CONNECT_TIMEOUT, IN_FLIGHT,
};
use narvik_redis::{redis, RedisStore};
use narvik_sqlx::sqlx;
use narvik_sqlx::{MySqlStore, PostgresStore, SqliteStore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::runtime::Runtime;
use tower_sessions_core::session::Id;
use tower_sessions_core::Expiry;
use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config as FredConfig, Pool};

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
}

impl Op {
    const ALL: [Self; 4] = [
        Self::ValidateHit,
        Self::ValidateMiss,
        Self::ValidateExtend,
        Self::Create,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::ValidateHit => "validate-hit",
            Self::ValidateMiss => "validate-miss",
            Self::ValidateExtend => "validate-extend",
            Self::Create => "create",
        }
    }

    /// The floor fetches; it neither extends nor creates.
    fn contenders(self) -> &'static [Contender] {
        match self {
            Self::ValidateHit | Self::ValidateMiss => {
                &[Contender::Narvik, Contender::Tower, Contender::Floor]
            }
            Self::ValidateExtend | Self::Create => &[Contender::Narvik, Contender::Tower],
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

/// A session created by a benchmark, to delete after its chunk.
enum Created {
    Narvik(String),
    Tower(Id),
}

/// One server's three contenders, their stored sessions and the tokens to probe.
struct Fixture<S, T, F> {
    server: Server,
    /// On the system clock: validations neither expire nor extend.
    narvik: Narvik<AppData, S>,
    /// The same store on `clock`, which moves half a session length ahead before
    /// every pass over `extend_tokens`, so each validation extends its session.
    extending: Narvik<AppData, S>,
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
    S: SessionStore<AppData> + Clone,
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
        let narvik = Narvik::new(store);
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
            .map(|token| narvik::token::session_id(token))
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
            .map(|token| first_floor.key(&narvik::token::session_id(token)))
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
    /// over the token lists (and within one chunk for `create`): its first index
    /// and length. Moves the extending clock at the start of a pass.
    fn next_segment(&self, contender: Contender, op: Op, remaining: u64) -> (usize, usize) {
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
        (first, count)
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
        if op == Op::ValidateExtend {
            session.save().await.expect("the store answers");
        }
        None
    }

    async fn floor_op(&self, connection: &mut F, op: Op, index: usize) {
        let (key, stored) = match op {
            Op::ValidateHit => (&self.floor_hits[index], true),
            Op::ValidateMiss => (&self.floor_misses[index], false),
            Op::ValidateExtend | Op::Create => unreachable!("the floor only fetches"),
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
            let (first, count) = self.next_segment(contender, op, remaining);
            elapsed += match mode {
                Mode::Sequential => self.sequential(contender, op, first, count, &created).await,
                Mode::InFlight => self.in_flight(contender, op, first, count, &created).await,
            };
            let made = created.take();
            run_in_flight(made.len() as u64, IN_FLIGHT, |index| {
                self.delete(&made[index as usize])
            })
            .await;
            remaining -= count as u64;
        }
        elapsed
    }

    async fn sequential(
        &self,
        contender: Contender,
        op: Op,
        first: usize,
        count: usize,
        created: &RefCell<Vec<Created>>,
    ) -> Duration {
        let mut made = Vec::new();
        // The floor's one connection, taken before the clock starts.
        let mut floor = match contender {
            Contender::Floor => Some(self.floor.lend().await.expect("a floor connection")),
            _ => None,
        };
        let started = Instant::now();
        for index in first..first + count {
            match (contender, floor.as_mut()) {
                (Contender::Narvik, _) => made.extend(self.narvik_op(op, index).await),
                (Contender::Tower, _) => made.extend(self.tower_op(op, index).await),
                (Contender::Floor, Some(connection)) => {
                    self.floor_op(connection, op, index).await;
                }
                (Contender::Floor, None) => unreachable!("lent above"),
            }
        }
        let elapsed = started.elapsed();
        created.borrow_mut().extend(made);
        elapsed
    }

    async fn in_flight(
        &self,
        contender: Contender,
        op: Op,
        first: usize,
        count: usize,
        created: &RefCell<Vec<Created>>,
    ) -> Duration {
        run_in_flight(count as u64, IN_FLIGHT, |offset| async move {
            let index = first + offset as usize;
            let made = match contender {
                Contender::Narvik => self.narvik_op(op, index).await,
                Contender::Tower => self.tower_op(op, index).await,
                Contender::Floor => {
                    let mut connection = self.floor.lend().await.expect("a floor connection");
                    self.floor_op(&mut connection, op, index).await;
                    None
                }
            };
            created.borrow_mut().extend(made);
        })
        .await
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
async fn create_narvik<S: SessionStore<AppData>>(
    narvik: &Narvik<AppData, S>,
    user_ids: &[String],
    data: &AppData,
    sessions: usize,
) -> SetupResult<Vec<String>> {
    let tokens = RefCell::new(Vec::with_capacity(sessions));
    let failure = RefCell::new(None);
    run_in_flight(sessions as u64, IN_FLIGHT, |index| {
        let (tokens, failure) = (&tokens, &failure);
        async move {
            let user_id = user_ids[index as usize % user_ids.len()].as_str();
            match narvik.create_session(user_id, data.clone()).await {
                Ok(created) => tokens.borrow_mut().push(created.token.into_string()),
                Err(error) => *failure.borrow_mut() = Some(error),
            }
        }
    })
    .await;
    match failure.into_inner() {
        Some(error) => Err(error.into()),
        None => Ok(tokens.into_inner()),
    }
}

/// `sessions` tower-sessions sessions, 32 created at a time; their cookie values.
async fn create_tower<T: tower_sessions_core::SessionStore>(
    tower: &Arc<T>,
    data: &AppData,
    sessions: usize,
) -> SetupResult<Vec<String>> {
    let ids = RefCell::new(Vec::with_capacity(sessions));
    let failure = RefCell::new(None);
    run_in_flight(sessions as u64, IN_FLIGHT, |_| {
        let (ids, failure) = (&ids, &failure);
        async move {
            let session = Session::new(None, Arc::clone(tower), None);
            let saved = match session.insert(TOWER_KEY, data).await {
                Ok(()) => session.save().await,
                Err(error) => Err(error),
            };
            match (saved, session.id()) {
                (Ok(()), Some(id)) => ids.borrow_mut().push(id.to_string()),
                (Err(error), _) => *failure.borrow_mut() = Some(error.to_string()),
                (Ok(()), None) => *failure.borrow_mut() = Some("saved without an id".into()),
            }
        }
    })
    .await;
    match failure.into_inner() {
        Some(error) => Err(error.into()),
        None => Ok(ids.into_inner()),
    }
}

/// Connections of the floor: as many as the store pools may open, 10 by default.
async fn connect_floor<C: sqlx::Connection>(url: &str) -> SetupResult<Vec<C>> {
    let count = narvik_sqlx::pool_options::<C::Database>().get_max_connections();
    let mut connections = Vec::new();
    for _ in 0..count {
        let connection = tokio::time::timeout(CONNECT_TIMEOUT, C::connect(url))
            .await
            .map_err(|_| format!("no answer within {CONNECT_TIMEOUT:?}"))??;
        connections.push(connection);
    }
    Ok(connections)
}

type SqliteFixture = Fixture<
    SqliteStore<AppData>,
    tower_sessions_sqlx_store::SqliteStore,
    SqlFloor<sqlx::SqliteConnection>,
>;

async fn setup_sqlite(sessions: usize) -> SetupResult<(SqliteFixture, Teardown)> {
    let name = unique_name();
    let path = std::env::temp_dir().join(format!("{name}.db"));
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url).await?.with_table_name(&name)?;
    store.migrate().await?;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?;
    let tower =
        tower_sessions_sqlx_store::SqliteStore::new(sqlx::SqlitePool::connect_with(options).await?)
            .with_table_name(format!("{name}_tower"))?;
    tower.migrate().await?;
    let select: Arc<str> =
        format!(r#"SELECT user_id, expires_at, data FROM "{name}" WHERE id = ?"#).into();
    let floor = connect_floor::<sqlx::SqliteConnection>(&url)
        .await?
        .into_iter()
        .map(|connection| SqlFloor {
            connection,
            select: Arc::clone(&select),
        })
        .collect();
    let fixture = Fixture::populate(Server::Sqlite, store, tower, floor, sessions).await?;
    let files = ["", "-wal", "-shm"]
        .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
        .to_vec();
    Ok((
        fixture,
        Teardown {
            files,
            ..Teardown::default()
        },
    ))
}

type PostgresFixture = Fixture<
    PostgresStore<AppData>,
    tower_sessions_sqlx_store::PostgresStore,
    SqlFloor<sqlx::PgConnection>,
>;

async fn setup_postgres(sessions: usize) -> SetupResult<(PostgresFixture, Teardown)> {
    let url = Server::Postgres.url();
    // The floor connects first: a server that does not answer is skipped quickly.
    let floor = connect_floor::<sqlx::PgConnection>(&url).await?;
    let name = unique_name();
    let store = PostgresStore::connect(&url).await?.with_table_name(&name)?;
    store.migrate().await?;
    let tower = tower_sessions_sqlx_store::PostgresStore::new(sqlx::PgPool::connect(&url).await?)
        .with_schema_name(&name)?;
    tower.migrate().await?;
    let select: Arc<str> =
        format!(r#"SELECT user_id, expires_at, data FROM "{name}" WHERE id = $1"#).into();
    let floor = floor
        .into_iter()
        .map(|connection| SqlFloor {
            connection,
            select: Arc::clone(&select),
        })
        .collect();
    let fixture = Fixture::populate(Server::Postgres, store, tower, floor, sessions).await?;
    let statements = vec![
        format!(r#"DROP TABLE IF EXISTS "{name}""#),
        format!(r#"DROP SCHEMA IF EXISTS "{name}" CASCADE"#),
    ];
    Ok((
        fixture,
        Teardown {
            statements,
            ..Teardown::default()
        },
    ))
}

type MySqlFixture = Fixture<
    MySqlStore<AppData>,
    tower_sessions_sqlx_store::MySqlStore,
    SqlFloor<sqlx::MySqlConnection>,
>;

async fn setup_mysql(sessions: usize) -> SetupResult<(MySqlFixture, Teardown)> {
    let url = Server::MySql.url();
    let floor = connect_floor::<sqlx::MySqlConnection>(&url).await?;
    let name = unique_name();
    let store = MySqlStore::connect(&url).await?.with_table_name(&name)?;
    store.migrate().await?;
    // tower-sessions' schema is a database of its own on MySQL.
    let tower = tower_sessions_sqlx_store::MySqlStore::new(sqlx::MySqlPool::connect(&url).await?)
        .with_schema_name(&name)?;
    tower.migrate().await?;
    let select: Arc<str> =
        format!("SELECT user_id, expires_at, data FROM `{name}` WHERE id = ?").into();
    let floor = floor
        .into_iter()
        .map(|connection| SqlFloor {
            connection,
            select: Arc::clone(&select),
        })
        .collect();
    let fixture = Fixture::populate(Server::MySql, store, tower, floor, sessions).await?;
    let statements = vec![
        format!("DROP TABLE IF EXISTS `{name}`"),
        format!("DROP DATABASE IF EXISTS `{name}`"),
    ];
    Ok((
        fixture,
        Teardown {
            statements,
            ..Teardown::default()
        },
    ))
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

fn bench_server<S, T, F>(
    criterion: &mut Criterion,
    runtime: &Runtime,
    setup: impl Future<Output = SetupResult<(Fixture<S, T, F>, Teardown)>>,
    server: Server,
    ran: &Ran,
) where
    S: SessionStore<AppData> + Clone,
    T: tower_sessions_core::SessionStore,
    F: Floor,
{
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
}

/// Criterion's estimate, in nanoseconds per operation, of a benchmark of this run.
fn estimate(ran: &Ran, server: Server, mode: Mode, op: Op, contender: Contender) -> Option<f64> {
    #[derive(Deserialize)]
    struct Estimates {
        mean: Estimate,
        slope: Option<Estimate>,
    }
    #[derive(Deserialize)]
    struct Estimate {
        point_estimate: f64,
    }
    if !ran.contains((server, mode, op, contender)) {
        return None;
    }
    // Where criterion writes, found as criterion finds it.
    let home = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|dir| PathBuf::from(dir).join("criterion"))
        })
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"));
    let group = group_name(server, mode, op).replace('/', "_");
    let path = home
        .join(group)
        .join(contender.name())
        .join("new/estimates.json");
    let estimates: Estimates = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    Some(estimates.slope.unwrap_or(estimates.mean).point_estimate)
}

/// The tables of `BENCHMARKS.md`, from criterion's estimates of this run.
fn print_tables(ran: &Ran) {
    let servers: Vec<Server> = Server::ALL
        .into_iter()
        .filter(|&server| {
            Mode::ALL.into_iter().any(|mode| {
                Op::ALL
                    .into_iter()
                    .any(|op| ran.contains((server, mode, op, Contender::Narvik)))
            })
        })
        .collect();
    if servers.is_empty() {
        return;
    }
    let ratio = |numerator: Option<f64>, denominator: Option<f64>| match (numerator, denominator) {
        (Some(numerator), Some(denominator)) => format!("{:.2}x", numerator / denominator),
        _ => "-".to_owned(),
    };
    println!("\nSequential: time per operation, µs (lower is better)\n");
    println!("| server | operation | narvik | tower-sessions | floor | narvik ÷ floor | tower-sessions ÷ narvik |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    let micros =
        |nanos: Option<f64>| nanos.map_or("-".to_owned(), |nanos| format!("{:.1}", nanos / 1e3));
    for &server in &servers {
        for op in Op::ALL {
            let [narvik, tower, floor] = [Contender::Narvik, Contender::Tower, Contender::Floor]
                .map(|contender| estimate(ran, server, Mode::Sequential, op, contender));
            if narvik.is_none() && tower.is_none() {
                continue;
            }
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                server.name(),
                op.name(),
                micros(narvik),
                micros(tower),
                micros(floor),
                ratio(narvik, floor),
                ratio(tower, narvik),
            );
        }
    }
    println!("\n{IN_FLIGHT} in flight: thousand operations per second (higher is better)\n");
    println!("| server | operation | narvik | tower-sessions | floor | narvik ÷ floor | narvik ÷ tower-sessions |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    let throughput = |nanos: Option<f64>| nanos.map(|nanos| 1e9 / nanos);
    let thousands =
        |ops: Option<f64>| ops.map_or("-".to_owned(), |ops| format!("{:.1}", ops / 1e3));
    for &server in &servers {
        for op in Op::ALL {
            let [narvik, tower, floor] = [Contender::Narvik, Contender::Tower, Contender::Floor]
                .map(|contender| throughput(estimate(ran, server, Mode::InFlight, op, contender)));
            if narvik.is_none() && tower.is_none() {
                continue;
            }
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                server.name(),
                op.name(),
                thousands(narvik),
                thousands(tower),
                thousands(floor),
                ratio(narvik, floor),
                ratio(narvik, tower),
            );
        }
    }
}

/// Connections in tower-sessions-redis-store's fred pool: `NARVIK_BENCH_FRED_POOL`,
/// else 1. Its documentation sets up 6, which on one core is slower than one
/// connection (fewer commands per read and write), so one is the default: narvik
/// is compared with the faster setup.
fn fred_pool_size() -> usize {
    match std::env::var("NARVIK_BENCH_FRED_POOL") {
        Ok(size) => size
            .trim()
            .parse()
            .ok()
            .filter(|&size| size > 0)
            .expect("NARVIK_BENCH_FRED_POOL: a positive number"),
        Err(_) => 1,
    }
}

fn sessions() -> usize {
    match std::env::var("NARVIK_BENCH_SESSIONS") {
        Ok(count) => count
            .trim()
            .parse()
            .ok()
            .filter(|&count| count > 0)
            .expect("NARVIK_BENCH_SESSIONS: a positive number"),
        Err(_) => SESSIONS,
    }
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    let sessions = sessions();
    let ran = Ran::default();
    for server in Server::selected() {
        match server {
            Server::Sqlite => bench_server(
                &mut criterion,
                &runtime,
                setup_sqlite(sessions),
                server,
                &ran,
            ),
            Server::Postgres => bench_server(
                &mut criterion,
                &runtime,
                setup_postgres(sessions),
                server,
                &ran,
            ),
            Server::MySql => bench_server(
                &mut criterion,
                &runtime,
                setup_mysql(sessions),
                server,
                &ran,
            ),
            Server::Redis => bench_server(
                &mut criterion,
                &runtime,
                setup_redis(sessions),
                server,
                &ran,
            ),
        }
    }
    criterion.final_summary();
    print_tables(&ran);
}
