//! [`MySqlStore`]: sessions in MySQL (8.0 and later) or MariaDB (10.5 and later).
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS `narvik_sessions` (
//!     id         VARBINARY(255) NOT NULL,
//!     user_id    VARBINARY(255) NOT NULL,
//!     expires_at DATETIME(6)    NOT NULL, -- UTC, microseconds
//!     data       JSON           NOT NULL, -- the custom data as a JSON object
//!     PRIMARY KEY (id),
//!     KEY `narvik_sessions_user_id_idx` (user_id),
//!     KEY `narvik_sessions_expires_at_idx` (expires_at)
//! );
//! ```
//!
//! Ids are bytes (UTF-8), not text, so they compare exactly as on the other
//! backends: text columns in MySQL ignore trailing spaces (and often case) when
//! comparing. Ids are at most 255 bytes. `DATETIME(6)` holds the time in UTC whatever
//! the server's time zone. On MariaDB `JSON` is `LONGTEXT` with a `JSON_VALID` check.

use std::str::FromStr;

use narvik::SessionData;
use sqlx::mysql::MySqlConnectOptions;
use sqlx::MySql;

use crate::sql::{self, Dialect};
use crate::store::{sql_store, timestamp_from_sql, timestamp_to_sql};
use crate::{Error, Result};

const DIALECT: Dialect = Dialect {
    quote: '`',
    param: sql::question_mark,
    data_param: sql::data_param_as_is,
    text_column: utf8_of_bytes,
    data_column: "CAST(data AS CHAR)",
    columns: "id VARBINARY(255) NOT NULL, user_id VARBINARY(255) NOT NULL, \
              expires_at DATETIME(6) NOT NULL, data JSON NOT NULL, PRIMARY KEY (id)",
    table_options: "",
    indexes_in_table: true,
};

/// A `VARBINARY` id column, read as UTF-8 text.
fn utf8_of_bytes(column: &str) -> String {
    format!("CONVERT({column} USING utf8mb4)")
}

sql_store! {
    /// Sessions in MySQL or MariaDB.
    ///
    /// ```no_run
    /// use narvik::Narvik;
    /// use narvik_sqlx::MySqlStore;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> narvik::Result<()> {
    /// let store = MySqlStore::<()>::connect("mysql://root@127.0.0.1:3306/app").await?;
    /// store.migrate().await?;
    /// let narvik = Narvik::new(store);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Clones share the connections. See the [module docs](self) for the schema.
    pub struct MySqlStore<D>;
    database: MySql,
    dialect: &DIALECT,
    expires_at: time::OffsetDateTime, to_sql: timestamp_to_sql, from_sql: timestamp_from_sql,
    one_writer_at_a_time: false,
}

impl<D: SessionData> MySqlStore<D> {
    /// Connects to `url` (`mysql://user:password@host:3306/database`) on a pool of the
    /// store's own, with [`pool_options`](crate::pool_options).
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] when the URL is malformed or the server cannot be reached
    /// within the acquire timeout.
    pub async fn connect(url: &str) -> Result<Self> {
        let options =
            MySqlConnectOptions::from_str(url).map_err(|source| Error::Connect { source })?;
        Self::connect_with(options, crate::pool_options()).await
    }
}
