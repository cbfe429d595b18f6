//! [`SqliteStore`]: sessions in a SQLite database, embedded in the application
//! (backend [`Sqlite`]).
//!
//! SQLite is compiled in (the bundled libsqlite3): nothing to install or run.
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS "narvik_sessions" (
//!     id               TEXT    NOT NULL PRIMARY KEY,
//!     user_id          TEXT    NOT NULL,
//!     expires_at       INTEGER NOT NULL, -- unix time in microseconds (UTC)
//!     data             TEXT    NOT NULL, -- the custom data as a JSON object
//!     issued_at        INTEGER NOT NULL  -- unix microseconds; default: now
//!         DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)),
//!     authenticated_at INTEGER NOT NULL DEFAULT 0, -- unix microseconds
//!     data_version     INTEGER NOT NULL DEFAULT 0  -- counted up by each data update
//! ) WITHOUT ROWID;
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_user_id_idx" ON "narvik_sessions" (user_id);
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_expires_at_idx" ON "narvik_sessions" (expires_at);
//! ```
//!
//! SQLite has no timestamp type, so the time stamps are integers: they compare
//! and index as numbers, and keep microseconds. The store writes every column;
//! the defaults are for writers that leave the time stamps out (a server of 0.1
//! during a rolling upgrade).
//!
//! # Upgrading from 0.1
//!
//! `migrate()` adds `issued_at`, `authenticated_at` and `data_version` (default
//! 0) to a table of 0.1 with
//! `ALTER TABLE ... ADD COLUMN`, inside one `BEGIN IMMEDIATE` transaction (so
//! processes migrating at once take turns). SQLite adds a column only with a
//! constant default: `issued_at` defaults to the time of the migration (unix
//! microseconds, written into the statement), which the sessions already stored
//! get, as do sessions that a server of 0.1 writes later; `authenticated_at`
//! defaults to 0, the epoch ([`narvik::UNKNOWN_TIME`]).
//!
//! # Session limits
//!
//! A sign-in under a session limit is one `BEGIN IMMEDIATE` transaction: it takes
//! the database's write lock before it counts the user's sessions, so no other
//! write comes in between. Within the store, writes take turns anyway (below);
//! writers in other processes wait for it in SQLite's busy handler (sqlx sets a
//! 5 s busy timeout).
//!
//! # Writes take turns
//!
//! SQLite lets one writer in at a time, and a writer that finds the database busy
//! waits in SQLite's busy handler, which sleeps 1, 2, 5, 10... ms between retries.
//! So the store's own writes (sign-ins, extensions, sign-outs) queue in the store
//! instead and each starts the moment the previous one is done; reads run beside
//! them (WAL). With 32 requests in flight that is thousands of writes a second
//! rather than hundreds. Writers in other processes, or on a shared pool, still
//! meet SQLite's busy handler (sqlx sets a 5 s busy timeout).

use std::time::Duration;

use narvik::BoxError;
use sqlx::pool::PoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use time::OffsetDateTime;

use crate::backend::{sealed, Backend};
use crate::sql::{self, Dialect, MigrationTurns, UserLock};
use crate::SqlStore;

/// Sessions in a SQLite database: a file, or memory. See [`SqlStore`] for its
/// methods, and the [module docs](self) for the schema.
///
/// ```
/// use narvik::Narvik;
/// use narvik_sqlx::SqliteStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> narvik::Result<()> {
/// // A file, created if missing: `sqlite://sessions.db`. In memory for this example.
/// let store = SqliteStore::<()>::connect("sqlite::memory:").await?;
/// store.migrate().await?;
/// let narvik = Narvik::new(store);
/// # Ok(())
/// # }
/// ```
pub type SqliteStore<D> = SqlStore<Sqlite, D>;

/// The SQLite backend of [`SqlStore`]: a marker type, never a value.
#[derive(Debug, Clone, Copy)]
pub enum Sqlite {}

impl sealed::Sealed for Sqlite {}

impl Backend for Sqlite {
    type Database = sqlx::Sqlite;
    type Timestamp = i64;

    const NAME: &'static str = "SQLite";
    const DIALECT: Dialect = Dialect {
        quote: '"',
        param: sql::question_mark,
        data_param: sql::data_param_as_is,
        text_column: sql::text_column_as_is,
        data_column: "data",
        columns: "id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, \
                  expires_at INTEGER NOT NULL, data TEXT NOT NULL, \
                  issued_at INTEGER NOT NULL DEFAULT \
                  (CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)), \
                  authenticated_at INTEGER NOT NULL DEFAULT 0, \
                  data_version INTEGER NOT NULL DEFAULT 0",
        table_options: " WITHOUT ROWID",
        indexes_in_table: false,
        upgrade: sql::no_upgrade,
        added_columns,
        one_column_per_alter: true,
        column_names: "SELECT name FROM pragma_table_info(?)",
        migration_turns: MigrationTurns::Transaction("BEGIN IMMEDIATE"),
        update_returning: true,
        user_lock: UserLock::Database(begin_immediate),
    };
    const ONE_WRITER_AT_A_TIME: bool = true;
    const OVER_NETWORK: bool = false;

    /// Unix microseconds.
    fn timestamp_to_sql(at: OffsetDateTime) -> narvik::Result<i64> {
        i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000)).map_err(narvik::Error::encode)
    }

    fn timestamp_from_sql(micros: i64) -> Result<OffsetDateTime, BoxError> {
        Ok(OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(micros) * 1_000,
        )?)
    }

    /// A file is created if missing and put in WAL mode; a database in memory gets
    /// one connection, never closed (see [`SqlStore::connect`]).
    fn connect_options(
        url: &str,
    ) -> Result<(SqliteConnectOptions, PoolOptions<sqlx::Sqlite>), sqlx::Error> {
        let options: SqliteConnectOptions = url.parse()?;
        let pool_options = crate::pool_options();
        if is_in_memory(url) {
            // The database lives as long as one connection to it is open: one
            // connection, never closed for being idle or old.
            let pool_options = pool_options
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
            Ok((options, pool_options))
        } else {
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal);
            Ok((options, pool_options))
        }
    }
}

