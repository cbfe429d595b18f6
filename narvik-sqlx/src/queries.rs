//! [`Queries`]: what a store asks of sqlx on its database, checked once.
//!
//! Code generic over a sqlx database needs a bound for each thing it does there:
//! that a connection runs queries, that `&str` binds and decodes, that a row's
//! columns are found by position. Rust makes every generic caller repeat such
//! bounds. Here they are written once, on a blanket implementation: the store asks
//! for one bound, `Queries`, and the compiler checks the rest for each backend's
//! database where the backend names it ([`Backend::Database`]).
//!
//! [`Backend::Database`]: crate::Backend::Database

use std::future::Future;

use sqlx::database::HasStatementCache;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

/// A query on database `DB`.
pub(crate) type QueryOf<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// A sqlx database that runs every query of a store: each of the crate's backends'.
///
/// Not for use outside this crate (the trait cannot be named there).
pub trait Queries: Database + HasStatementCache {
    /// `query` with `text` bound as its next parameter.
    fn bind_text<'q>(query: QueryOf<'q, Self>, text: &'q str) -> QueryOf<'q, Self>;

    /// `query` with `integer` bound as its next parameter.
    fn bind_integer<'q>(query: QueryOf<'q, Self>, integer: i64) -> QueryOf<'q, Self>;

    /// Runs `query` on `connection`, for what it changes: answers how many rows
    /// it changed (on MySQL: changed, not merely matched).
    fn execute<'c, 'q: 'c>(
        connection: &'c mut Self::Connection,
        query: QueryOf<'q, Self>,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'c;

    /// The row `query` selects on `connection`, if any.
    fn fetch_optional<'c, 'q: 'c>(
        connection: &'c mut Self::Connection,
        query: QueryOf<'q, Self>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + 'c;

    /// Every row `query` selects on `connection`.
    fn fetch_all<'c, 'q: 'c>(
        connection: &'c mut Self::Connection,
        query: QueryOf<'q, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'c;

    /// Column `index` of `row` as text, borrowed from the row.
    fn text(row: &Self::Row, index: usize) -> Result<&str, sqlx::Error>;

    /// Column `index` of `row` as a 64-bit integer.
    fn integer(row: &Self::Row, index: usize) -> Result<i64, sqlx::Error>;

    /// Column `index` of `row` as a `T`.
    fn value<'r, T>(row: &'r Self::Row, index: usize) -> Result<T, sqlx::Error>
    where
        T: Decode<'r, Self> + Type<Self>;
}

/// `bind` for text, on a query of any backend's database.
pub(crate) trait BindText<'q> {
    /// The query with `text` bound as its next parameter.
    fn bind_text(self, text: &'q str) -> Self;
}

impl<'q, DB: Queries> BindText<'q> for QueryOf<'q, DB> {
    fn bind_text(self, text: &'q str) -> Self {
        DB::bind_text(self, text)
    }
}

/// `bind` for a 64-bit integer, on a query of any backend's database.
pub(crate) trait BindInteger {
    /// The query with `integer` bound as its next parameter.
    fn bind_integer(self, integer: i64) -> Self;
}

impl<DB: Queries> BindInteger for QueryOf<'_, DB> {
    fn bind_integer(self, integer: i64) -> Self {
        DB::bind_integer(self, integer)
    }
}

/// How many rows a statement changed: each backend's query result says it,
/// sqlx's generic [`Database::QueryResult`] does not.
pub trait RowsAffected {
    /// The number of rows the statement changed.
    fn rows_affected(&self) -> u64;
}

#[cfg(feature = "sqlite")]
impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

#[cfg(feature = "postgres")]
impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

#[cfg(feature = "mysql")]
impl RowsAffected for sqlx::mysql::MySqlQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl<DB> Queries for DB
where
    DB: Database + HasStatementCache,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    DB::QueryResult: RowsAffected,
    usize: ColumnIndex<DB::Row>,
{
    fn bind_text<'q>(query: QueryOf<'q, Self>, text: &'q str) -> QueryOf<'q, Self> {
        query.bind(text)
    }

    fn bind_integer<'q>(query: QueryOf<'q, Self>, integer: i64) -> QueryOf<'q, Self> {
        query.bind(integer)
    }

    async fn execute<'c, 'q: 'c>(
        connection: &'c mut Self::Connection,
        query: QueryOf<'q, Self>,
    ) -> Result<u64, sqlx::Error> {
        query
            .execute(connection)
            .await
            .map(|result| RowsAffected::rows_affected(&result))
    }

    fn fetch_optional<'c, 'q: 'c>(
        connection: &'c mut Self::Connection,
        query: QueryOf<'q, Self>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + 'c {
        query.fetch_optional(connection)
    }

    fn fetch_all<'c, 'q: 'c>(
        connection: &'c mut Self::Connection,
        query: QueryOf<'q, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'c {
        query.fetch_all(connection)
    }

    fn text(row: &Self::Row, index: usize) -> Result<&str, sqlx::Error> {
        row.try_get(index)
    }

    fn integer(row: &Self::Row, index: usize) -> Result<i64, sqlx::Error> {
        row.try_get(index)
    }

    fn value<'r, T>(row: &'r Self::Row, index: usize) -> Result<T, sqlx::Error>
    where
        T: Decode<'r, Self> + Type<Self>,
    {
        row.try_get(index)
    }
}
