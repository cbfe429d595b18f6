//! [`PostgresStore`]: sessions in PostgreSQL (backend [`Postgres`]).
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
        data_param: cast_to_jsonb,
        text_column: sql::text_column_as_is,
        data_column: "data::text",
        columns: "id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, \
                  expires_at TIMESTAMPTZ NOT NULL, data JSONB NOT NULL",
        table_options: "",
        indexes_in_table: false,
    };
    const ONE_WRITER_AT_A_TIME: bool = false;

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

/// The data is bound as text; the column is `jsonb`.
fn cast_to_jsonb(placeholder: String) -> String {
    format!("{placeholder}::jsonb")
}
