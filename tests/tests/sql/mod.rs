//! The checks every SQL store of `narvik-sqlx` runs, written once.
//!
//! Each `test_store_<backend>.rs` implements [`Kind`] (reaching its database, and
//! the raw SQL the checks use beside the store; a backend on a server takes the
//! items that differ only in names from [`server_kind_items!`]) and turns the
//! checks into tests over an [`SqlDb`] fixture with [`sql_store_tests!`]; the
//! checks that need a server on the network (round trips, outages) come from
//! [`server_store_tests!`]. The store conformance suite itself is
//! `narvik::testing`, called from here.

#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking; `expect` says which step broke"
)]
#![allow(
    dead_code,
    unused_macros,
    unused_imports,
    reason = "the SQLite tests use no server checks"
)]

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration as StdDuration;

use narvik::testing::{self, TestData, TestProfile};
use narvik::{
    DeleteExpiredSessions, DeleteUserSessions, Error, FetchUserSessions, ManualClock, Narvik,
    SessionStore, SessionToken, DEFAULT_SESSION_EXPIRES_IN,
};
use narvik_sqlx::sqlx;
use narvik_tests::{create, narvik_over, stored, validate, START};
use time::{Duration, OffsetDateTime};

use narvik_tests::proxy::CountingProxy;
use narvik_tests::servers::{host_port, require_server, server_url, unique_name};

/// The session length of every check: narvik's default.
pub(crate) const SESSION_LENGTH: Duration = DEFAULT_SESSION_EXPIRES_IN;

/// What differs between the SQL backends under test: the store type, reaching the
/// database, and the raw SQL the checks use beside the store.
pub(crate) trait Kind: Sized {
    /// The store under test.
    type Store: SessionStore<TestData>
        + FetchUserSessions<TestData>
        + DeleteUserSessions<TestData>
        + DeleteExpiredSessions<TestData>
        + Clone;
    /// The sqlx database.
    type Db: sqlx::Database;

    /// The start of every table name.
    const TABLE_PREFIX: &'static str;

    /// The database's URL; `None` skips the test (no server, outside CI).
    async fn url() -> Option<String>;
    /// A pool for the test's own SQL on `url`, beside the stores'.
    async fn admin_pool(url: &str) -> sqlx::Pool<Self::Db> {
        sqlx::pool::PoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await
            .expect("connect for the test's own SQL")
    }
    /// A store with a pool of its own on `url`; with `acquire_timeout` when given.
    async fn connect(
        url: &str,
        acquire_timeout: Option<StdDuration>,
    ) -> narvik_sqlx::Result<Self::Store>;
    /// A store over `pool`, shared.
    fn from_pool(pool: sqlx::Pool<Self::Db>) -> Self::Store;
    /// `store` over table `table`.
    fn with_table_name(store: Self::Store, table: &str) -> narvik_sqlx::Result<Self::Store>;
    /// The store's `migrate`.
    async fn migrate(store: &Self::Store) -> narvik_sqlx::Result<()>;

