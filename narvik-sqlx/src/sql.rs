//! The statements of a store, written once and spelled per backend by a [`Dialect`].
//!
//! Every statement is built once, when the store is made, so each query sends the
//! same text and the connection's prepared-statement cache answers it after the
//! first time.

use std::time::Duration;

use time::OffsetDateTime;

use crate::migration::Migration;
use crate::table::TableName;

/// How a backend spells what differs between SQL dialects here.
///
/// Public only as the type of a hidden item of [`Backend`](crate::Backend); it
/// cannot be named outside this crate.
pub struct Dialect {
    /// The identifier quote: `"` (standard) or `` ` `` (MySQL).
    pub(crate) quote: char,
    /// The placeholder of the `n`-th parameter, counting from 1.
    pub(crate) param: fn(usize) -> String,
    /// The data parameter, given its placeholder (PostgreSQL casts text to `json`).
    pub(crate) data_param: fn(String) -> String,
    /// A text column, given its name, selected as text (MySQL keeps ids as bytes).
    pub(crate) text_column: fn(&str) -> String,
    /// The data column selected as JSON text.
    pub(crate) data_column: &'static str,
    /// The column definitions of the session table.
    pub(crate) columns: &'static str,
    /// What follows the column list (`WITHOUT ROWID` on SQLite).
    pub(crate) table_options: &'static str,
    /// Whether the indexes are declared in `CREATE TABLE` (MySQL, which has no
    /// `CREATE INDEX IF NOT EXISTS`) rather than created after it.
    pub(crate) indexes_in_table: bool,
    /// The statement that changes a column of a table of the given (checked,
    /// unquoted) name, made by an earlier version of the crate, to its current
    /// type, if one changed since; it must do nothing on a current table.
    pub(crate) upgrade: fn(&str) -> Option<String>,
    /// The definitions of the columns added since narvik-sqlx 0.1
    /// ([`ADDED_COLUMNS`], in that order), as `ALTER TABLE ... ADD COLUMN` adds
    /// them to a table of that release on `migrated_at`: their defaults are what
    /// the rows already there get.
    pub(crate) added_columns: fn(migrated_at: OffsetDateTime) -> [String; 3],
    /// Whether `ALTER TABLE` adds one column at a time (SQLite).
    pub(crate) one_column_per_alter: bool,
    /// The names of the columns of the table named by the one parameter.
    pub(crate) column_names: &'static str,
    /// How `migrate` keeps two migrations of one table apart: see [`Migration`].
    pub(crate) migration_turns: MigrationTurns,
    /// Whether `UPDATE` takes a `RETURNING` clause (not MySQL, nor MariaDB).
    pub(crate) update_returning: bool,
    /// How a sign-in under a session limit keeps the other sign-ins of its user
    /// out until it is done.
    pub(crate) user_lock: UserLock,
}

/// The columns added since narvik-sqlx 0.1, which `migrate` adds to a table of
/// that release.
pub(crate) const ADDED_COLUMNS: [&str; 3] = ["issued_at", "authenticated_at", "data_version"];

/// How concurrent `migrate` calls on one table (from several application
/// servers starting at once) take turns.
#[cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, reason = "each backend builds one of the variants")
)]
pub(crate) enum MigrationTurns {
    /// In one transaction begun with this statement, which also keeps every other
    /// writer out (SQLite's `BEGIN IMMEDIATE`).
    Transaction(&'static str),
    /// In one transaction, after taking the lock this statement takes on the
    /// table of the given name until the transaction ends (PostgreSQL, where
    /// schema changes are transactional).
    LockedTransaction(fn(&str) -> String),
    /// Not at all: every step may run twice, and adding a column that a
    /// concurrent migration added meanwhile counts as done (MySQL, where a schema
    /// change ends any transaction).
    None,
}

/// How a sign-in under a session limit keeps the other limited sign-ins of its
/// user out while it counts and ends sessions.
#[cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, reason = "each backend builds one of the variants")
)]
pub(crate) enum UserLock {
    /// The statement that begins the transaction, given the longest the server
    /// may wait for a lock, locks the whole database for writing (SQLite's
    /// `BEGIN IMMEDIATE`): the sign-ins of every user take turns.
    Database(fn(Duration) -> String),
    /// The transaction, begun by the first statement given the longest wait,
    /// takes a lock of the user's own with the second statement (given the
    /// table name; its one parameter is the user id), held until the
    /// transaction ends (PostgreSQL's `pg_advisory_xact_lock`). The statement
    /// answers a row once the lock is taken, and fails when the wait is over.
    Transaction {
        begin: fn(Duration) -> String,
        take: fn(&str) -> String,
    },
    /// The connection takes a lock of the user's own, held until it lets go of it
    /// (MySQL's `GET_LOCK`): `take` (parameters: the user id, then the longest
    /// wait in whole seconds, as text) answers a row when it has the lock and
    /// none when the wait is over; `release` (parameter: the user id) lets go.
    /// The transaction in between is begun by `begin`.
    Connection {
        begin: fn(Duration) -> String,
        take: fn(&str) -> String,
        release: fn(&str) -> String,
    },
}

