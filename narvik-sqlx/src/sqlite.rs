//! [`SqliteStore`]: sessions in a SQLite database, embedded in the application.
//!
//! SQLite is compiled in (the bundled libsqlite3): nothing to install or run.
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS "narvik_sessions" (
//!     id         TEXT    NOT NULL PRIMARY KEY,
//!     user_id    TEXT    NOT NULL,
//!     expires_at INTEGER NOT NULL, -- unix time in microseconds (UTC)
//!     data       TEXT    NOT NULL  -- the custom data as a JSON object
//! ) WITHOUT ROWID;
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_user_id_idx" ON "narvik_sessions" (user_id);
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_expires_at_idx" ON "narvik_sessions" (expires_at);
//! ```
//!
//! SQLite has no timestamp type, so `expires_at` is an integer: it compares and
//! indexes as a number, and keeps microseconds.
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

use std::str::FromStr;

use narvik::{BoxError, SessionData};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::Sqlite;
use time::OffsetDateTime;

use crate::sql::{self, Dialect};
use crate::store::sql_store;
use crate::{Error, Result};

const DIALECT: Dialect = Dialect {
    quote: '"',
    param: sql::question_mark,
    data_param: sql::data_param_as_is,
    text_column: sql::text_column_as_is,
    data_column: "data",
    columns: "id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, \
              expires_at INTEGER NOT NULL, data TEXT NOT NULL",
    table_options: " WITHOUT ROWID",
    indexes_in_table: false,
};

fn to_unix_micros(at: OffsetDateTime) -> narvik::Result<i64> {
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000)).map_err(narvik::Error::encode)
}

fn from_unix_micros(micros: i64) -> Result<OffsetDateTime, BoxError> {
    Ok(OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(micros) * 1_000,
    )?)
}

sql_store! {
    /// Sessions in a SQLite database: a file, or memory.
    ///
    /// ```
    /// use narvik::{Narvik, SessionData};
    /// use narvik_sqlx::SqliteStore;
    ///
    /// #[derive(SessionData, Clone, Debug)]
    /// struct AppData {
    ///     username: String,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> narvik::Result<()> {
    /// // A file, created if missing: `sqlite://sessions.db`. In memory for this example.
    /// let store = SqliteStore::<AppData>::connect("sqlite::memory:").await?;
    /// store.migrate().await?;
    /// let narvik = Narvik::new(store);
    ///
    /// let created = narvik.create_session("user-1", AppData { username: "ada".into() }).await?;
    /// let session = narvik.validate_session(created.token.as_str()).await?;
    /// assert_eq!(session.map(|s| s.data.username).as_deref(), Some("ada"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Clones share the connections. See the [module docs](self) for the schema.
    pub struct SqliteStore<D>;
    database: Sqlite,
    dialect: &DIALECT,
    expires_at: i64, to_sql: to_unix_micros, from_sql: from_unix_micros,
    one_writer_at_a_time: true,
}

impl<D: SessionData> SqliteStore<D> {
    /// Opens the database at `url` on a pool of the store's own, with
    /// [`pool_options`](crate::pool_options).
    ///
    /// - `sqlite://path/to/sessions.db` (or `sqlite:sessions.db`): a file, created if
    ///   missing, in WAL mode (readers do not wait for a writer).
    /// - `sqlite::memory:`: a database in memory, gone when the store (and its clones)
    ///   is dropped; each `connect` makes another. It lives only while a connection
    ///   to it is open, and its connections would lock each other out, so the store
    ///   keeps exactly one, open for its whole life: queries take turns on it. (With
    ///   [`connect_with`](Self::connect_with), give such a database
    ///   `max_connections(1)`, `idle_timeout(None)` and `max_lifetime(None)`.)
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] when the URL is malformed or the file cannot be opened.
    pub async fn connect(url: &str) -> Result<Self> {
        let options =
            SqliteConnectOptions::from_str(url).map_err(|source| Error::Connect { source })?;
        let pool_options = crate::pool_options();
        if is_in_memory(url) {
            // The database lives as long as one connection to it is open: one
            // connection, never closed for being idle or old.
            let pool_options = pool_options
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
            Self::connect_with(options, pool_options).await
        } else {
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal);
            Self::connect_with(options, pool_options).await
        }
    }
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
        let micros = to_unix_micros(at).ok();
        assert_eq!(micros, Some(1_772_368_496_123_456));
        assert_eq!(micros.map(|m| from_unix_micros(m).ok()), Some(Some(at)));
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
