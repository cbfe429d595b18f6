//! `create_session` and `validate_session` on [`MemoryStore`], beside the floor (what
//! any session lookup must do) and tower-sessions 0.15 doing what an app does with
//! it, with 10k and 1M sessions stored, on one task and on two threads; and the
//! data update ("load, change one field, save") against tower-sessions.
//!
//! Run with `cargo bench -p narvik`; `BENCHMARKS.md` at the repository root has the
//! figures and how they were taken. `NARVIK_BENCH_SIZES=10000` (a comma-separated
//! list) runs only some sizes, for a quick look.
//!
//! Every contender answers the same question from the same kind of input:
//!
//! - narvik: `validate_session(token)` returning the typed session,
//!   `create_session(user_id, data)`, and to update, the token's session id then
//!   `modify_session_data(&id, |data| ..)` changing one field.
//! - floor: SHA-256 of the token, its hex id on the stack, one `get` in a plain
//!   `HashMap<String, _>` (SipHash, no lock) returning a reference.
//! - tower-sessions: what its middleware and a handler do per request: parse the
//!   cookie value into an `Id`, `Session::new`, then `get::<AppData>` (which loads
//!   the record); to sign in, `insert` of the same struct under one key, then `save`;
//!   to update, the lookup, then `insert` of the changed struct and `save`.
//!
//! Lookups walk all stored sessions in a shuffled order, so at 1M the caches do not
//! hold what is probed. Creation runs in chunks whose sessions are deleted, untimed,
//! after each chunk, so the store stays at its size.

#![allow(
    clippy::expect_used,
    reason = "a benchmark has no caller to hand an error to; a failure is a broken setup"
)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::Criterion;
use narvik::time::OffsetDateTime;
use narvik::{MemoryStore, Narvik, SessionData, SessionId, SessionToken};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::runtime::Runtime;
use tower_sessions::session::Id;
use tower_sessions::session_store::SessionStore as _;

/// Typed session data, as an application has it.
#[derive(SessionData, Serialize, Deserialize, Clone, Debug)]
struct AppData {
    username: String,
    created_at: Option<OffsetDateTime>,
}

/// The key tower-sessions keeps `AppData` under.
const TOWER_KEY: &str = "data";
/// Sizes of store measured, unless `NARVIK_BENCH_SIZES` says otherwise.
const SIZES: [usize; 2] = [10_000, 1_000_000];
/// Sessions created per timed chunk before they are deleted again.
const CREATE_CHUNK: u64 = 1_000;
/// Distinct user ids that created sessions belong to.
const CREATE_USERS: usize = 4_096;
/// Characters in a narvik token.
const TOKEN_LEN: usize = 32;
/// Characters in a tower-sessions cookie value (an `i128` in base64).
const TOWER_COOKIE_LEN: usize = 22;
/// Neither a narvik token nor a tower-sessions id: the wrong length, and characters
/// of neither alphabet.
const MALFORMED_TOKEN: &str = "not+a/session!token*at=all;31ch";

type NarvikStore = Narvik<MemoryStore<AppData>>;
type TowerStore = tower_sessions::MemoryStore;
type TowerSession = tower_sessions::Session;

/// Many strings of one length in one buffer: walking them costs no cache misses of
/// their own, so the store's misses are what shows. Built without a `String` per
/// token, so populating leaves no millions of small frees for the allocator to
/// consolidate in the middle of a measurement.
struct Tokens {
    text: String,
    len: usize,
    count: usize,
}

impl Tokens {
    fn with_capacity(len: usize, count: usize) -> Self {
        Self {
            text: String::with_capacity(len * count),
            len,
            count: 0,
        }
    }

    fn push(&mut self, token: &str) {
        assert_eq!(token.len(), self.len, "tokens of one length");
        self.text.push_str(token);
        self.count += 1;
    }