impl Dialect {
    /// `name` quoted; table names are checked identifiers, so nothing needs escaping.
    pub(crate) fn quote(&self, name: &str) -> String {
        format!("{quote}{name}{quote}", quote = self.quote)
    }
}

/// No column changed its type since 0.1 (SQLite, MySQL).
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn no_upgrade(_table: &str) -> Option<String> {
    None
}

/// `?` for every parameter (SQLite, MySQL).
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn question_mark(_n: usize) -> String {
    "?".to_owned()
}

/// The data parameter as it is (SQLite, MySQL).
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn data_param_as_is(placeholder: String) -> String {
    placeholder
}

/// A text column as it is (SQLite, PostgreSQL).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn text_column_as_is(column: &str) -> String {
    column.to_owned()
}

/// The statements of one store, over one table.
#[derive(Debug)]
pub(crate) struct Statements {
    pub(crate) table: TableName,
    pub(crate) insert: String,
    pub(crate) select: String,
    pub(crate) update_expiry: String,
    pub(crate) delete: String,
    pub(crate) select_by_user: String,
    pub(crate) delete_by_user: String,
    pub(crate) delete_expired: String,
    /// Writes a session's data and counts its data version up, only if that
    /// version is the expected one (parameters: the data, the id, the expected
    /// version). An `UPDATE` only, never an upsert.
    pub(crate) update_data: String,
    /// Answers a row if a session is stored (parameter: the id): tells a gone
    /// session from a conflict once [`update_data`](Self::update_data) changed
    /// nothing.
    pub(crate) exists: String,
    /// Moves a session to a new id (parameters: the new id, the old id), and
    /// answers the columns of [`select`](Self::select) where the backend has
    /// `RETURNING`.
    pub(crate) rotate: String,
    /// [`rotate`](Self::rotate) that also sets `authenticated_at` (parameters:
    /// the new id, the new `authenticated_at`, the old id).
    pub(crate) rotate_reauthenticated: String,
    /// Whether the rotations answer the moved row (`RETURNING`).
    pub(crate) rotate_returns_row: bool,
    pub(crate) delete_others: String,
    pub(crate) delete_all: String,
    /// The ids and expiries of a user's live sessions (parameters: the user id,
    /// now), the latest expiry first.
    pub(crate) select_live: String,
    /// Deletes the live sessions of a user but one (parameters: the user id, now,
    /// the id to keep) from a given one on in the order of
    /// [`select_live`](Self::select_live) (parameters: the expiry of the first
    /// to go, that expiry again, its id).
    pub(crate) delete_live_from: String,
    pub(crate) user_lock: UserLockStatements,
    pub(crate) migration: Migration,
}

/// The statements of a sign-in under a session limit that keep the other
/// limited sign-ins of its user out: [`UserLock`] for one table.
#[derive(Debug)]
pub(crate) struct UserLockStatements {
    /// Begins the transaction, given the longest the server may wait for a lock.
    pub(crate) begin: fn(Duration) -> String,
    /// Takes the user's lock, if the transaction's begin did not (parameter: the
    /// user id, then with [`release`](Self::release) the longest wait in whole
    /// seconds); answers a row once it has it.
    pub(crate) take: Option<String>,
    /// Lets go of a lock that the transaction's end does not release (parameter:
    /// the user id).
    pub(crate) release: Option<String>,
}

