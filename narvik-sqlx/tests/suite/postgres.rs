//! `PostgresStore` against a real PostgreSQL (`NARVIK_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`): the checks of every SQL store, round
//! trips on the wire and outages, and the columns of its table.

use narvik_sqlx::sqlx;
use narvik_sqlx::sqlx::postgres::PgPool;

use crate::fixture::{self, Row, SqlDb, SqlFixture};

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

    async fn drop_table(pool: &PgPool, table: &str) {
        sqlx::query(&format!("DROP TABLE IF EXISTS \"{table}\""))
            .execute(pool)
            .await
            .expect("drop a test table");
    }
}

fixture::sql_store_tests!(Postgres, on_a_server);

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
