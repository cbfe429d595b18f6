//! `narvik_sqlx::PostgresStore` against a real PostgreSQL (`NARVIK_TEST_POSTGRES_URL`,
//! default `postgres://postgres@127.0.0.1:5432/test`): the checks of every SQL
//! store, then round trips on the wire and outages through the counting proxy.
//!
//! Each test works in tables of its own, dropped when it passes (a failing test
//! leaves its table, uniquely named, to look at). Without a server the
//! tests print a notice and pass, except under `CI=true`, where they fail.

#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking; `expect` says which step broke"
)]

mod sql;
#[allow(
    unreachable_pub,
    reason = "the shared support module is `pub` for every test binary that includes it"
)]

use narvik_sqlx::sqlx;
use narvik_sqlx::sqlx::postgres::{PgConnectOptions, PgPool};
use narvik_sqlx::PostgresStore;

use crate::sql::{Kind, Row, SqlDb};

/// PostgreSQL, for the checks of `sql`.
struct Postgres;

impl Kind for Postgres {
    sql::server_kind_items! {
        store: PostgresStore,
        database: sqlx::Postgres,
        connect_options: PgConnectOptions,
        table_prefix: "narvik_pg",
        quote: '"',
        server: "PostgreSQL",
        url_from: "NARVIK_TEST_POSTGRES_URL",
        default_url: "postgres://postgres@127.0.0.1:5432/test",
    }

    async fn plant(pool: &PgPool, table: &str, row: Row<'_>) {
        let statement = format!(
            "INSERT INTO \"{table}\" (id, user_id, expires_at, data) VALUES ($1, $2, $3, $4::jsonb)"
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
}

sql::sql_store_tests!(Postgres);
sql::server_store_tests!(Postgres);

/// The data column is `jsonb` and `expires_at` a `timestamptz`.
#[tokio::test]
async fn columns_are_jsonb_and_timestamptz() {
    let Some(db) = SqlDb::<Postgres>::open().await else {
        return;
    };
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(&db.table)
    .fetch_all(&db.admin)
    .await
    .expect("read the columns");
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
            ("data", "jsonb"),
        ]
    );
    db.close().await;
}
