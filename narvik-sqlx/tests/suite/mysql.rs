//! `MySqlStore` against a real MySQL or MariaDB (`NARVIK_TEST_MYSQL_URL`, default
//! `mysql://root@127.0.0.1:3306/test`): the checks of every SQL store, round trips
//! on the wire and outages, and the columns of its table.

use narvik_sqlx::sqlx;
use narvik_sqlx::sqlx::mysql::MySqlPool;

use crate::fixture::{self, Row, SqlDb, SqlFixture};

/// MySQL or MariaDB, for the checks.
struct MySql;

impl SqlFixture for MySql {
    type Backend = narvik_sqlx::MySql;

    const TABLE_PREFIX: &'static str = "narvik_my";

    async fn url() -> Option<String> {
        fixture::url_of_server(
            "MySQL",
            "NARVIK_TEST_MYSQL_URL",
            "mysql://root@127.0.0.1:3306/test",
        )
        .await
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

    async fn drop_table(pool: &MySqlPool, table: &str) {
        sqlx::query(&format!("DROP TABLE IF EXISTS `{table}`"))
            .execute(pool)
            .await
            .expect("drop a test table");
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

fixture::sql_store_tests!(MySql, on_a_server);

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