    fn of(len: usize, count: usize, mut token: impl FnMut() -> String) -> Self {
        let mut tokens = Self::with_capacity(len, count);
        for _ in 0..count {
            tokens.push(&token());
        }
        tokens
    }

    /// The same tokens in a random order.
    fn shuffled(&self) -> Self {
        let mut order: Vec<usize> = (0..self.count).collect();
        order.shuffle(&mut rand::rng());
        let mut shuffled = Self::with_capacity(self.len, self.count);
        for index in order {
            shuffled.push(self.get(index));
        }
        shuffled
    }

    fn get(&self, index: usize) -> &str {
        let start = (index % self.count) * self.len;
        &self.text[start..start + self.len]
    }

    /// A walk over the tokens from index `first` on, wrapping around.
    fn walk(&self, first: usize) -> Walk<'_> {
        Walk {
            tokens: self,
            next: first % self.count,
        }
    }
}

/// The next token at each step, without a division in the timed loop.
struct Walk<'a> {
    tokens: &'a Tokens,
    next: usize,
}

impl<'a> Walk<'a> {
    fn next_token(&mut self) -> &'a str {
        let start = self.next * self.tokens.len;
        self.next += 1;
        if self.next == self.tokens.count {
            self.next = 0;
        }
        &self.tokens.text[start..start + self.tokens.len]
    }
}

/// The three stores filled with `size` sessions each, and the tokens to probe them.
struct Fixture {
    size: usize,
    narvik: NarvikStore,
    narvik_hits: Tokens,
    narvik_misses: Tokens,
    floor: HashMap<String, AppData>,
    tower: std::sync::Arc<TowerStore>,
    tower_hits: Tokens,
    tower_misses: Tokens,
    malformed: Tokens,
    user_ids: Vec<String>,
    data: AppData,
}

fn app_data(index: usize) -> AppData {
    AppData {
        username: format!("user{index:07}"),
        created_at: Some(OffsetDateTime::now_utc()),
    }
}

/// SHA-256 of `token` as lower-case hex, on the stack: the floor's id, made as
/// narvik makes its own (`const-hex`, vectorized).
fn floor_session_id(token: &str) -> [u8; 64] {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = [0u8; 64];
    const_hex::encode_to_slice(digest, &mut hex).expect("64 hex digits for 32 bytes");
    hex
}

impl Fixture {
    fn populate(runtime: &Runtime, size: usize) -> Self {
        let started = Instant::now();
        // With the absolute lifetime on, as an application meeting OWASP ASVS
        // V7.3.2 runs it: validation then also checks the sign-in deadline.
        let narvik = Narvik::builder(MemoryStore::new())
            .absolute_lifetime(narvik::time::Duration::hours(12))
            .build()
            .expect("valid settings");
        let tower = std::sync::Arc::new(TowerStore::default());
        let mut floor = HashMap::with_capacity(size);
        let mut narvik_tokens = Tokens::with_capacity(TOKEN_LEN, size);
        let mut tower_cookies = Tokens::with_capacity(TOWER_COOKIE_LEN, size);
        runtime.block_on(async {
            for index in 0..size {
                let data = app_data(index);
                let created = narvik
                    .create_session(format!("{index}"), data.clone())
                    .await
                    .expect("the memory store does not fail");
                floor.insert(created.session.id.to_string(), data.clone());
                narvik_tokens.push(created.token.as_str());

                let session = TowerSession::new(None, tower.clone(), None);
                session.insert(TOWER_KEY, &data).await.expect("serializes");
                session
                    .save()
                    .await
                    .expect("the memory store does not fail");
                let id = session.id().expect("saved sessions have an id");
                tower_cookies.push(&id.to_string());
            }
        });
        let narvik_misses = Tokens::of(TOKEN_LEN, size, || SessionToken::generate().into_string());
        let tower_misses = Tokens::of(TOWER_COOKIE_LEN, size, || Id::default().to_string());
        eprintln!(
            "populated {size} sessions in each store in {:.1?}",
            started.elapsed()
        );
        Self {
            size,
            narvik,
            narvik_hits: narvik_tokens.shuffled(),
            narvik_misses,
            floor,
            tower,
            tower_hits: tower_cookies.shuffled(),
            tower_misses,
            malformed: Tokens::of(MALFORMED_TOKEN.len(), 1, || MALFORMED_TOKEN.to_owned()),
            user_ids: (0..CREATE_USERS).map(|index| format!("{index}")).collect(),
            data: app_data(0),
        }
    }

