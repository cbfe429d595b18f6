//! `narvik_sqlx::MySqlStore` against a real MySQL or MariaDB (`NARVIK_TEST_MYSQL_URL`,
//! default `mysql://root@127.0.0.1:3306/test`): the checks of every SQL store, then
//! round trips on the wire and outages through the counting proxy.
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
use narvik_sqlx::sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use narvik_sqlx::MySqlStore;

use crate::sql::{Kind, Row, SqlDb};

/// MySQL or MariaDB, for the checks of `sql`.
struct MySql;

impl Kind for MySql {
    sql::server_kind_items! {
        store: MySqlStore,
        database: sqlx::MySql,
        connect_options: MySqlConnectOptions,
        table_prefix: "narvik_my",
        quote: '`',
        server: "MySQL",
        url_from: "NARVIK_TEST_MYSQL_URL",
        default_url: "mysql://root@127.0.0.1:3306/test",
    }

    async fn plant(pool: &MySqlPool, table: &str, row: Row<'_>) {
        let statement =
            format!("INSERT INTO `{table}` (id, user_id, expires_at, data) VALUES (?, ?, ?, ?)");
        sqlx::query(&statement)
            .bind(row.session_id)
            .bind(row.user_id)
            .bind(row.expires_at)
            .bind(row.data)
            .execute(pool)
            .await
            .expect("plant a row");
    }

    async fn index_names(pool: &MySqlPool, table: &str) -> Vec<String> {
        let select = "DISTINCT CAST(index_name AS CHAR)";
        statistics(pool, table, select, "index_name <> 'PRIMARY'").await
    }

    async fn primary_key(pool: &MySqlPool, table: &str) -> Vec<String> {
        let select = "CAST(column_name AS CHAR)";
        statistics(pool, table, select, "index_name = 'PRIMARY'").await
    }
}

/// `select` (text) of `table`'s rows in `information_schema.statistics` that match
/// `condition`.
async fn statistics(pool: &MySqlPool, table: &str, select: &str, condition: &str) -> Vec<String> {
    let statement = format!(
        "SELECT {select} FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = ? AND {condition} ORDER BY 1"
    );
    sqlx::query_scalar(&statement)
        .bind(table)
        .fetch_all(pool)
        .await
        .expect("read the indexes")
}

sql::sql_store_tests!(MySql);
sql::server_store_tests!(MySql);

/// Ids are bytes, `expires_at` a `DATETIME(6)`, the data JSON (`longtext` with a
/// `JSON_VALID` check on MariaDB).
#[tokio::test]
async fn columns_are_bytes_datetime_and_json() {
    let Some(db) = SqlDb::<MySql>::open().await else {
        return;
    };
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(column_name AS CHAR), CAST(column_type AS CHAR) \
         FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
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
        columns[..3],
        [
            ("id", "varbinary(255)"),
            ("user_id", "varbinary(255)"),
            ("expires_at", "datetime(6)"),
        ]
    );
    assert_eq!(columns[3].0, "data");
    assert!(
        ["json", "longtext"].contains(&columns[3].1),
        "data is {}",
        columns[3].1
    );
    db.close().await;
}