/// The columns added since 0.1, as `migrate` adds them on `migrated_at`: SQLite
/// adds a column only with a constant default, so the sessions already stored
/// (and any written later by an instance of 0.1) get the migration's time.
fn added_columns(migrated_at: OffsetDateTime) -> [String; 3] {
    let micros = migrated_at.unix_timestamp_nanos().div_euclid(1_000);
    [
        format!("issued_at INTEGER NOT NULL DEFAULT {micros}"),
        "authenticated_at INTEGER NOT NULL DEFAULT 0".to_owned(),
        "data_version INTEGER NOT NULL DEFAULT 0".to_owned(),
    ]
}

/// A transaction that takes the database's write lock at once, so a sign-in
/// under a session limit counts and writes with no other writer in between:
/// within the store, its writes take turns anyway; other processes' writers
/// wait for it in SQLite's busy handler (5 s with sqlx's settings).
fn begin_immediate(_wait: Duration) -> String {
    "BEGIN IMMEDIATE".to_owned()
}

/// Whether `url` names an in-memory database (`sqlite::memory:`, `mode=memory`).
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_at_keeps_microseconds() {
        let at = time::macros::datetime!(2026-03-01 12:34:56.123_456 UTC);
        let micros = Sqlite::timestamp_to_sql(at).ok();
        assert_eq!(micros, Some(1_772_368_496_123_456));
        assert_eq!(
            micros.map(|m| Sqlite::timestamp_from_sql(m).ok()),
            Some(Some(at))
        );
    }

    #[test]
    fn recognises_in_memory_urls() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory(
            "sqlite:file:sessions?mode=memory&cache=shared"
        ));
        assert!(!is_in_memory("sqlite://sessions.db"));
    }
}