    /// Inserts a row with raw SQL, as an older version of the application (or a
    /// person at the SQL prompt) might have left it.
    async fn plant(pool: &sqlx::Pool<Self::Db>, table: &str, row: Row<'_>);
    /// The names of the secondary indexes on `table`.
    async fn index_names(pool: &sqlx::Pool<Self::Db>, table: &str) -> Vec<String>;
    /// The columns of `table`'s primary key.
    async fn primary_key(pool: &sqlx::Pool<Self::Db>, table: &str) -> Vec<String>;
    /// Drops `table`.
    async fn drop_table(pool: &sqlx::Pool<Self::Db>, table: &str);
    /// Closes `pool` and removes what `url` made, if anything.
    async fn close(pool: sqlx::Pool<Self::Db>, _url: &str) {
        pool.close().await;
    }
}

/// The URL in `env_var` (else `default`) when its server answers; `None` skips the
/// test (outside CI).
pub(crate) async fn url_of_server(name: &str, env_var: &str, default: &str) -> Option<String> {
    let url = server_url(env_var, default);
    require_server(name, &host_port(&url)).await.then_some(url)
}

/// The [`Kind`] methods that make a store: the same calls on every store type.
/// With a connect-options type, `connect` honours the acquire timeout too.
macro_rules! store_constructors {
    ($Store:ident) => {
        fn from_pool(pool: sqlx::Pool<Self::Db>) -> Self::Store {
            $Store::from_pool(pool)
        }

        fn with_table_name(store: Self::Store, table: &str) -> narvik_sqlx::Result<Self::Store> {
            store.with_table_name(table)
        }

        async fn migrate(store: &Self::Store) -> narvik_sqlx::Result<()> {
            store.migrate().await
        }
    };
    ($Store:ident, $ConnectOptions:ty) => {
        $crate::sql::store_constructors!($Store);

        async fn connect(
            url: &str,
            acquire_timeout: Option<std::time::Duration>,
        ) -> narvik_sqlx::Result<Self::Store> {
            let Some(timeout) = acquire_timeout else {
                return $Store::connect(url).await;
            };
            let options =
                <$ConnectOptions as std::str::FromStr>::from_str(url).expect("a valid URL");
            let pool_options = narvik_sqlx::pool_options().acquire_timeout(timeout);
            $Store::connect_with(options, pool_options).await
        }
    };
}

/// The [`Kind`] items of a backend on a server, the same on each but for names:
/// the store and database types, the table prefix, the URL (`$env_var`, else
/// `$default_url`) when the server answers, the [store
/// constructors](store_constructors), and dropping a table, whose name the backend
/// quotes with `$quote`.
macro_rules! server_kind_items {
    (
        store: $Store:ident,
        database: $Db:ty,
        connect_options: $ConnectOptions:ty,
        table_prefix: $prefix:literal,
        quote: $quote:literal,
        server: $name:literal,
        url_from: $env_var:literal,
        default_url: $default_url:literal $(,)?
    ) => {
        type Store = $Store<::narvik::testing::TestData>;
        type Db = $Db;

        const TABLE_PREFIX: &'static str = $prefix;

        async fn url() -> Option<String> {
            $crate::sql::url_of_server($name, $env_var, $default_url).await
        }

        $crate::sql::store_constructors!($Store, $ConnectOptions);

        async fn drop_table(pool: &::narvik_sqlx::sqlx::Pool<Self::Db>, table: &str) {
            let statement = format!("DROP TABLE IF EXISTS {quote}{table}{quote}", quote = $quote);
            ::narvik_sqlx::sqlx::query(&statement)
                .execute(pool)
                .await
                .expect("drop a test table");
        }
    };
}

/// A row for [`Kind::plant`].
pub(crate) struct Row<'a> {
    pub(crate) session_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) data: &'a str,
}

/// A fixture: a fresh, migrated table of a unique name on a backend's database.
/// [`close`](Self::close) drops it, with every other table it made.
pub(crate) struct SqlDb<K: Kind> {
    pub(crate) url: String,
    pub(crate) table: String,
    pub(crate) admin: sqlx::Pool<K::Db>,
    tables: Mutex<Vec<String>>,
}

impl<K: Kind> SqlDb<K> {
    /// The fixture; `None` skips the test.
    pub(crate) async fn open() -> Option<Self> {
        let url = K::url().await?;
        let admin = K::admin_pool(&url).await;
        let db = Self {
            table: unique_name(K::TABLE_PREFIX),
            url,
            admin,
            tables: Mutex::new(Vec::new()),
        };
        db.store_on(db.table.clone()).await;
        Some(db)
    }

    async fn store_on(&self, table: String) -> K::Store {
        let store = K::connect(&self.url, None).await.expect("connect");
        let store = K::with_table_name(store, &table).expect("a valid table name");
        self.tables
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(table);
        K::migrate(&store).await.expect("migrate");
        store
    }

    /// A new store, with a pool of its own, over the fixture's table.
    pub(crate) async fn store(&self) -> K::Store {
        self.store_on(self.table.clone()).await
    }

    /// A new store over a pool shared with the fixture (`from_pool`), over its table.
    pub(crate) fn store_on_shared_pool(&self) -> K::Store {
        K::with_table_name(K::from_pool(self.admin.clone()), &self.table)
            .expect("a valid table name")
    }