    /// Hits must hit and misses miss, or the figures mean nothing.
    fn check(&self, runtime: &Runtime) {
        runtime.block_on(async {
            let malformed = self.narvik.validate_session(MALFORMED_TOKEN).await;
            assert!(malformed.expect("no failure").is_none());
            assert!(MALFORMED_TOKEN.parse::<Id>().is_err());
            for index in [0, self.size / 2, self.size - 1] {
                let hit = self.narvik_hits.get(index);
                let miss = self.narvik_misses.get(index);
                let session = self.narvik.validate_session(hit).await.expect("no failure");
                assert!(session.is_some_and(|session| !session.username.is_empty()));
                assert!(self
                    .narvik
                    .validate_session(miss)
                    .await
                    .expect("no failure")
                    .is_none());
                let floor_hit = floor_session_id(hit);
                let floor_hit = std::str::from_utf8(&floor_hit).expect("hex");
                assert!(self.floor.contains_key(floor_hit));
                let floor_miss = floor_session_id(miss);
                let floor_miss = std::str::from_utf8(&floor_miss).expect("hex");
                assert!(!self.floor.contains_key(floor_miss));
                for (cookie, expected) in [
                    (self.tower_hits.get(index), true),
                    (self.tower_misses.get(index), false),
                ] {
                    let id = cookie.parse::<Id>().ok();
                    let session = TowerSession::new(id, self.tower.clone(), None);
                    let data = session.get::<AppData>(TOWER_KEY).await.expect("no failure");
                    assert_eq!(data.is_some(), expected);
                }
            }
        });
    }

    /// The tokens (cookie values for tower-sessions) `contender` validates in
    /// `op`: the floor looks up narvik's sessions by narvik's tokens.
    fn probes(&self, contender: Contender, op: Op) -> &Tokens {
        match (contender, op) {
            (Contender::Narvik | Contender::Tower, Op::ValidateMalformed) => &self.malformed,
            (Contender::Tower, Op::ValidateHit | Op::Update) => &self.tower_hits,
            (Contender::Tower, Op::ValidateMiss) => &self.tower_misses,
            (_, Op::ValidateHit | Op::Update) => &self.narvik_hits,
            (_, Op::ValidateMiss) => &self.narvik_misses,
            (Contender::Floor, Op::ValidateMalformed) | (_, Op::Create) => {
                unreachable!("the floor looks up well-formed tokens; creation looks up none")
            }
        }
    }

    fn label(&self) -> String {
        match self.size {
            size if size % 1_000_000 == 0 => format!("{}M", size / 1_000_000),
            size if size % 1_000 == 0 => format!("{}k", size / 1_000),
            size => size.to_string(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Contender {
    Narvik,
    Floor,
    Tower,
}

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Self::Narvik => "narvik",
            Self::Floor => "floor",
            Self::Tower => "tower-sessions",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    ValidateHit,
    ValidateMiss,
    ValidateMalformed,
    Create,
    Update,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Self::ValidateHit => "validate-hit",
            Self::ValidateMiss => "validate-miss",
            Self::ValidateMalformed => "validate-malformed",
            Self::Create => "create",
            Self::Update => "update",
        }
    }

    fn contenders(self) -> &'static [Contender] {
        match self {
            Self::ValidateHit | Self::ValidateMiss => {
                &[Contender::Narvik, Contender::Floor, Contender::Tower]
            }
            Self::ValidateMalformed | Self::Create | Self::Update => {
                &[Contender::Narvik, Contender::Tower]
            }
        }
    }
}

