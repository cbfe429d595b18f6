//! [`PostgresStore`]: sessions in PostgreSQL.
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS "narvik_sessions" (
//!     id         TEXT        NOT NULL PRIMARY KEY,
//!     user_id    TEXT        NOT NULL,
//!     expires_at TIMESTAMPTZ NOT NULL, -- microseconds
//!     data       JSONB       NOT NULL  -- the custom data as a JSON object
//! );
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_user_id_idx" ON "narvik_sessions" (user_id);
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_expires_at_idx" ON "narvik_sessions" (expires_at);
//! ```

use std::str::FromStr;

use narvik::SessionData;
use sqlx::postgres::PgConnectOptions;
use sqlx::Postgres;

use crate::sql::{self, Dialect};
use crate::store::{sql_store, timestamp_from_sql, timestamp_to_sql};
use crate::{Error, Result};

const DIALECT: Dialect = Dialect {
    quote: '"',
    param: dollar_number,
    data_param: cast_to_jsonb,
    text_column: sql::text_column_as_is,
    data_column: "data::text",
    columns: "id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, \
              expires_at TIMESTAMPTZ NOT NULL, data JSONB NOT NULL",
    table_options: "",
    indexes_in_table: false,
};

fn dollar_number(n: usize) -> String {
    format!("${n}")
}

/// The data is bound as text; the column is `jsonb`.
fn cast_to_jsonb(placeholder: String) -> String {
    format!("{placeholder}::jsonb")
}

sql_store! {
    /// Sessions in PostgreSQL.
    ///
    /// ```no_run
    /// use narvik::Narvik;
    /// use narvik_sqlx::PostgresStore;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> narvik::Result<()> {
    /// let store = PostgresStore::<()>::connect("postgres://postgres@127.0.0.1:5432/app").await?;
    /// store.migrate().await?;
    /// let narvik = Narvik::new(store);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Clones share the connections. See the [module docs](self) for the schema.
    pub struct PostgresStore<D>;
    database: Postgres,
    dialect: &DIALECT,
    expires_at: time::OffsetDateTime, to_sql: timestamp_to_sql, from_sql: timestamp_from_sql,
    one_writer_at_a_time: false,
}

impl<D: SessionData> PostgresStore<D> {
    /// Connects to `url` (`postgres://user:password@host:5432/database`) on a pool of
    /// the store's own, with [`pool_options`](crate::pool_options).
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] when the URL is malformed or the server cannot be reached
    /// within the acquire timeout.
    pub async fn connect(url: &str) -> Result<Self> {
        let options =
            PgConnectOptions::from_str(url).map_err(|source| Error::Connect { source })?;
        Self::connect_with(options, crate::pool_options()).await
    }
}