    /// A new store over a new, migrated table: the conformance suite wants an empty
    /// store per check.
    pub(crate) async fn store_on_new_table(&self) -> K::Store {
        self.store_on(unique_name(K::TABLE_PREFIX)).await
    }

    /// Inserts a row into the fixture's table with raw SQL.
    pub(crate) async fn plant(
        &self,
        session_id: &str,
        user_id: &str,
        expires_at: OffsetDateTime,
        data: &str,
    ) {
        let row = Row {
            session_id,
            user_id,
            expires_at,
            data,
        };
        K::plant(&self.admin, &self.table, row).await;
    }

    /// The server's `host:port`.
    pub(crate) fn upstream(&self) -> String {
        host_port(&self.url)
    }

    /// A new store over the fixture's table, connecting to `host_port` instead of the
    /// server, with an acquire timeout short enough for an outage to fail fast.
    pub(crate) async fn store_via(&self, host_port: &str) -> narvik_sqlx::Result<K::Store> {
        let url = self.url.replacen(&self.upstream(), host_port, 1);
        let store = K::connect(&url, Some(StdDuration::from_secs(1))).await?;
        K::with_table_name(store, &self.table)
    }

    /// Drops every table the fixture made.
    pub(crate) async fn close(self) {
        let tables =
            std::mem::take(&mut *self.tables.lock().unwrap_or_else(PoisonError::into_inner));
        for table in tables {
            K::drop_table(&self.admin, &table).await;
        }
        K::close(self.admin, &self.url).await;
    }
}

/// Turns the checks every SQL backend runs into `#[tokio::test]`s for `$kind`.
macro_rules! sql_store_tests {
    ($kind:ty) => {
        $crate::sql::sql_store_tests!(@tests $kind:
            store_passes_conformance_suite,
            migrate_is_idempotent_and_keeps_sessions,
            migrate_creates_indexes_on_user_id_and_expires_at,
            session_missing_required_field_is_deleted_on_validate,
            session_missing_later_optional_fields_decodes_with_defaults,
            session_data_of_wrong_shape_is_deleted_on_validate,
            fetch_sessions_for_user_leaves_out_undecodable_session,
            expires_at_keeps_microseconds,
            user_ids_are_compared_exactly,
            sessions_outlive_the_store_that_wrote_them,
            session_created_on_one_instance_validates_on_another,
            invalidation_on_one_instance_applies_on_another_at_once,
            store_over_shared_pool_runs_every_operation,
        );
    };
    (@tests $kind:ty: $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some(db) = $crate::sql::SqlDb::<$kind>::open().await else {
                    return;
                };
                $crate::sql::$check(&db).await;
                db.close().await;
            }
        )*
    };
}

/// Turns the checks of a backend on the network into `#[tokio::test]`s.
macro_rules! server_store_tests {
    ($kind:ty) => {
        $crate::sql::sql_store_tests!(@tests $kind:
            validation_without_extension_is_one_round_trip,
            validation_with_extension_is_at_most_two_round_trips,
            create_and_invalidate_are_one_round_trip_each,
            unreachable_database_is_store_error_and_service_resumes_without_restart,
            connecting_to_unreachable_server_is_connect_error,
        );
    };
}

pub(crate) use {server_kind_items, server_store_tests, sql_store_tests, store_constructors};

// ---------------------------------------------------------------------------
// Every db.
// ---------------------------------------------------------------------------

/// The conformance suite of `narvik::testing`, each check on a new table.
pub(crate) async fn store_passes_conformance_suite<K: Kind>(db: &SqlDb<K>) {
    testing::run_conformance(|| db.store_on_new_table()).await;
}

/// `migrate` again, on a table that has sessions, changes nothing.
pub(crate) async fn migrate_is_idempotent_and_keeps_sessions<K: Kind>(db: &SqlDb<K>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    let indexes = K::index_names(&db.admin, &db.table).await;
    // The fixture migrated already; twice more, by two stores.
    for store in [narvik.store().clone(), db.store().await] {
        K::migrate(&store).await.expect("migrate again");
    }
    assert_eq!(K::index_names(&db.admin, &db.table).await, indexes);
    let session = validate(&narvik, &created.token).await;
    assert_eq!(session, Some(created.session));
}

