//! The statements of a store, written once and spelled per backend by a [`Dialect`].
//!
//! Every statement is built once, when the store is made, so each query sends the
//! same text and the connection's prepared-statement cache answers it after the
//! first time.

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
    /// The data parameter, given its placeholder (PostgreSQL casts text to `jsonb`).
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
    /// The statement that brings a table of the given (checked, unquoted) name,
    /// made by an earlier version of the crate, to the current schema, if the
    /// schema changed since; it must do nothing on a current table.
    pub(crate) upgrade: fn(&str) -> Option<String>,
}

impl Dialect {
    /// `name` quoted; table names are checked identifiers, so nothing needs escaping.
    pub(crate) fn quote(&self, name: &str) -> String {
        format!("{quote}{name}{quote}", quote = self.quote)
    }
}

/// The statements that create the session table and its indexes unless they exist.
fn migrate(table: &TableName, dialect: &Dialect) -> Vec<String> {
    let name = dialect.quote(table.as_str());
    let (columns, options) = (dialect.columns, dialect.table_options);
    let indexes = ["user_id", "expires_at"].map(|column| {
        let index = dialect.quote(&format!("{}_{column}_idx", table.as_str()));
        (index, column)
    });
    if dialect.indexes_in_table {
        let keys: String = indexes
            .iter()
            .map(|(index, column)| format!(", KEY {index} ({column})"))
            .collect();
        let create = format!("CREATE TABLE IF NOT EXISTS {name} ({columns}{keys}){options}");
        return std::iter::once(create)
            .chain((dialect.upgrade)(table.as_str()))
            .collect();
    }
    let mut statements = vec![format!(
        "CREATE TABLE IF NOT EXISTS {name} ({columns}){options}"
    )];
    statements.extend((dialect.upgrade)(table.as_str()));
    statements.extend(
        indexes.iter().map(|(index, column)| {
            format!("CREATE INDEX IF NOT EXISTS {index} ON {name} ({column})")
        }),
    );
    statements
}

/// No upgrade: the schema has not changed (SQLite, MySQL).
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
    pub(crate) migrate: Vec<String>,
}

impl Statements {
    pub(crate) fn new(table: TableName, dialect: &Dialect) -> Self {
        let name = dialect.quote(table.as_str());
        let p = dialect.param;
        // The select by id leaves out the id it is given: validation, the hot
        // path, sends, describes and decodes one column less.
        let columns = format!(
            "{}, expires_at, {}",
            (dialect.text_column)("user_id"),
            dialect.data_column,
        );
        let columns_with_id = format!("{}, {columns}", (dialect.text_column)("id"));
        Self {
            insert: format!(
                "INSERT INTO {name} (id, user_id, expires_at, data) VALUES ({}, {}, {}, {})",
                p(1),
                p(2),
                p(3),
                (dialect.data_param)(p(4)),
            ),
            select: format!("SELECT {columns} FROM {name} WHERE id = {}", p(1)),
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
            migrate: migrate(&table, dialect),
            table,
        }
    }
}
