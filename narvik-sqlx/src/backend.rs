//! [`Backend`]: what differs between the databases a [`SqlStore`](crate::SqlStore)
//! runs on.
//!
//! The store is written once, generic over its backend. A backend names its sqlx
//! database and says, in a few constants and small functions, what the store cannot
//! write in one way for all of them: the SQL dialect (quoting, placeholders, the
//! schema), how the time stamps are stored, whether writes take turns, and how a URL
//! becomes connect and pool options. Everything sqlx itself needs to run the
//! store's queries on that database is checked once, for every backend, by
//! [`Queries`](crate::queries::Queries).

use narvik::BoxError;
use sqlx::pool::PoolOptions;
use time::OffsetDateTime;

use crate::queries::Queries;
use crate::sql::Dialect;

/// The connect options of `DB`'s connections: `SqliteConnectOptions`,
/// `PgConnectOptions` or `MySqlConnectOptions`.
pub(crate) type ConnectOptionsOf<DB> =
    <<DB as sqlx::Database>::Connection as sqlx::Connection>::Options;

/// What a store made by `connect(url)` connects with.
pub(crate) type ConnectSettings<DB> = (ConnectOptionsOf<DB>, PoolOptions<DB>);

/// A database a [`SqlStore`](crate::SqlStore) runs on: [`Sqlite`](crate::Sqlite)
/// (feature `sqlite`), [`Postgres`](crate::Postgres) (feature `postgres`) or
/// [`MySql`](crate::MySql) (feature `mysql`).
///
/// Sealed: only this crate's backends implement it. The items marked hidden are
/// how the store reads a backend's differences; they are not meant to be called.
pub trait Backend: sealed::Sealed + Send + Sync + 'static {
    /// The sqlx database: [`sqlx::Sqlite`], [`sqlx::Postgres`] or [`sqlx::MySql`].
    type Database: sqlx::Database + Queries;

    /// The type the time stamps (`expires_at`, `issued_at`, `authenticated_at`)
    /// are bound and read as: unix microseconds (`i64`) on SQLite, which has no
    /// timestamp type; an `OffsetDateTime` elsewhere.
    #[doc(hidden)]
    type Timestamp: for<'q> sqlx::Encode<'q, Self::Database>
        + for<'r> sqlx::Decode<'r, Self::Database>
        + sqlx::Type<Self::Database>
        + Copy
        + Send
        + Sync
        + 'static;

    /// The database's name, for the store's `Debug`.
    #[doc(hidden)]
    const NAME: &'static str;

    /// How the backend spells the store's statements and schema.
    #[doc(hidden)]
    const DIALECT: Dialect;

    /// Whether the database lets one writer in at a time (SQLite), so that the
    /// store's writes take turns in the store: see `Connections::write_turn`.
    #[doc(hidden)]
    const ONE_WRITER_AT_A_TIME: bool;

    /// Whether the store's connections go over a network to a server (not
    /// SQLite): then a connection that failed is closed, not given back to the
    /// pool; see the `conn` module.
    #[doc(hidden)]
    const OVER_NETWORK: bool;

    /// `at`, already in UTC and cut to whole microseconds, as stored.
    #[doc(hidden)]
    fn timestamp_to_sql(at: OffsetDateTime) -> narvik::Result<Self::Timestamp>;

    /// A stored time stamp as a time.
    #[doc(hidden)]
    fn timestamp_from_sql(stored: Self::Timestamp) -> Result<OffsetDateTime, BoxError>;

    /// The options `connect(url)` connects with: `url` parsed, on a pool made from
    /// [`pool_options`](crate::pool_options).
    #[doc(hidden)]
    fn connect_options(url: &str) -> Result<ConnectSettings<Self::Database>, sqlx::Error> {
        Ok((url.parse()?, crate::pool_options()))
    }
}

pub(crate) mod sealed {
    /// Keeps [`Backend`](super::Backend) to the backends of this crate: the store
    /// relies on each one's dialect and conversions, which the crate tests.
    pub trait Sealed {}
}