/// The table has its primary key on `id`, and an index each on `user_id` and on
/// `expires_at`, named after the table.
pub(crate) async fn migrate_creates_indexes_on_user_id_and_expires_at<K: Kind>(db: &SqlDb<K>) {
    let names = K::index_names(&db.admin, &db.table).await;
    let table = &db.table;
    for wanted in [
        format!("{table}_user_id_idx"),
        format!("{table}_expires_at_idx"),
    ] {
        assert!(
            names.contains(&wanted),
            "index {wanted} missing; the table has {names:?}"
        );
    }
    assert_eq!(K::primary_key(&db.admin, &db.table).await, ["id"]);
}

/// A row whose data lacks a required field (written before the field existed) does
/// not decode: validation deletes it and answers `None`.
pub(crate) async fn session_missing_required_field_is_deleted_on_validate<K: Kind>(db: &SqlDb<K>) {
    // `username` and `profile` are required.
    assert_undecodable_row_is_deleted(db, r#"{"display": "Ada", "visits": 3}"#).await;
}

/// A row written before the optional fields existed decodes: `Option`s are `None`,
/// `#[session(default)]` fields their default.
pub(crate) async fn session_missing_later_optional_fields_decodes_with_defaults<K: Kind>(
    db: &SqlDb<K>,
) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let token = SessionToken::generate();
    db.plant(
        &token.session_id(),
        "user-1",
        START + SESSION_LENGTH,
        r#"{"username": "ada", "profile": {"locale": "en", "tags": []}}"#,
    )
    .await;
    let session = narvik
        .validate_session(token.as_str())
        .await
        .expect("validate_session")
        .expect("a row lacking only optional fields is a valid session");
    assert_eq!(session.user_id, "user-1");
    assert_eq!(session.expires_at, START + SESSION_LENGTH);
    assert_eq!(
        session.data,
        TestData {
            username: "ada".to_owned(),
            display: None,
            created_at: None,
            visits: 0,
            profile: TestProfile {
                locale: "en".to_owned(),
                tags: Vec::new(),
                theme: None,
            },
        }
    );
}

/// Valid JSON of the wrong shape (an array, a field of the wrong type) does not
/// decode either: deleted on validation.
pub(crate) async fn session_data_of_wrong_shape_is_deleted_on_validate<K: Kind>(db: &SqlDb<K>) {
    assert_undecodable_row_is_deleted(db, "[1, 2, 3]").await;
    assert_undecodable_row_is_deleted(
        db,
        r#"{"username": 42, "profile": {"locale": "en", "tags": []}}"#,
    )
    .await;
    assert_undecodable_row_is_deleted(db, r#""just a string""#).await;
}

/// Plants a row of `data` and checks that the store reports it as
/// [`Error::Decode`] and that validation deletes it and answers `None`.
pub(crate) async fn assert_undecodable_row_is_deleted<K: Kind>(db: &SqlDb<K>, data: &str) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let token = SessionToken::generate();
    let session_id = token.session_id();
    db.plant(&session_id, "user-1", START + SESSION_LENGTH, data)
        .await;
    assert_deleted_as_undecodable(&narvik, &token).await;
}

/// `fetch_session` of `token`'s session is [`Error::Decode`] naming it; validation
/// then answers `None` and the row is gone.
pub(crate) async fn assert_deleted_as_undecodable<S: SessionStore<TestData>>(
    narvik: &Narvik<TestData, S>,
    token: &SessionToken,
) {
    let session_id = token.session_id();
    match narvik.store().fetch_session(&session_id).await {
        Err(Error::Decode {
            session_id: named, ..
        }) => assert_eq!(named, session_id),
        other => panic!("an undecodable row must be Error::Decode, got {other:?}"),
    }
    let validated = narvik
        .validate_session(token.as_str())
        .await
        .expect("an undecodable session is no store failure");
    assert!(validated.is_none(), "an undecodable session validated");
    let fetched = narvik
        .store()
        .fetch_session(&session_id)
        .await
        .expect("fetch_session after the delete");
    assert!(fetched.is_none(), "validation left the undecodable row");
}