/// Runs `iters` operations starting at token `first`; returns the time they took
/// (creation: only the chunks that create, not the deletes between them). Waits at
/// `start` first, so two threads begin together.
async fn run(
    fixture: &Fixture,
    contender: Contender,
    op: Op,
    first: usize,
    iters: u64,
    start: &Barrier,
) -> Duration {
    start.wait();
    if op == Op::Create {
        return create(fixture, contender, first, iters).await;
    }
    let mut tokens = fixture.probes(contender, op).walk(first);
    if op == Op::Update {
        return update(fixture, contender, &mut tokens, iters).await;
    }
    let started = Instant::now();
    match contender {
        Contender::Narvik => {
            for _ in 0..iters {
                let token = black_box(tokens.next_token());
                let session = fixture.narvik.validate_session(token).await;
                black_box(session.expect("the memory store does not fail"));
            }
        }
        Contender::Floor => {
            for _ in 0..iters {
                let session_id = floor_session_id(black_box(tokens.next_token()));
                let session_id = std::str::from_utf8(&session_id).unwrap_or_default();
                black_box(fixture.floor.get(session_id));
            }
        }
        Contender::Tower => {
            for _ in 0..iters {
                let cookie = black_box(tokens.next_token());
                let id = cookie.parse::<Id>().ok();
                let session = TowerSession::new(id, fixture.tower.clone(), None);
                let data = session.get::<AppData>(TOWER_KEY).await;
                black_box(data.expect("the memory store does not fail"));
            }
        }
    }
    started.elapsed()
}

/// "Load, change one field, save" of `iters` stored sessions, whose tokens (cookie
/// values) `tokens` walks; returns the time it took. narvik: the session id of the
/// token, then `modify_session_data` (one fetch, one conditional write);
/// tower-sessions: parse the cookie, `Session::new`, `get`, `insert` of the changed
/// struct, `save`.
async fn update(
    fixture: &Fixture,
    contender: Contender,
    tokens: &mut Walk<'_>,
    iters: u64,
) -> Duration {
    let stamp = Some(OffsetDateTime::UNIX_EPOCH);
    let started = Instant::now();
    match contender {
        Contender::Narvik => {
            for _ in 0..iters {
                let session_id = SessionId::of_token(black_box(tokens.next_token()));
                let updated = fixture
                    .narvik
                    .modify_session_data(&session_id, |data| data.created_at = stamp)
                    .await;
                black_box(updated.expect("the memory store does not fail"));
            }
        }
        Contender::Tower => {
            for _ in 0..iters {
                let cookie = black_box(tokens.next_token());
                let id = cookie.parse::<Id>().ok();
                let session = TowerSession::new(id, fixture.tower.clone(), None);
                let data = session.get::<AppData>(TOWER_KEY).await;
                let mut data = data
                    .expect("the memory store does not fail")
                    .expect("a stored session");
                data.created_at = stamp;
                session.insert(TOWER_KEY, &data).await.expect("serializes");
                session
                    .save()
                    .await
                    .expect("the memory store does not fail");
                black_box(session);
            }
        }
        Contender::Floor => unreachable!("the floor is measured for lookups only"),
    }
    started.elapsed()
}

