//! [`MySqlStore`]: sessions in MySQL (8.0 and later) or MariaDB (10.5 and later)
//! (backend [`MySql`]).
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
//! comparing. User ids are at most 255 bytes ([`narvik::MAX_USER_ID_LEN`]): a
//! longer one is refused, never cut short, even where the server is not in
//! strict mode. `DATETIME(6)` holds the time in UTC whatever the server's time
//! zone. On MariaDB `JSON` is `LONGTEXT` with a `JSON_VALID` check.

use narvik::BoxError;
use time::OffsetDateTime;

use crate::backend::{sealed, Backend};
use crate::sql::{self, Dialect};
use crate::SqlStore;

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
/// See [`SqlStore`] for its methods, and the [module docs](self) for the schema.
pub type MySqlStore<D> = SqlStore<MySql, D>;

/// The MySQL backend of [`SqlStore`]: a marker type, never a value.
#[derive(Debug, Clone, Copy)]
pub enum MySql {}

impl sealed::Sealed for MySql {}

impl Backend for MySql {
    type Database = sqlx::MySql;
    type ExpiresAt = OffsetDateTime;

    const NAME: &'static str = "MySQL";
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
        upgrade: sql::no_upgrade,
    };
    const ONE_WRITER_AT_A_TIME: bool = false;
    const OVER_NETWORK: bool = true;

    fn expires_at_to_sql(at: OffsetDateTime) -> narvik::Result<OffsetDateTime> {
        Ok(at)
    }

    fn expires_at_from_sql(at: OffsetDateTime) -> Result<OffsetDateTime, BoxError> {
        Ok(at)
    }
}

/// A `VARBINARY` id column, read as UTF-8 text.
fn utf8_of_bytes(column: &str) -> String {
    format!("CONVERT({column} USING utf8mb4)")
}