/// Listing a user's sessions leaves out one that does not decode (as validation
/// treats it as gone) and lists the others.
pub(crate) async fn fetch_sessions_for_user_leaves_out_undecodable_session<K: Kind>(db: &SqlDb<K>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let kept = create(&narvik, "user-1", TestData::named("ada")).await;
    let broken = SessionToken::generate().session_id();
    db.plant(&broken, "user-1", START + SESSION_LENGTH, "[]")
        .await;
    let listed = narvik
        .fetch_sessions_for_user("user-1")
        .await
        .expect("an undecodable session does not fail the listing");
    let listed: Vec<&str> = listed.iter().map(|session| session.id.as_str()).collect();
    assert_eq!(listed, [kept.session.id.as_str()]);
    // Still stored: listing only reads; validating it would delete it.
    let fetched = narvik.store().fetch_session(&broken).await;
    assert!(
        matches!(&fetched, Err(Error::Decode { session_id, .. }) if *session_id == broken),
        "{fetched:?}"
    );
}

/// `expires_at` keeps microseconds: the created session equals the stored one,
/// and an extension is stored to the microsecond.
pub(crate) async fn expires_at_keeps_microseconds<K: Kind>(db: &SqlDb<K>) {
    let (narvik, clock) = narvik_over(db.store().await);
    clock.set(START + Duration::nanoseconds(123_456_789));
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    assert_eq!(
        created.session.expires_at,
        START + SESSION_LENGTH + Duration::microseconds(123_456),
        "save_session cuts expires_at to whole microseconds"
    );
    let in_store = stored(&narvik, &created.session.id).await;
    assert_eq!(in_store, Some(created.session.clone()));

    clock.set(START + SESSION_LENGTH / 2 + Duration::nanoseconds(987_654_321));
    let extended = validate(&narvik, &created.token).await.expect("valid");
    assert!(extended.is_extended());
    let in_store = stored(&narvik, &created.session.id).await.expect("stored");
    assert_eq!(
        in_store.expires_at,
        START + SESSION_LENGTH / 2 + SESSION_LENGTH + Duration::microseconds(987_654)
    );
}

/// User ids match exactly: case and trailing spaces make other users (MySQL's text
/// columns would ignore both).
pub(crate) async fn user_ids_are_compared_exactly<K: Kind>(db: &SqlDb<K>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    for user_id in ["ada", "Ada", "ada ", "ädä"] {
        create(&narvik, user_id, TestData::named(user_id)).await;
    }
    for user_id in ["ada", "Ada", "ada ", "ädä"] {
        let sessions = narvik
            .fetch_sessions_for_user(user_id)
            .await
            .expect("fetch_sessions_for_user");
        assert_eq!(sessions.len(), 1, "{user_id:?} has one session");
        assert_eq!(sessions[0].user_id, user_id);
    }
    narvik
        .delete_sessions_for_user("ada")
        .await
        .expect("delete_sessions_for_user");
    for (user_id, left) in [("ada", 0), ("Ada", 1), ("ada ", 1), ("ädä", 1)] {
        let sessions = narvik
            .fetch_sessions_for_user(user_id)
            .await
            .expect("fetch_sessions_for_user");
        assert_eq!(sessions.len(), left, "sessions left for {user_id:?}");
    }
}

/// A store dropped with its pool leaves its sessions; a new one reads them.
pub(crate) async fn sessions_outlive_the_store_that_wrote_them<K: Kind>(db: &SqlDb<K>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let created = create(&narvik, "user-1", TestData::full()).await;
    drop(narvik);

    let (narvik, _clock) = narvik_over(db.store().await);
    let session = validate(&narvik, &created.token).await;
    assert_eq!(session, Some(created.session));
}