impl UserLockStatements {
    fn new(table: &TableName, lock: &UserLock) -> Self {
        let table = table.as_str();
        match *lock {
            UserLock::Database(begin) => Self {
                begin,
                take: None,
                release: None,
            },
            UserLock::Transaction { begin, take } => Self {
                begin,
                take: Some(take(table)),
                release: None,
            },
            UserLock::Connection {
                begin,
                take,
                release,
            } => Self {
                begin,
                take: Some(take(table)),
                release: Some(release(table)),
            },
        }
    }
}

impl Statements {
    pub(crate) fn new(table: TableName, dialect: &Dialect) -> Self {
        let name = dialect.quote(table.as_str());
        let p = dialect.param;
        // The select by id leaves out the id it is given: validation, the hot
        // path, sends, describes and decodes one column less.
        let columns = format!(
            "{}, expires_at, issued_at, authenticated_at, data_version, {}",
            (dialect.text_column)("user_id"),
            dialect.data_column,
        );
        let columns_with_id = format!("{}, {columns}", (dialect.text_column)("id"));
        let select = format!("SELECT {columns} FROM {name} WHERE id = {}", p(1));
        // The whole move is one statement; `set` takes the first `set_params`
        // parameters, the old id the next.
        let rotation = |set: String, set_params: usize| {
            let update = format!("UPDATE {name} SET {set} WHERE id = {}", p(set_params + 1));
            if dialect.update_returning {
                format!("{update} RETURNING {columns}")
            } else {
                update
            }
        };
        let rotate = rotation(format!("id = {}", p(1)), 1);
        let rotate_reauthenticated =
            rotation(format!("id = {}, authenticated_at = {}", p(1), p(2)), 2);
        Self {
            insert: format!(
                "INSERT INTO {name} \
                 (id, user_id, expires_at, issued_at, authenticated_at, data_version, data) \
                 VALUES ({}, {}, {}, {}, {}, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                (dialect.data_param)(p(7)),
            ),
            select,
            // An UPDATE only, never an upsert: a session deleted meanwhile stays deleted.
            update_expiry: format!(
                "UPDATE {name} SET expires_at = {} WHERE id = {}",
                p(1),
                p(2)
            ),
            delete: format!("DELETE FROM {name} WHERE id = {}", p(1)),
            select_by_user: format!(
                "SELECT {columns_with_id} FROM {name} WHERE user_id = {}",
                p(1)
            ),
            delete_by_user: format!("DELETE FROM {name} WHERE user_id = {}", p(1)),
            delete_expired: format!("DELETE FROM {name} WHERE expires_at <= {}", p(1)),
            // The version always goes up, so the row always changes: MySQL, which
            // counts changed rows rather than matched ones, counts it too.
            update_data: format!(
                "UPDATE {name} SET data = {}, data_version = data_version + 1 \
                 WHERE id = {} AND data_version = {}",
                (dialect.data_param)(p(1)),
                p(2),
                p(3),
            ),
            exists: format!("SELECT 1 FROM {name} WHERE id = {}", p(1)),
            rotate,
            rotate_reauthenticated,
            rotate_returns_row: dialect.update_returning,
            delete_others: format!(
                "DELETE FROM {name} WHERE user_id = {} AND id <> {}",
                p(1),
                p(2)
            ),
            delete_all: format!("DELETE FROM {name}"),
            select_live: format!(
                "SELECT {}, expires_at FROM {name} WHERE user_id = {} AND expires_at > {} \
                 ORDER BY expires_at DESC, id DESC",
                (dialect.text_column)("id"),
                p(1),
                p(2),
            ),
            delete_live_from: format!(
                "DELETE FROM {name} WHERE user_id = {} AND expires_at > {} AND id <> {} \
                 AND (expires_at < {} OR (expires_at = {} AND id <= {}))",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
            ),
            user_lock: UserLockStatements::new(&table, &dialect.user_lock),
            migration: Migration::new(&table, dialect),
            table,
        }
    }
}
