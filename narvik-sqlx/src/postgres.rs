//! [`PostgresStore`]: sessions in PostgreSQL (backend [`Postgres`]).
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS "narvik_sessions" (
//!     id         TEXT        NOT NULL PRIMARY KEY,
//!     user_id    TEXT        NOT NULL,
//!     expires_at TIMESTAMPTZ NOT NULL, -- microseconds
//!     data       JSON        NOT NULL  -- the custom data as a JSON object
//! );
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_user_id_idx" ON "narvik_sessions" (user_id);
//! CREATE INDEX IF NOT EXISTS "narvik_sessions_expires_at_idx" ON "narvik_sessions" (expires_at);
//! ```
//!
//! The data is `json`, kept as written, not `jsonb`: `jsonb` refuses text with a
//! NUL character (`\u0000`), which the other stores keep, and the store never
//! looks inside the data anyway. (`json` also spares the conversion to and from
//! `jsonb`'s binary form on every write and read.)
//!
//! # Upgrading from `jsonb`
//!
//! Tables made by narvik-sqlx 0.1.0 have a `jsonb` data column; `migrate()` changes
//! it to `json` (`ALTER TABLE ... ALTER COLUMN data TYPE json`). That rewrites the
//! table under an exclusive lock, so on a big table sessions wait (and fail after
//! the query timeout) until it is done: upgrade at a quiet time, or run the
//! `ALTER TABLE` yourself beforehand. Instances of the earlier version keep
//! working on the changed table meanwhile: PostgreSQL converts their `jsonb`
//! to `json` as it stores it.

use narvik::BoxError;
use time::OffsetDateTime;

use crate::backend::{sealed, Backend};
use crate::sql::{self, Dialect};
use crate::SqlStore;

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
/// See [`SqlStore`] for its methods, and the [module docs](self) for the schema.
pub type PostgresStore<D> = SqlStore<Postgres, D>;

/// The PostgreSQL backend of [`SqlStore`]: a marker type, never a value.
#[derive(Debug, Clone, Copy)]
pub enum Postgres {}

impl sealed::Sealed for Postgres {}

impl Backend for Postgres {
    type Database = sqlx::Postgres;
    type ExpiresAt = OffsetDateTime;

    const NAME: &'static str = "PostgreSQL";
    const DIALECT: Dialect = Dialect {
        quote: '"',
        param: dollar_number,
        data_param: cast_to_json,
        text_column: sql::text_column_as_is,
        data_column: "data::text",
        columns: "id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, \
                  expires_at TIMESTAMPTZ NOT NULL, data JSON NOT NULL",
        table_options: "",
        indexes_in_table: false,
        upgrade: data_column_to_json,
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

fn dollar_number(n: usize) -> String {
    format!("${n}")
}

/// The data is bound as text; the column is `json`.
fn cast_to_json(placeholder: String) -> String {
    format!("{placeholder}::json")
}

/// Changes the data column of `table` from `jsonb` (narvik-sqlx 0.1.0) to `json`,
/// if it is `jsonb`. `table` is a checked identifier: it needs no escaping in the
/// literal.
fn data_column_to_json(table: &str) -> Option<String> {
    Some(format!(
        "DO $$ BEGIN \
           IF (SELECT atttypid FROM pg_attribute \
               WHERE attrelid = '\"{table}\"'::regclass AND attname = 'data') \
              = 'jsonb'::regtype THEN \
             ALTER TABLE \"{table}\" ALTER COLUMN data TYPE json USING data::json; \
           END IF; \
         END $$"
    ))
}
