//! [`MySqlStore`]: sessions in MySQL (8.0 and later) or MariaDB (10.5 and later)
//! (backend [`MySql`]).
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS `narvik_sessions` (
//!     id               VARBINARY(255) NOT NULL,
//!     user_id          VARBINARY(255) NOT NULL,
//!     expires_at       DATETIME(6)    NOT NULL, -- UTC, microseconds
//!     data             JSON           NOT NULL, -- the custom data as a JSON object
//!     issued_at        DATETIME(6)    NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
//!     authenticated_at DATETIME(6)    NOT NULL DEFAULT '1970-01-01 00:00:00',
//!     data_version     BIGINT         NOT NULL DEFAULT 0, -- counted up by each data update
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
//!
//! The store writes every column; the defaults are for writers that leave the
//! time stamps out (a server of 0.1 during a rolling upgrade): their sessions are
//! issued at the insert, with the epoch ([`narvik::UNKNOWN_TIME`]) as the last
//! proof of a credential. `CURRENT_TIMESTAMP` is in the connection's time zone,
//! which sqlx sets to UTC (`+00:00`) unless told otherwise.
//!
//! # Upgrading from 0.1
//!
//! `migrate()` adds `issued_at`, `authenticated_at` and `data_version` to a table
//! of 0.1 in one `ALTER TABLE`, with the defaults above: the sessions already
//! stored get the time of the migration, the epoch and data version 0. MySQL ends any transaction at a schema
//! change, so migrations from several servers at once are not serialised: each
//! step checks first (`IF NOT EXISTS`, the table's columns), and an `ALTER TABLE`
//! that fails because a concurrent migration added the columns meanwhile counts
//! as done.
//!
//! # Session limits
//!
//! A sign-in under a session limit takes a named lock of the user's
//! (`GET_LOCK`, named by a SHA-256 of the database, the table and the user id),
//! waiting at most the store's query timeout in whole seconds, rounded up; then
//! counts, inserts and deletes in one `READ COMMITTED` transaction (which locks
//! the rows it writes and no gaps between them, so sign-ins of different users
//! never deadlock), and lets go of the lock (`RELEASE_LOCK`). A connection that
//! might still hold the lock (its sign-in was given up halfway, or the release
//! failed) is closed, never given back to the pool.

use std::time::Duration;

use narvik::BoxError;
use time::OffsetDateTime;

use crate::backend::{sealed, Backend};
use crate::sql::{self, Dialect, MigrationTurns, UserLock};
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
    type Timestamp = OffsetDateTime;

    const NAME: &'static str = "MySQL";
    const DIALECT: Dialect = Dialect {
        quote: '`',
        param: sql::question_mark,
        data_param: sql::data_param_as_is,
        text_column: utf8_of_bytes,
        data_column: "CAST(data AS CHAR)",
        columns: "id VARBINARY(255) NOT NULL, user_id VARBINARY(255) NOT NULL, \
                  expires_at DATETIME(6) NOT NULL, data JSON NOT NULL, \
                  issued_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \
                  authenticated_at DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00', \
                  data_version BIGINT NOT NULL DEFAULT 0, \
                  PRIMARY KEY (id)",
        table_options: "",
        indexes_in_table: true,
        upgrade: sql::no_upgrade,
        added_columns,
        one_column_per_alter: false,
        column_names: "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
                       WHERE table_schema = DATABASE() AND table_name = ?",
        migration_turns: MigrationTurns::None,
        update_returning: false,
        user_lock: UserLock::Connection {
            begin: begin_read_committed,
            take: take_user_lock,
            release: release_user_lock,
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

/// A `VARBINARY` id column, read as UTF-8 text.
fn utf8_of_bytes(column: &str) -> String {
    format!("CONVERT({column} USING utf8mb4)")
}

/// The columns added since 0.1, as `migrate` adds them: the sessions already
/// stored get the migration's time as `issued_at` (`CURRENT_TIMESTAMP` in the
/// connection's time zone, which sqlx sets to UTC) and the epoch as
/// `authenticated_at`.
fn added_columns(_migrated_at: OffsetDateTime) -> [String; 3] {
    [
        "issued_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)".to_owned(),
        "authenticated_at DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00'".to_owned(),
        "data_version BIGINT NOT NULL DEFAULT 0".to_owned(),
    ]
}

/// The transaction of a sign-in under a session limit: `READ COMMITTED`, so
/// that it locks only the rows it writes, never the gaps between them (as
/// `REPEATABLE READ` does), which sign-ins of different users could otherwise
/// deadlock on. The user's lock already keeps the sign-ins of one user apart.
fn begin_read_committed(_wait: Duration) -> String {
    "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; START TRANSACTION".to_owned()
}

/// The name of the lock of the user (the statement's first parameter) on
/// `table`: locks are named server-wide, so the name holds the database and the
/// table too, hashed to the 64 characters a lock name may have.
fn user_lock_name(table: &str) -> String {
    format!("SHA2(CONCAT(COALESCE(DATABASE(), ''), '.{table}:', ?), 256)")
}

/// Takes the lock of the user on `table`, waiting at most the second parameter's
/// seconds: answers a row once it has it, none when the wait is over.
fn take_user_lock(table: &str) -> String {
    let name = user_lock_name(table);
    format!("SELECT 1 FROM DUAL WHERE GET_LOCK({name}, ?) = 1")
}

/// Lets go of the lock of the user on `table`.
fn release_user_lock(table: &str) -> String {
    let name = user_lock_name(table);
    format!("SELECT RELEASE_LOCK({name})")
}
