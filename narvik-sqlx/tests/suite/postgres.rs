//! `PostgresStore` against a real PostgreSQL (`NARVIK_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`): the checks of every SQL store, round
//! trips on the wire and outages, and the columns of its table.

use narvik_sqlx::sqlx;
use narvik_sqlx::sqlx::pool::PoolOptions;
use narvik_sqlx::sqlx::postgres::PgPool;

use crate::fixture::{self, ConnectionIds, PoolConnection, Row, ServerFixture, SqlDb, SqlFixture};

/// PostgreSQL, for the checks.
struct Postgres;

impl SqlFixture for Postgres {
    type Backend = narvik_sqlx::Postgres;

    const TABLE_PREFIX: &'static str = "narvik_pg";

    async fn url() -> Option<String> {
        fixture::url_of_server(
            "PostgreSQL",
            "NARVIK_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        )
        .await
    }

    async fn plant(pool: &PgPool, table: &str, row: Row<'_>) {
        let statement = format!(
            "INSERT INTO \"{table}\" (id, user_id, expires_at, data) VALUES ($1, $2, $3, $4::json)"
        );
        sqlx::query(&statement)
            .bind(row.session_id)
            .bind(row.user_id)
            .bind(row.expires_at)
            .bind(row.data)
            .execute(pool)
            .await
            .expect("plant a row");
    }

    async fn create_table_of_0_1(pool: &PgPool, table: &str) {
        // narvik-sqlx 0.1's `migrate`, as released (the data column is `json`).
        for statement in [
            format!(
                "CREATE TABLE IF NOT EXISTS \"{table}\" (id TEXT NOT NULL PRIMARY KEY, \
                 user_id TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL, data JSON NOT NULL)"
            ),
            format!("CREATE INDEX IF NOT EXISTS \"{table}_user_id_idx\" ON \"{table}\" (user_id)"),
            format!(
                "CREATE INDEX IF NOT EXISTS \"{table}_expires_at_idx\" ON \"{table}\" (expires_at)"
            ),
        ] {
            sqlx::query(&statement)
                .execute(pool)
                .await
                .expect("create the table of 0.1");
        }
    }

    async fn column_names(pool: &PgPool, table: &str) -> Vec<String> {
        columns(pool, table)
            .await
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    async fn index_names(pool: &PgPool, table: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT indexname::text FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = $1 \
             AND indexname NOT LIKE '%_pkey' ORDER BY indexname",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .expect("list the indexes")
    }

    async fn primary_key(pool: &PgPool, table: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisprimary",
        )
        .bind(format!("\"{table}\""))
        .fetch_all(pool)
        .await
        .expect("read the primary key")
    }

    async fn drop_table(pool: &PgPool, table: &str) {
        sqlx::query(&format!("DROP TABLE IF EXISTS \"{table}\""))
            .execute(pool)
            .await
            .expect("drop a test table");
    }
}

impl ServerFixture for Postgres {
    fn recording_connection_ids(ids: ConnectionIds) -> PoolOptions<sqlx::Postgres> {
        narvik_sqlx::pool_options().after_connect(move |connection, _| {
            let ids = ConnectionIds::clone(&ids);
            Box::pin(async move {
                let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                    .fetch_one(connection)
                    .await?;
                let pid = u64::try_from(pid).expect("a process id is positive");
                ids.lock().expect("not poisoned").push(pid);
                Ok(())
            })
        })
    }

    async fn end_connections(pool: &PgPool, ids: &[u64]) {
        let pids: Vec<i32> = ids
            .iter()
            .map(|&id| i32::try_from(id).expect("a process id"))
            .collect();
        sqlx::query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid")
            .bind(&pids)
            .execute(pool)
            .await
            .expect("terminate the store's connections");
        let pids = &pids;
        fixture::wait_until("PostgreSQL to end the connections", || async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)",
            )
            .bind(pids)
            .fetch_one(pool)
            .await
            .expect("count the store's connections")
                == 0
        })
        .await;
    }

    async fn lock_table(connection: &mut PoolConnection<Self>, table: &str) {
        sqlx::query("BEGIN")
            .execute(&mut **connection)
            .await
            .expect("begin");
        sqlx::query(&format!("LOCK TABLE \"{table}\" IN ACCESS EXCLUSIVE MODE"))
            .execute(&mut **connection)
            .await
            .expect("lock the table");
    }

    async fn unlock_table(connection: &mut PoolConnection<Self>) {
        sqlx::query("ROLLBACK")
            .execute(&mut **connection)
            .await
            .expect("unlock the table");
    }

    const ROTATION_ROUND_TRIPS: u64 = 1;

    async fn hold_user_lock(connection: &mut PoolConnection<Self>, table: &str, user_id: &str) {
        sqlx::query("BEGIN")
            .execute(&mut **connection)
            .await
            .expect("begin");
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("{table}:{user_id}"))
            .execute(&mut **connection)
            .await
            .expect("take the user's lock");
    }

    async fn release_user_lock(connection: &mut PoolConnection<Self>, _table: &str, _user: &str) {
        sqlx::query("ROLLBACK")
            .execute(&mut **connection)
            .await
            .expect("let go of the user's lock");
    }

    async fn wait_for_lock_waiter(pool: &PgPool, ids: &[u64]) {
        let pids: Vec<i32> = ids
            .iter()
            .map(|&id| i32::try_from(id).expect("a process id"))
            .collect();
        let pids = &pids;
        fixture::wait_until("a query to wait for the lock", || async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE pid = ANY($1) AND wait_event_type = 'Lock'",
            )
            .bind(pids)
            .fetch_one(pool)
            .await
            .expect("look for a waiting query")
                > 0
        })
        .await;
    }
}

