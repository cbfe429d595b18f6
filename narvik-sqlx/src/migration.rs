//! [`Migration`]: what `migrate()` runs. It creates the session table and its
//! indexes unless they exist, and brings a table made by an earlier release up
//! to date in place.
//!
//! # From narvik-sqlx 0.1
//!
//! 0.1 kept no `issued_at`, `authenticated_at` nor `data_version`. The migration
//! adds the columns ([`ADDED_COLUMNS`]); the sessions already stored get the time
//! of the migration as `issued_at` (so an absolute lifetime counts from the
//! upgrade), [`narvik::UNKNOWN_TIME`] (the Unix epoch) as `authenticated_at` (so
//! "sudo mode" asks for the password again rather than trust a proof never
//! recorded), and data version 0.
//! On PostgreSQL it also changes the `jsonb` data column of 0.1.0 to `json`.
//!
//! The columns keep a default, for writers that leave them out: an instance of
//! 0.1 still running beside upgraded ones during a rolling upgrade. Its sessions
//! get `authenticated_at` = the epoch, and `issued_at` = the time of the insert
//! (PostgreSQL, MySQL, and SQLite tables made by this release) or of the upgrade
//! (SQLite tables upgraded from 0.1: SQLite adds a column only with a constant
//! default).
//!
//! # Running it twice, or twice at once
//!
//! Every step checks first (`IF NOT EXISTS`, the table's list of columns), so a
//! second run changes nothing. Several application servers starting at once may
//! migrate one table together: on PostgreSQL the migration is one transaction
//! holding an advisory lock of the table's, on SQLite one `BEGIN IMMEDIATE`
//! transaction, so they take turns. MySQL ends a transaction at every schema
//! change, so there the steps may interleave; the columns are added in one
//! `ALTER TABLE`, and one that fails because a concurrent migration added them
//! meanwhile counts as done.

use time::OffsetDateTime;

use crate::conn::Connections;
use crate::held::Held;
use crate::queries::{BindText, Queries, QueryOf};
use crate::sql::{Dialect, MigrationTurns, ADDED_COLUMNS};
use crate::table::TableName;

/// The statements of `migrate()` for one table.
#[derive(Debug)]
pub(crate) struct Migration {
    /// The table's name, unquoted, as its list of columns names it.
    table: String,
    /// The table's name as SQL text, quoted.
    quoted: String,
    /// The statement that begins the migration's transaction, if it has one.
    begin: Option<&'static str>,
    /// The statement that takes the table's migration lock, inside the transaction.
    lock: Option<String>,
    create_table: String,
    /// A change of a column's type since an earlier release.
    upgrade: Option<String>,
    /// Lists the table's columns (parameter: [`table`](Self::table)).
    column_names: &'static str,
    added_columns: fn(OffsetDateTime) -> [String; 3],
    one_column_per_alter: bool,
    create_indexes: Vec<String>,
}

impl Migration {
    pub(crate) fn new(table: &TableName, dialect: &Dialect) -> Self {
        let quoted = dialect.quote(table.as_str());
        let (columns, options) = (dialect.columns, dialect.table_options);
        let indexes = ["user_id", "expires_at"].map(|column| {
            let index = dialect.quote(&format!("{}_{column}_idx", table.as_str()));
            (index, column)
        });
        let (keys, create_indexes) = if dialect.indexes_in_table {
            let keys: String = indexes
                .iter()
                .map(|(index, column)| format!(", KEY {index} ({column})"))
                .collect();
            (keys, Vec::new())
        } else {
            let create_indexes = indexes
                .iter()
                .map(|(index, column)| {
                    format!("CREATE INDEX IF NOT EXISTS {index} ON {quoted} ({column})")
                })
                .collect();
            (String::new(), create_indexes)
        };
        let (begin, lock) = match dialect.migration_turns {
            MigrationTurns::Transaction(begin) => (Some(begin), None),
            MigrationTurns::LockedTransaction(lock) => (Some("BEGIN"), Some(lock(table.as_str()))),
            MigrationTurns::None => (None, None),
        };
        Self {
            table: table.as_str().to_owned(),
            begin,
            lock,
            create_table: format!("CREATE TABLE IF NOT EXISTS {quoted} ({columns}{keys}){options}"),
            upgrade: (dialect.upgrade)(table.as_str()),
            column_names: dialect.column_names,
            added_columns: dialect.added_columns,
            one_column_per_alter: dialect.one_column_per_alter,
            create_indexes,
            quoted,
        }
    }

    /// Runs the migration on one connection, in the store's write turn, with no
    /// time limit: changing a big table may take a while.
    pub(crate) async fn run<DB: Queries>(
        &self,
        connections: &Connections<DB>,
    ) -> Result<(), sqlx::Error> {
        let mut held = connections.hold().await?;
        let result = self.steps(&mut held).await;
        held.finish(result, None).await
    }

    async fn steps<DB: Queries>(&self, held: &mut Held<'_, DB>) -> Result<(), sqlx::Error> {
        if let Some(begin) = self.begin {
            held.begin(begin.to_owned(), None).await?;
        }
        if let Some(lock) = &self.lock {
            held.execute(once(lock), None).await?;
        }
        held.execute(once(&self.create_table), None).await?;
        if let Some(upgrade) = &self.upgrade {
            held.execute(once(upgrade), None).await?;
        }
        self.add_missing_columns(held).await?;
        for create_index in &self.create_indexes {
            held.execute(once(create_index), None).await?;
        }
        if self.begin.is_some() {
            held.commit(None).await?;
        }
        Ok(())
    }

    /// Adds the columns of [`ADDED_COLUMNS`] that the table lacks (it was made by
    /// 0.1), with the defaults the rows already there get.
    async fn add_missing_columns<DB: Queries>(
        &self,
        held: &mut Held<'_, DB>,
    ) -> Result<(), sqlx::Error> {
        let missing = self.missing_columns(held).await?;
        if missing.is_empty() {
            return Ok(());
        }
        let definitions = (self.added_columns)(OffsetDateTime::now_utc());
        let additions: Vec<String> = missing
            .iter()
            .map(|&column| format!("ADD COLUMN {}", definitions[column]))
            .collect();
        let alters = if self.one_column_per_alter {
            additions
                .iter()
                .map(|addition| format!("ALTER TABLE {} {addition}", self.quoted))
                .collect()
        } else {
            vec![format!(
                "ALTER TABLE {} {}",
                self.quoted,
                additions.join(", ")
            )]
        };
        for alter in &alters {
            if let Err(error) = held.execute(once(alter), None).await {
                // Without turns (MySQL), a concurrent migration may have added
                // them since the check.
                let raced = self.begin.is_none()
                    && !crate::failure::ends_connection(&error)
                    && self.missing_columns(held).await?.is_empty();
                if !raced {
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// The positions in [`ADDED_COLUMNS`] of the columns the table lacks.
    async fn missing_columns<DB: Queries>(
        &self,
        held: &mut Held<'_, DB>,
    ) -> Result<Vec<usize>, sqlx::Error> {
        let query = once(self.column_names).bind_text(&self.table);
        let rows = held.fetch_all(query, None).await?;
        let present = rows
            .iter()
            .map(|row| DB::text(row, 0))
            .collect::<Result<Vec<&str>, _>>()?;
        Ok((0..ADDED_COLUMNS.len())
            .filter(|&column| !present.contains(&ADDED_COLUMNS[column]))
            .collect())
    }
}

/// `statement`, run once at start-up: not worth a place in the statement cache.
fn once<DB: Queries>(statement: &str) -> QueryOf<'_, DB> {
    sqlx::query(statement).persistent(false)
}