/// Two app instances (separate pools) over one database: a session created through
/// one validates through the other, extension included.
pub(crate) async fn session_created_on_one_instance_validates_on_another<K: Kind>(db: &SqlDb<K>) {
    let (first, first_clock) = narvik_over(db.store().await);
    let (second, second_clock) = narvik_over(db.store().await);
    let created = create(&first, "user-1", TestData::named("ada")).await;
    let validated = validate(&second, &created.token)
        .await
        .expect("a session created on the first instance is valid on the second");
    assert_eq!(validated, created.session);

    // The second extends it; the first sees the new expiry.
    second_clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    first_clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&second, &created.token).await.expect("valid");
    assert!(extended.is_extended());
    let seen = stored(&first, &created.session.id).await.expect("stored");
    assert_eq!(seen.expires_at, extended.expires_at);
}

/// Signing out through one instance, one session or all of a user's, takes effect
/// on the other at once.
pub(crate) async fn invalidation_on_one_instance_applies_on_another_at_once<K: Kind>(
    db: &SqlDb<K>,
) {
    let (first, _first_clock) = narvik_over(db.store().await);
    let (second, _second_clock) = narvik_over(db.store().await);
    let signed_out = create(&first, "user-1", TestData::named("ada")).await;
    let other_device = create(&first, "user-1", TestData::named("ada")).await;
    let bystander = create(&first, "user-2", TestData::named("bob")).await;
    for created in [&signed_out, &other_device, &bystander] {
        assert!(validate(&second, &created.token).await.is_some());
    }

    second
        .invalidate_session(&signed_out.session.id)
        .await
        .expect("invalidate_session");
    assert!(validate(&first, &signed_out.token).await.is_none());
    assert!(validate(&first, &other_device.token).await.is_some());

    first
        .delete_sessions_for_user("user-1")
        .await
        .expect("delete_sessions_for_user");
    assert!(validate(&second, &other_device.token).await.is_none());
    assert!(second
        .fetch_sessions_for_user("user-1")
        .await
        .expect("fetch_sessions_for_user")
        .is_empty());
    assert!(validate(&second, &bystander.token).await.is_some());
}

/// A store over a pool the application shares does every operation.
pub(crate) async fn store_over_shared_pool_runs_every_operation<K: Kind>(db: &SqlDb<K>) {
    let (narvik, clock) = narvik_over(db.store_on_shared_pool());
    let created = create(&narvik, "user-1", TestData::full()).await;
    let expiring = create(&narvik, "user-2", TestData::named("bob")).await;
    assert_eq!(
        validate(&narvik, &created.token).await,
        Some(created.session.clone())
    );
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &created.token).await.expect("valid");
    assert!(extended.is_extended());
    let listed = narvik
        .fetch_sessions_for_user("user-1")
        .await
        .expect("fetch_sessions_for_user");
    assert_eq!(listed, vec![extended]);
    clock.advance(SESSION_LENGTH / 2);
    narvik
        .delete_all_expired_sessions()
        .await
        .expect("delete_all_expired_sessions");
    let gone = stored(&narvik, &expiring.session.id).await;
    assert!(gone.is_none(), "the expired session was not deleted");
    narvik
        .delete_sessions_for_user("user-1")
        .await
        .expect("delete_sessions_for_user");
    assert!(validate(&narvik, &created.token).await.is_none());
}

// ---------------------------------------------------------------------------
// Backends on the network.
// ---------------------------------------------------------------------------

/// Anything a query leaves behind on the wire (sqlx's pool pings a connection
/// after it is given back, in a task of its own) is sent within this time, so a
/// count taken after it includes it.
const SETTLE: StdDuration = StdDuration::from_millis(200);

/// A store behind a counting proxy, its statements prepared on its connection.
async fn warm_store_behind_proxy<K: Kind>(
    db: &SqlDb<K>,
) -> (CountingProxy, Narvik<TestData, K::Store>, ManualClock) {
    let proxy = CountingProxy::start(&db.upstream()).await;
    let store = db
        .store_via(&proxy.host_port())
        .await
        .expect("connect through the proxy");
    let (narvik, clock) = narvik_over(store);
    // Every statement once: the connection prepares and caches each.
    let warm_up = create(&narvik, "warm-up", TestData::named("ada")).await;
    validate(&narvik, &warm_up.token).await.expect("valid");
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    validate(&narvik, &warm_up.token).await.expect("valid");
    narvik
        .invalidate_session(&warm_up.session.id)
        .await
        .expect("invalidate_session");
    clock.set(START);
    (proxy, narvik, clock)
}