/// Creates `iters` sessions, the user ids from index `first` on; returns the time
/// the creating took.
async fn create(fixture: &Fixture, contender: Contender, first: usize, iters: u64) -> Duration {
    match contender {
        Contender::Narvik => {
            create_in_chunks(
                iters,
                async |index| {
                    let user_id = &fixture.user_ids[(first + index as usize) % CREATE_USERS];
                    let created = fixture
                        .narvik
                        .create_session(black_box(user_id.as_str()), fixture.data.clone())
                        .await
                        .expect("the memory store does not fail");
                    black_box(created).session.id
                },
                async |session_id| {
                    fixture
                        .narvik
                        .invalidate_session(&session_id)
                        .await
                        .expect("the memory store does not fail");
                },
            )
            .await
        }
        Contender::Tower => {
            create_in_chunks(
                iters,
                async |_| {
                    let session = TowerSession::new(None, fixture.tower.clone(), None);
                    session
                        .insert(TOWER_KEY, black_box(&fixture.data))
                        .await
                        .expect("serializes");
                    session
                        .save()
                        .await
                        .expect("the memory store does not fail");
                    black_box(session).id()
                },
                async |id| {
                    let id = id.expect("a saved session has an id");
                    let deleted = fixture.tower.delete(&id).await;
                    deleted.expect("the memory store does not fail");
                },
            )
            .await
        }
        Contender::Floor => unreachable!("the floor is measured for lookups only"),
    }
}

/// Runs `create` `iters` times (with the index of each), in chunks of
/// [`CREATE_CHUNK`]; after each chunk, untimed, `delete` gets what each `create`
/// gave, so the store stays at its size. Returns the time the chunks took.
async fn create_in_chunks<Created>(
    iters: u64,
    mut create: impl AsyncFnMut(u64) -> Created,
    mut delete: impl AsyncFnMut(Created),
) -> Duration {
    let mut elapsed = Duration::ZERO;
    let mut created = Vec::with_capacity(CREATE_CHUNK as usize);
    let mut done = 0;
    while done < iters {
        let chunk = CREATE_CHUNK.min(iters - done);
        let started = Instant::now();
        for index in done..done + chunk {
            created.push(create(index).await);
        }
        elapsed += started.elapsed();
        for one in created.drain(..) {
            delete(one).await;
        }
        done += chunk;
    }
    elapsed
}

fn current_thread_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds")
}

/// Where the operations run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One task on a current-thread runtime.
    OneTask,
    /// Two OS threads, each with a current-thread runtime, on the one store.
    TwoThreads,
}

impl Mode {
    const ALL: [Self; 2] = [Self::OneTask, Self::TwoThreads];

    fn name(self) -> &'static str {
        match self {
            Self::OneTask => "1-task",
            Self::TwoThreads => "2-threads",
        }
    }
}

const OPS: [Op; 5] = [
    Op::ValidateHit,
    Op::ValidateMiss,
    Op::ValidateMalformed,
    Op::Create,
    Op::Update,
];

fn group_name(mode: Mode, label: &str, op: Op) -> String {
    format!("{}/{label}/{}", mode.name(), op.name())
}

/// The benchmarks this process ran (criterion's filter may skip some), by group
/// and contender: only their figures go into the table at the end.
type Ran = RefCell<Vec<(String, Contender)>>;

fn bench_size(criterion: &mut Criterion, runtime: &Runtime, fixture: &Fixture, ran: &Ran) {
    let label = fixture.label();
    // Where each run starts in the token lists: later samples probe sessions the
    // earlier ones did not, so nothing stays cached by repetition.
    let cursor = Cell::new(0usize);
    let no_wait = Barrier::new(1);
    for mode in Mode::ALL {
        for op in OPS {
            let name = group_name(mode, &label, op);
            let mut group = criterion.benchmark_group(name.as_str());
            for &contender in op.contenders() {
                group.bench_function(contender.name(), |bencher| {
                    ran.borrow_mut().push((name.clone(), contender));
                    bencher.iter_custom(|iters| {
                        let first = cursor.get();
                        cursor.set(first.wrapping_add(iters as usize) % fixture.size);
                        match mode {
                            Mode::OneTask => runtime
                                .block_on(run(fixture, contender, op, first, iters, &no_wait)),
                            Mode::TwoThreads => two_threads(fixture, contender, op, first, iters),
                        }
                    });
                });
            }
            group.finish();
        }
    }
}

