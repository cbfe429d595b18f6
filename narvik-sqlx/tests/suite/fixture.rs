//! The fixture every check runs on.
//!
//! [`SqlFixture`] is what differs between the databases under test: the backend,
//! reaching the database, and the raw SQL the checks run beside the store.
//! [`SqlDb`] is a fresh, migrated table of a unique name on one of them.
//! [`sql_store_tests!`] turns the checks into `#[tokio::test]`s for one fixture.

use std::sync::{Mutex, PoisonError};

use narvik::testing::TestData;
use narvik::DEFAULT_SESSION_EXPIRES_IN;
use narvik_sqlx::{sqlx, Backend, SqlStore};
use narvik_tests::servers::unique_name;
use time::{Duration, OffsetDateTime};

/// The session length of every check: narvik's default.
pub(crate) const SESSION_LENGTH: Duration = DEFAULT_SESSION_EXPIRES_IN;

/// The store under test on fixture `F`.
pub(crate) type Store<F> = SqlStore<<F as SqlFixture>::Backend, TestData>;

/// A pool on fixture `F`'s database, for the test's own SQL.
pub(crate) type Pool<F> = sqlx::Pool<<<F as SqlFixture>::Backend as Backend>::Database>;

/// What differs between the databases under test.
pub(crate) trait SqlFixture: Sized {
    /// The backend of the store under test.
    type Backend: Backend;

    /// The start of every table name.
    const TABLE_PREFIX: &'static str;

    /// The database's URL; `None` skips the test (no server, outside CI).
    async fn url() -> Option<String>;

    /// A pool for the test's own SQL on `url`, beside the stores'.
    async fn admin_pool(url: &str) -> Pool<Self> {
        sqlx::pool::PoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await
            .expect("connect for the test's own SQL")
    }

    /// Inserts a row with raw SQL, as an older version of the application (or a
    /// person at the SQL prompt) might have left it.
    async fn plant(pool: &Pool<Self>, table: &str, row: Row<'_>);

    /// Creates `table` (and its indexes) exactly as narvik-sqlx 0.1, the release
    /// before the time stamps, did: its `migrate` statements, copied.
    async fn create_table_of_0_1(pool: &Pool<Self>, table: &str);

    /// The names of `table`'s columns, in order.
    async fn column_names(pool: &Pool<Self>, table: &str) -> Vec<String>;

    /// The names of the secondary indexes on `table`.
    async fn index_names(pool: &Pool<Self>, table: &str) -> Vec<String>;

    /// The columns of `table`'s primary key.
    async fn primary_key(pool: &Pool<Self>, table: &str) -> Vec<String>;

    /// Drops `table`.
    async fn drop_table(pool: &Pool<Self>, table: &str);

    /// Closes `pool` and removes what `url` made, if anything.
    async fn close(pool: Pool<Self>, _url: &str) {
        pool.close().await;
    }
}

/// The URL in `env_var` (else `default`) when its server answers; `None` skips the
/// test (outside CI).
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn url_of_server(name: &str, env_var: &str, default: &str) -> Option<String> {
    use narvik_tests::servers::{host_port, require_server, server_url};
    let url = server_url(env_var, default);
    require_server(name, &host_port(&url)).await.then_some(url)
}

/// The acquire timeout of a store made by [`SqlDb::store_via`]: an outage fails
/// within it.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The server-side ids of a store's connections, as each was opened.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) type ConnectionIds = std::sync::Arc<Mutex<Vec<u64>>>;

/// What the checks of a database on the network need beyond [`SqlFixture`]: to
/// know the store's connections on the server, and to end them there.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) trait ServerFixture: SqlFixture {
    /// [`narvik_sqlx::pool_options`] whose every new connection adds its
    /// server-side id to `ids`.
    fn recording_connection_ids(
        ids: ConnectionIds,
    ) -> sqlx::pool::PoolOptions<<Self::Backend as Backend>::Database>;

    /// Ends the server-side connections `ids` as a restart, a failover or an
    /// operator does, and waits until the server has let them go.
    async fn end_connections(pool: &Pool<Self>, ids: &[u64]);

    /// Locks `table` on `connection` so that no other connection can read it,
    /// until [`unlock_table`](Self::unlock_table).
    async fn lock_table(connection: &mut PoolConnection<Self>, table: &str);

    /// Lets the other connections at the table again.
    async fn unlock_table(connection: &mut PoolConnection<Self>);

    /// Waits until one of the connections `ids` waits for a table lock.
    async fn wait_for_lock_waiter(pool: &Pool<Self>, ids: &[u64]);

    /// Round trips of a rotation on the wire: one `UPDATE ... RETURNING`, or
    /// (MySQL, which has none) the `UPDATE` and a `SELECT`.
    const ROTATION_ROUND_TRIPS: u64;

