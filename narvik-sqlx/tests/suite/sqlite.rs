//! `SqliteStore`: a database file in a temporary folder, and a database in memory.
//! Needs no server.

use std::path::Path;

use narvik::testing::{self, TestData};
use narvik::{SessionStore, SessionToken};
use narvik_sqlx::sqlx::sqlite::SqlitePoolOptions;
use narvik_sqlx::sqlx::{self, SqlitePool};
use narvik_sqlx::SqliteStore;
use narvik_tests::servers::unique_name;
use narvik_tests::{narvik_over, START};

use crate::fixture::{self, Row, SqlDb, SqlFixture, SESSION_LENGTH};
use crate::undecodable::assert_deleted_as_undecodable;

/// A database file of its own in a temporary folder, removed on close.
struct SqliteFile;

impl SqlFixture for SqliteFile {
    type Backend = narvik_sqlx::Sqlite;

    const TABLE_PREFIX: &'static str = "sessions";

    async fn url() -> Option<String> {
        let folder = std::env::temp_dir().join(unique_name("narvik_sqlite"));
        std::fs::create_dir_all(&folder).expect("create a temporary folder");
        // The first store creates the file.
        Some(format!("sqlite://{}", folder.join("sessions.db").display()))
    }

    async fn admin_pool(url: &str) -> SqlitePool {
        // After the first store: the file exists by then.
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect_lazy(url)
            .expect("a valid URL")
    }

    async fn plant(pool: &SqlitePool, table: &str, row: Row<'_>) {
        let micros = i64::try_from(row.expires_at.unix_timestamp_nanos() / 1_000)
            .expect("a time in the i64 range");
        plant_raw(pool, table, row.session_id, row.user_id, micros, row.data).await;
    }