/// Two OS threads, each with its own current-thread runtime, each doing `iters`
/// operations on the shared store; the mean time per thread, so criterion reports
/// the time of one operation while another thread works beside it.
fn two_threads(
    fixture: &Fixture,
    contender: Contender,
    op: Op,
    first: usize,
    iters: u64,
) -> Duration {
    let start = Barrier::new(2);
    let offsets = [first, first + fixture.size / 2];
    let elapsed: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = offsets
            .into_iter()
            .map(|offset| {
                let start = &start;
                scope.spawn(move || {
                    current_thread_runtime()
                        .block_on(run(fixture, contender, op, offset, iters, start))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a benchmark thread panicked"))
            .collect()
    });
    elapsed.iter().sum::<Duration>() / 2
}

fn sizes() -> Vec<usize> {
    match std::env::var("NARVIK_BENCH_SIZES") {
        Ok(sizes) => sizes
            .split(',')
            .map(|size| {
                size.trim()
                    .parse()
                    .expect("NARVIK_BENCH_SIZES: comma-separated numbers")
            })
            .collect(),
        Err(_) => SIZES.to_vec(),
    }
}

/// Criterion's estimate of one benchmark of this run, in nanoseconds: the slope of
/// its linear sampling, else the mean.
fn estimate(ran: &Ran, group: &str, contender: Contender) -> Option<f64> {
    if !ran
        .borrow()
        .iter()
        .any(|(name, ran)| name == group && *ran == contender)
    {
        return None;
    }
    // Where criterion writes, found as criterion finds it.
    let home = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|dir| PathBuf::from(dir).join("criterion"))
        })
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"));
    let path = home
        .join(group.replace('/', "_"))
        .join(contender.name())
        .join("new/estimates.json");
    let estimates: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    ["slope", "mean"]
        .iter()
        .find_map(|statistic| estimates[statistic]["point_estimate"].as_f64())
}

/// The table of `BENCHMARKS.md`, from criterion's estimates of this run.
fn print_table(ran: &Ran, labels: &[String]) {
    if ran.borrow().is_empty() {
        return;
    }
    let time = |nanos: Option<f64>| match nanos {
        Some(nanos) if nanos >= 1e3 => format!("{:.2} µs", nanos / 1e3),
        Some(nanos) if nanos >= 100.0 => format!("{nanos:.0} ns"),
        Some(nanos) => format!("{nanos:.1} ns"),
        None => "-".to_owned(),
    };
    let ratio = |numerator: Option<f64>, denominator: Option<f64>| match (numerator, denominator) {
        (Some(numerator), Some(denominator)) => format!("{:.2}x", numerator / denominator),
        _ => "-".to_owned(),
    };
    println!("\nTime per operation (lower is better)\n");
    println!("| mode | sessions | operation | narvik | floor | tower-sessions | narvik ÷ floor | tower-sessions ÷ narvik |");
    println!("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for mode in Mode::ALL {
        for label in labels {
            for op in OPS {
                let group = group_name(mode, label, op);
                let [narvik, floor, tower] =
                    [Contender::Narvik, Contender::Floor, Contender::Tower]
                        .map(|contender| estimate(ran, &group, contender));
                if narvik.is_none() && tower.is_none() {
                    continue;
                }
                println!(
                    "| {} | {label} | {} | {} | {} | {} | {} | {} |",
                    mode.name(),
                    op.name(),
                    time(narvik),
                    time(floor),
                    time(tower),
                    ratio(narvik, floor),
                    ratio(tower, narvik),
                );
            }
        }
    }
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(20)
        .configure_from_args();
    let runtime = current_thread_runtime();
    let ran = Ran::default();
    let mut labels = Vec::new();
    for size in sizes() {
        let fixture = Fixture::populate(&runtime, size);
        fixture.check(&runtime);
        bench_size(&mut criterion, &runtime, &fixture, &ran);
        labels.push(fixture.label());
    }
    criterion.final_summary();
    print_table(&ran, &labels);
}