    /// Takes, on `connection`, the lock that a sign-in under a session limit of
    /// `user_id` on `table` takes, until [`release_user_lock`](Self::release_user_lock).
    async fn hold_user_lock(connection: &mut PoolConnection<Self>, table: &str, user_id: &str);

    /// Lets go of the lock [`hold_user_lock`](Self::hold_user_lock) took.
    async fn release_user_lock(connection: &mut PoolConnection<Self>, table: &str, user_id: &str);
}

/// A connection of fixture `F`'s database, for the test's own SQL.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) type PoolConnection<F> =
    sqlx::pool::PoolConnection<<<F as SqlFixture>::Backend as Backend>::Database>;

/// Calls `condition` every 20 ms until it holds, for at most 5 s.
///
/// # Panics
///
/// When it does not hold by then; the message says what was awaited.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn wait_until<Fut: std::future::Future<Output = bool>>(
    awaited: &str,
    mut condition: impl FnMut() -> Fut,
) {
    for _ in 0..250 {
        if condition().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("waited 5 s for {awaited}");
}

/// A row for [`SqlFixture::plant`].
pub(crate) struct Row<'a> {
    /// The id column: any text, a session id or not.
    pub(crate) session_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) data: &'a str,
}

/// A fixture: a fresh, migrated table of a unique name on a backend's database.
/// [`close`](Self::close) drops it, with every other table it made.
pub(crate) struct SqlDb<F: SqlFixture> {
    pub(crate) url: String,
    pub(crate) table: String,
    pub(crate) admin: Pool<F>,
    tables: Mutex<Vec<String>>,
}

impl<F: SqlFixture> SqlDb<F> {
    /// The fixture; `None` skips the test.
    pub(crate) async fn open() -> Option<Self> {
        let url = F::url().await?;
        let admin = F::admin_pool(&url).await;
        let db = Self {
            table: unique_name(F::TABLE_PREFIX),
            url,
            admin,
            tables: Mutex::new(Vec::new()),
        };
        db.store_on(db.table.clone()).await;
        Some(db)
    }

    async fn store_on(&self, table: String) -> Store<F> {
        let store = self.unmigrated_store_on(table).await;
        store.migrate().await.expect("migrate");
        store
    }

    /// A new store, with a pool of its own, over `table`, which the fixture
    /// drops on close, migrated.
    pub(crate) async fn store_on_table(&self, table: &str) -> Store<F> {
        self.store_on(table.to_owned()).await
    }

    /// A new store, with a pool of its own, over `table`, which the fixture
    /// drops on close; not migrated.
    pub(crate) async fn unmigrated_store_on(&self, table: String) -> Store<F> {
        let store = Store::<F>::connect(&self.url)
            .await
            .expect("connect")
            .with_table_name(&table)
            .expect("a valid table name");
        self.adopt(table);
        store
    }

    /// Drops `table` on close.
    fn adopt(&self, table: String) {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        if !tables.contains(&table) {
            tables.push(table);
        }
    }

    /// A new table of a unique name made as narvik-sqlx 0.1 made it, dropped on
    /// close.
    pub(crate) async fn table_of_0_1(&self) -> String {
        let table = unique_name(F::TABLE_PREFIX);
        F::create_table_of_0_1(&self.admin, &table).await;
        self.adopt(table.clone());
        table
    }

    /// A new store, with a pool of its own, over the fixture's table.
    pub(crate) async fn store(&self) -> Store<F> {
        self.store_on(self.table.clone()).await
    }

    /// A new store over a pool shared with the fixture (`from_pool`), over its table.
    pub(crate) fn store_on_shared_pool(&self) -> Store<F> {
        Store::<F>::from_pool(self.admin.clone())
            .with_table_name(&self.table)
            .expect("a valid table name")
    }

    /// A new store over a new, migrated table: the conformance suite wants an empty
    /// store per check.
    pub(crate) async fn store_on_new_table(&self) -> Store<F> {
        self.store_on(unique_name(F::TABLE_PREFIX)).await
    }

    /// Inserts a row into the fixture's table with raw SQL, as 0.1 wrote it (no
    /// time stamps beside `expires_at`).
    pub(crate) async fn plant(
        &self,
        session_id: &str,
        user_id: &str,
        expires_at: OffsetDateTime,
        data: &str,
    ) {
        self.plant_into(&self.table, session_id, user_id, expires_at, data)
            .await;
    }

    /// [`plant`](Self::plant) into `table`.
    pub(crate) async fn plant_into(
        &self,
        table: &str,
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
        F::plant(&self.admin, table, row).await;
    }

    /// The server's `host:port`.
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    pub(crate) fn upstream(&self) -> String {
        narvik_tests::servers::host_port(&self.url)
    }