    async fn create_table_of_0_1(pool: &SqlitePool, table: &str) {
        // narvik-sqlx 0.1's `migrate`, as released.
        for statement in [
            format!(
                "CREATE TABLE IF NOT EXISTS \"{table}\" (id TEXT NOT NULL PRIMARY KEY, \
                 user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, data TEXT NOT NULL) \
                 WITHOUT ROWID"
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

    async fn column_names(pool: &SqlitePool, table: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind(table)
            .fetch_all(pool)
            .await
            .expect("read the columns")
    }

    async fn index_names(pool: &SqlitePool, table: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT name FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .expect("list the indexes")
    }

    async fn primary_key(pool: &SqlitePool, table: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk")
            .bind(table)
            .fetch_all(pool)
            .await
            .expect("read the primary key")
    }

    async fn drop_table(_pool: &SqlitePool, _table: &str) {
        // The whole file goes on close, with every table in it.
    }

    async fn close(pool: SqlitePool, url: &str) {
        pool.close().await;
        let file = Path::new(url.trim_start_matches("sqlite://"));
        if let Some(folder) = file.parent() {
            std::fs::remove_dir_all(folder).expect("remove the temporary folder");
        }
    }
}

/// Inserts a row whose `expires_at` may be any SQLite value (text, say).
async fn plant_raw<E>(
    pool: &SqlitePool,
    table: &str,
    session_id: &str,
    user_id: &str,
    expires_at: E,
    data: &str,
) where
    E: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send + 'static,
{
    let statement =
        format!("INSERT INTO \"{table}\" (id, user_id, expires_at, data) VALUES (?, ?, ?, ?)");
    sqlx::query(&statement)
        .bind(session_id)
        .bind(user_id)
        .bind(expires_at)
        .bind(data)
        .execute(pool)
        .await
        .expect("plant a row");
}

fixture::sql_store_tests!(SqliteFile);

/// `sqlite::memory:` passes the suite: the store keeps its one connection, so the
/// database lives as long as the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_store_passes_conformance_suite() {
    testing::run_conformance(|| async {
        let store = SqliteStore::<TestData>::connect("sqlite::memory:")
            .await
            .expect("open an in-memory database");
        store.migrate().await.expect("migrate");
        store
    })
    .await;
}

/// `sqlite::memory:` passes the checks of `UpdateSessionData`, clones of one
/// store sharing its one connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_store_passes_update_data_conformance() {
    testing::run_update_data_conformance(|| async {
        let store = SqliteStore::<TestData>::connect("sqlite::memory:")
            .await
            .expect("open an in-memory database");
        store.migrate().await.expect("migrate");
        store
    })
    .await;
}

/// Two in-memory stores are two databases.
#[tokio::test]
async fn in_memory_stores_are_separate_databases() {
    let first = SqliteStore::<TestData>::connect("sqlite::memory:")
        .await
        .expect("open");
    let second = SqliteStore::<TestData>::connect("sqlite::memory:")
        .await
        .expect("open");
    first.migrate().await.expect("migrate");
    second.migrate().await.expect("migrate");
    let (narvik, _clock) = narvik_over(first);
    let created = narvik
        .create_session("user-1", TestData::named("ada"))
        .await
        .expect("create_session");
    let elsewhere = second
        .fetch_session(&created.session.id)
        .await
        .expect("fetch_session");
    assert!(elsewhere.is_none());
}

/// Table names that are not plain identifiers are refused before any SQL is
/// written, and read as narvik's `InvalidConfig` when converted.
#[tokio::test]
async fn table_names_that_are_not_identifiers_are_refused() {
    let store = SqliteStore::<TestData>::connect("sqlite::memory:")
        .await
        .expect("open");
    assert_eq!(store.table_name(), narvik_sqlx::DEFAULT_TABLE_NAME);
    for name in ["", "x; DROP TABLE users", "a\"b", "main.sessions", "1st"] {
        let refused = store.clone().with_table_name(name);
        let Err(error) = refused else {
            panic!("{name:?} was accepted");
        };
        assert!(matches!(
            &error,
            narvik_sqlx::Error::InvalidTableName { name: refused, .. } if refused == name
        ));
        let error = narvik::Error::from(error);
        assert!(matches!(
            error,
            narvik::Error::InvalidConfig {
                setting: "table_name",
                ..
            }
        ));
    }
    let renamed = store
        .with_table_name("user")
        .expect("a reserved word is fine");
    assert_eq!(renamed.table_name(), "user");
    renamed
        .migrate()
        .await
        .expect("quoted, `user` is a table name");
}

/// A row that is not JSON at all, or whose `expires_at` is not a number, does not
/// decode: validation deletes it.
#[tokio::test]
async fn malformed_rows_are_deleted_on_validate() {
    let Some(db) = SqlDb::<SqliteFile>::open().await else {
        return;
    };
    let (narvik, _clock) = narvik_over(db.store().await);
    let expires_at =
        i64::try_from((START + SESSION_LENGTH).unix_timestamp_nanos() / 1_000).expect("in range");

    let not_json = SessionToken::generate();
    let id = not_json.session_id();
    plant_raw(
        &db.admin,
        &db.table,
        id.as_str(),
        "u",
        expires_at,
        "{not json",
    )
    .await;
    assert_deleted_as_undecodable(&narvik, &not_json).await;

    let text_expiry = SessionToken::generate();
    let id = text_expiry.session_id();
    let data = r#"{"username": "ada", "profile": {"locale": "en", "tags": []}}"#;
    plant_raw(
        &db.admin,
        &db.table,
        id.as_str(),
        "u",
        "tomorrow".to_owned(),
        data,
    )
    .await;
    assert_deleted_as_undecodable(&narvik, &text_expiry).await;

    db.close().await;
}

/// A file made by `connect` is in WAL mode, so readers do not wait for a writer.
#[tokio::test]
async fn database_file_is_in_wal_mode() {
    let Some(db) = SqlDb::<SqliteFile>::open().await else {
        return;
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&db.admin)
        .await
        .expect("read the journal mode");
    assert_eq!(mode, "wal");
    db.close().await;
}

/// The table is keyed by the session id, with no rowid beside it.
#[tokio::test]
async fn table_is_keyed_by_session_id() {
    let Some(db) = SqlDb::<SqliteFile>::open().await else {
        return;
    };
    let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = ?")
        .bind(&db.table)
        .fetch_one(&db.admin)
        .await
        .expect("read the table's SQL");
    assert!(sql.contains("id TEXT NOT NULL PRIMARY KEY"), "{sql}");
    assert!(sql.ends_with("WITHOUT ROWID"), "{sql}");
    db.close().await;
}

/// Many stores over one file share a lock that SQLite serialises; the busy timeout
/// makes writers wait rather than fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_through_separate_stores_all_succeed() {
    let Some(db) = SqlDb::<SqliteFile>::open().await else {
        return;
    };
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (narvik, _clock) = narvik_over(db.store().await);
        writers.push(tokio::spawn(async move {
            for session in 0..25 {
                narvik
                    .create_session(
                        format!("user-{writer}"),
                        TestData::named(format!("{session}")),
                    )
                    .await
                    .expect("create_session");
            }
        }));
    }
    for writer in writers {
        writer.await.expect("the writer finished");
    }
    let (narvik, _clock) = narvik_over(db.store().await);
    for writer in 0..4 {
        let sessions = narvik
            .fetch_sessions_for_user(&format!("user-{writer}"))
            .await
            .expect("fetch_sessions_for_user");
        assert_eq!(sessions.len(), 25);
    }
    db.close().await;
}