async fn round_trips_of<F: Future>(proxy: &CountingProxy, operation: F) -> (F::Output, u64) {
    tokio::time::sleep(SETTLE).await;
    proxy.reset();
    let output = operation.await;
    tokio::time::sleep(SETTLE).await;
    (output, proxy.round_trips())
}

/// After warm-up, validating a session that is not extended is one round trip on
/// the wire: the `SELECT`, with no ping before or after.
pub(crate) async fn validation_without_extension_is_one_round_trip<K: Kind>(db: &SqlDb<K>) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    for _ in 0..3 {
        let (session, round_trips) =
            round_trips_of(&proxy, validate(&narvik, &created.token)).await;
        let session = session.expect("valid");
        assert!(!session.is_extended());
        assert_eq!(round_trips, 1, "validation without extension");
    }
}

/// Validating a session that is extended is at most two round trips: the `SELECT`
/// and the `UPDATE`.
pub(crate) async fn validation_with_extension_is_at_most_two_round_trips<K: Kind>(db: &SqlDb<K>) {
    let (proxy, narvik, clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let (session, round_trips) = round_trips_of(&proxy, validate(&narvik, &created.token)).await;
    assert!(session.expect("valid").is_extended());
    assert!(
        round_trips <= 2,
        "validation with extension: {round_trips} round trips"
    );
}

/// Creating a session (a plain `INSERT`) and invalidating one (a `DELETE`) are one
/// round trip each.
pub(crate) async fn create_and_invalidate_are_one_round_trip_each<K: Kind>(db: &SqlDb<K>) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let (created, round_trips) = round_trips_of(
        &proxy,
        narvik.create_session("user-1", TestData::named("ada")),
    )
    .await;
    let created = created.expect("create_session");
    assert_eq!(round_trips, 1, "create_session");
    let (invalidated, round_trips) =
        round_trips_of(&proxy, narvik.invalidate_session(&created.session.id)).await;
    invalidated.expect("invalidate_session");
    assert_eq!(round_trips, 1, "invalidate_session");
}

/// While the database cannot be reached, validation is `Err(Error::Store)` with the
/// sqlx error as its source, never `Ok(None)`; once it is back, the same Narvik
/// validates again.
pub(crate) async fn unreachable_database_is_store_error_and_service_resumes_without_restart<
    K: Kind,
>(
    db: &SqlDb<K>,
) {
    let (proxy, narvik, _clock) = warm_store_behind_proxy(db).await;
    let created = create(&narvik, "user-1", TestData::named("ada")).await;

    proxy.cut();
    // The kept connection died: its query fails. Then no new one can be opened
    // (the proxy refuses), until the acquire timeout.
    for attempt in [
        "on the dead connection",
        "while no connection can be opened",
    ] {
        match narvik.validate_session(created.token.as_str()).await {
            Err(Error::Store { source }) => assert!(
                source.is::<narvik_sqlx::sqlx::Error>(),
                "the source is the sqlx error, got {source:?}"
            ),
            other => panic!("validation {attempt} must be Err(Store), got {other:?}"),
        }
    }

    proxy.restore();
    let session = validate(&narvik, &created.token)
        .await
        .expect("the session is still there");
    assert_eq!(session, created.session);
}

/// `connect` to a server that does not answer fails with
/// [`narvik_sqlx::Error::Connect`] within the acquire timeout.
pub(crate) async fn connecting_to_unreachable_server_is_connect_error<K: Kind>(db: &SqlDb<K>) {
    let proxy = CountingProxy::start(&db.upstream()).await;
    proxy.cut();
    match db.store_via(&proxy.host_port()).await {
        Err(narvik_sqlx::Error::Connect { .. }) => {}
        Err(other) => panic!("expected Error::Connect, got {other:?}"),
        Ok(_) => panic!("connected through a cut proxy"),
    }
}