    /// A new store over the fixture's table, connecting to `host_port` instead of the
    /// server, with an acquire timeout short enough for an outage to fail fast.
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    pub(crate) async fn store_via(&self, host_port: &str) -> narvik_sqlx::Result<Store<F>> {
        let pool_options = narvik_sqlx::pool_options().acquire_timeout(ACQUIRE_TIMEOUT);
        self.store_with(host_port, pool_options).await
    }

    /// A new store over the fixture's table, connecting to `host_port` (the server's
    /// or a proxy's) on a pool made from `pool_options`.
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    pub(crate) async fn store_with(
        &self,
        host_port: &str,
        pool_options: sqlx::pool::PoolOptions<<F::Backend as Backend>::Database>,
    ) -> narvik_sqlx::Result<Store<F>> {
        let url = self.url.replacen(&self.upstream(), host_port, 1);
        let connect_options = url.parse().expect("a valid URL");
        Store::<F>::connect_with(connect_options, pool_options)
            .await?
            .with_table_name(&self.table)
    }

    /// Drops every table the fixture made.
    pub(crate) async fn close(self) {
        let tables =
            std::mem::take(&mut *self.tables.lock().unwrap_or_else(PoisonError::into_inner));
        for table in tables {
            F::drop_table(&self.admin, &table).await;
        }
        F::close(self.admin, &self.url).await;
    }
}

/// Turns the checks into `#[tokio::test]`s, each on a fresh [`SqlDb`] of
/// `$fixture`: the checks of every SQL store, and with `on_a_server` those of a
/// database on the network too (round trips on the wire, outages).
macro_rules! sql_store_tests {
    ($fixture:ty) => {
        $crate::fixture::sql_store_tests!(@checks $fixture:
            conformance::store_passes_conformance_suite,
            conformance::store_passes_update_data_conformance,
            schema::migrate_is_idempotent_and_keeps_sessions,
            schema::migrate_creates_indexes_on_user_id_and_expires_at,
            undecodable::session_missing_required_field_is_deleted_on_validate,
            undecodable::session_missing_later_optional_fields_decodes_with_defaults,
            undecodable::session_data_of_wrong_shape_is_deleted_on_validate,
            undecodable::fetch_sessions_for_user_leaves_out_undecodable_session,
            undecodable::fetch_sessions_for_user_leaves_out_row_whose_id_is_no_session_id,
            stored_values::expires_at_keeps_microseconds,
            stored_values::user_ids_are_compared_exactly,
            stored_values::data_with_nul_characters_is_kept_whole,
            instances::sessions_outlive_the_store_that_wrote_them,
            instances::session_created_on_one_instance_validates_on_another,
            instances::invalidation_on_one_instance_applies_on_another_at_once,
            instances::store_over_shared_pool_runs_every_operation,
            instances::modifies_at_once_on_two_instances_lose_no_update,
            upgrade::migrate_upgrades_a_table_of_0_1_in_place,
            upgrade::rows_written_the_0_1_way_after_the_upgrade_get_defaults,
            upgrade::migrations_at_once_all_succeed,
            upgrade::sessions_of_0_1_start_at_data_version_0_and_update,
            lifecycle::rotations_at_once_move_a_session_exactly_once,
            lifecycle::sign_ins_at_once_on_several_instances_leave_exactly_the_limit,
            lifecycle::delete_all_sessions_ends_its_table_only,
            lifecycle::delete_other_sessions_applies_on_every_instance,
        );
    };
    ($fixture:ty, on_a_server) => {
        $crate::fixture::sql_store_tests!($fixture);
        $crate::fixture::sql_store_tests!(@checks $fixture:
            round_trips::validation_without_extension_is_one_round_trip,
            round_trips::validation_with_extension_is_at_most_two_round_trips,
            round_trips::create_and_invalidate_are_one_round_trip_each,
            round_trips::rotation_is_one_statement,
            round_trips::data_update_is_one_round_trip,
            round_trips::delete_other_and_delete_all_are_one_round_trip_each,
            lock_waits::limited_sign_in_waits_at_most_the_query_timeout_for_the_users_lock,
            lock_waits::sign_in_given_up_halfway_leaves_no_lock_behind,
            outage::unreachable_database_is_store_error_and_service_resumes_without_restart,
            outage::connecting_to_unreachable_server_is_connect_error,
            outage::silent_database_is_store_error_within_time_limit_and_service_resumes,
            outage::connecting_to_silent_server_is_connect_error_within_time_limit,
            outage::query_timeout_names_the_limit,
            outage::silent_database_on_a_shared_pool_is_store_error_within_time_limit,
            server_ended::server_ending_idle_connections_fails_at_most_one_request,
            server_ended::server_ending_connections_under_a_query_fails_only_that_query,
        );
    };
    (@checks $fixture:ty: $($module:ident::$check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some(db) = $crate::fixture::SqlDb::<$fixture>::open().await else {
                    return;
                };
                $crate::$module::$check(&db).await;
                db.close().await;
            }
        )*
    };
}

pub(crate) use sql_store_tests;