fixture::sql_store_tests!(Postgres, on_a_server);

/// The data column is `json` (kept as written: `jsonb` would refuse NUL
/// characters) and the time stamps `timestamptz`; the columns added since 0.1
/// come last, where the upgrade of a table of 0.1 adds them.
#[tokio::test]
async fn columns_are_json_and_timestamptz() {
    let Some(db) = SqlDb::<Postgres>::open().await else {
        return;
    };
    let columns = columns(&db.admin, &db.table).await;
    let columns: Vec<(&str, &str)> = columns
        .iter()
        .map(|(name, kind)| (name.as_str(), kind.as_str()))
        .collect();
    assert_eq!(
        columns,
        [
            ("id", "text"),
            ("user_id", "text"),
            ("expires_at", "timestamp with time zone"),
            ("data", "json"),
            ("issued_at", "timestamp with time zone"),
            ("authenticated_at", "timestamp with time zone"),
            ("data_version", "bigint"),
        ]
    );
    db.close().await;
}

/// `migrate` changes the `jsonb` data column of a table made by narvik-sqlx 0.1.0
/// to `json`, once, keeping its sessions, and adds the time stamps; the table
/// then keeps NUL characters.
#[tokio::test]
async fn migrate_changes_a_jsonb_data_column_to_json() {
    use narvik::testing::TestData;
    use narvik::SessionToken;
    use narvik_tests::{create, narvik_over, validate, START};

    let Some(db) = SqlDb::<Postgres>::open().await else {
        return;
    };
    let table = narvik_tests::servers::unique_name("narvik_pg_v010");
    // The table exactly as narvik-sqlx 0.1.0 made it.
    for statement in [
        format!(
            "CREATE TABLE \"{table}\" (id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, \
             expires_at TIMESTAMPTZ NOT NULL, data JSONB NOT NULL)"
        ),
        format!("CREATE INDEX \"{table}_user_id_idx\" ON \"{table}\" (user_id)"),
        format!("CREATE INDEX \"{table}_expires_at_idx\" ON \"{table}\" (expires_at)"),
    ] {
        sqlx::query(&statement)
            .execute(&db.admin)
            .await
            .expect("create the table of 0.1.0");
    }
    let old_token = SessionToken::generate();
    let old_data = r#"{"username":"ada","display":null,"created_at":null,"visits":3,"profile":{"locale":"nb","tags":[],"theme":null}}"#;
    sqlx::query(&format!(
        "INSERT INTO \"{table}\" (id, user_id, expires_at, data) VALUES ($1, $2, $3, $4::jsonb)"
    ))
    .bind(old_token.session_id().as_str())
    .bind("user-1")
    .bind(START + fixture::SESSION_LENGTH)
    .bind(old_data)
    .execute(&db.admin)
    .await
    .expect("a session stored by 0.1.0");

    let store = narvik_sqlx::PostgresStore::<TestData>::connect(&db.url)
        .await
        .expect("connect")
        .with_table_name(&table)
        .expect("a valid table name");
    let before = time::OffsetDateTime::now_utc();
    store.migrate().await.expect("migrate a table of 0.1.0");
    let after = time::OffsetDateTime::now_utc();
    store.migrate().await.expect("migrate again: nothing to do");
    let columns = columns(&db.admin, &table).await;
    let column_names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        column_names,
        [
            "id",
            "user_id",
            "expires_at",
            "data",
            "issued_at",
            "authenticated_at",
            "data_version"
        ]
    );
    let data_type = columns
        .iter()
        .find(|(name, _)| name == "data")
        .map(|(_, kind)| kind.as_str());
    assert_eq!(data_type, Some("json"));

    let (narvik, _clock) = narvik_over(store);
    let old = validate(&narvik, &old_token)
        .await
        .expect("the old session");
    assert_eq!(old.user_id, "user-1");
    assert_eq!(old.data.username, "ada");
    assert_eq!(old.data.visits, 3);
    assert_eq!(old.authenticated_at, narvik::UNKNOWN_TIME);
    assert_eq!(old.data_version(), 0);
    assert!(
        before <= old.issued_at && old.issued_at <= after,
        "issued at the migration: {} not within {before} to {after}",
        old.issued_at
    );
    let with_nul = TestData::named("a\u{0}b");
    let created = create(&narvik, "user-2", with_nul.clone()).await;
    let session = validate(&narvik, &created.token).await.expect("valid");
    assert_eq!(session.data, with_nul);

    sqlx::query(&format!("DROP TABLE \"{table}\""))
        .execute(&db.admin)
        .await
        .expect("drop the table of 0.1.0");
    db.close().await;
}

/// The columns of `table` and their types, in order.
async fn columns(pool: &PgPool, table: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .expect("read the columns")
}
