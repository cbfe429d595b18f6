//! [`PostgresStore`]: sessions in PostgreSQL (backend [`Postgres`]).
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS "narvik_sessions" (
//!     id               TEXT        NOT NULL PRIMARY KEY,
//!     user_id          TEXT        NOT NULL,
//!     expires_at       TIMESTAMPTZ NOT NULL, -- microseconds
//!     data             JSON        NOT NULL, -- the custom data as a JSON object
//!     issued_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
//!     authenticated_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
//!     data_version     BIGINT      NOT NULL DEFAULT 0 -- counted up by each data update
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
//! The store writes every column; the defaults are for writers that leave the
//! time stamps out (a server of 0.1 during a rolling upgrade): their sessions are
//! issued at the insert, with the epoch ([`narvik::UNKNOWN_TIME`]) as the last
//! proof of a credential.
//!
//! # Upgrading from 0.1
//!
//! `migrate()` runs in one transaction holding an advisory lock of the table's
//! (`pg_advisory_xact_lock`), so application servers that start at once migrate
//! one after the other. On a table of 0.1 it adds `issued_at`,
//! `authenticated_at` and `data_version` with the defaults above, in one `ALTER
//! TABLE`: the sessions already stored get the time of the migration (`now()`,
//! the start of its transaction), the epoch and data version 0. PostgreSQL 11 and later add a column with such
//! a default without rewriting the table.
//!
//! # Session limits
//!
//! A sign-in under a session limit is one transaction that first takes an
//! advisory lock of the user's (`pg_advisory_xact_lock` of a 64-bit hash of the
//! table name and the user id), released when the transaction ends, with
//! `lock_timeout` set to the store's query timeout: no lock wait of the
//! transaction outlasts it.
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

use std::time::Duration;

use narvik::BoxError;
use time::OffsetDateTime;

use crate::backend::{sealed, Backend};
use crate::sql::{self, Dialect, MigrationTurns, UserLock};
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
    type Timestamp = OffsetDateTime;

    const NAME: &'static str = "PostgreSQL";
    const DIALECT: Dialect = Dialect {
        quote: '"',
        param: dollar_number,
        data_param: cast_to_json,
        text_column: sql::text_column_as_is,
        data_column: "data::text",
        columns: "id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, \
                  expires_at TIMESTAMPTZ NOT NULL, data JSON NOT NULL, \
                  issued_at TIMESTAMPTZ NOT NULL DEFAULT now(), \
                  authenticated_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch', \
                  data_version BIGINT NOT NULL DEFAULT 0",
        table_options: "",
        indexes_in_table: false,
        upgrade: data_column_to_json,
        added_columns,
        one_column_per_alter: false,
        column_names: "SELECT column_name::text FROM information_schema.columns \
                       WHERE table_schema = current_schema() AND table_name = $1",
        migration_turns: MigrationTurns::LockedTransaction(migration_lock),
        update_returning: true,
        user_lock: UserLock::Transaction {
            begin: begin_with_lock_timeout,
            take: user_lock,
        },
    };
    const ONE_WRITER_AT_A_TIME: bool = false;
    const OVER_NETWORK: bool = true;

    fn timestamp_to_sql(at: OffsetDateTime) -> narvik::Result<OffsetDateTime> {
        Ok(at)
    }

    fn timestamp_from_sql(at: OffsetDateTime) -> Result<OffsetDateTime, BoxError> {
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

/// The columns added since 0.1, as `migrate` adds them: the sessions already
/// stored get the migration's time (`now()` is the time its transaction began)
/// as `issued_at`, and the epoch as `authenticated_at`.
fn added_columns(_migrated_at: OffsetDateTime) -> [String; 3] {
    [
        "issued_at TIMESTAMPTZ NOT NULL DEFAULT now()".to_owned(),
        "authenticated_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch'".to_owned(),
        "data_version BIGINT NOT NULL DEFAULT 0".to_owned(),
    ]
}

/// Takes the migration lock of `table` until the migration's transaction ends,
/// so that application servers starting at once migrate it one after the
/// other (two `CREATE TABLE IF NOT EXISTS` at once can fail).
fn migration_lock(table: &str) -> String {
    format!("SELECT pg_advisory_xact_lock(hashtextextended('narvik-sqlx migrate {table}', 0))")
}

/// A transaction whose lock waits (the user's lock, a row being written) last at
/// most `wait`, then fail (SQLSTATE `55P03`).
fn begin_with_lock_timeout(wait: Duration) -> String {
    // 0 would mean no limit at all.
    let millis = wait.as_millis().max(1);
    format!("BEGIN; SET LOCAL lock_timeout = '{millis}ms'")
}

/// Takes the lock of the user (the one parameter) on `table` until the
/// transaction ends: the sign-ins of one user under a session limit take turns,
/// those of different users do not wait for each other.
fn user_lock(table: &str) -> String {
    format!("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended('{table}:' || $1, 0))")
}
