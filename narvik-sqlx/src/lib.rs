//! SQL session stores for [`narvik`], over [`sqlx`] 0.8.
//!
//! One store, [`SqlStore<B, D>`](SqlStore), generic over its [`Backend`] `B`, named
//! by an alias per backend:
//!
//! | store | backend | cargo feature | database |
//! | --- | --- | --- | --- |
//! | [`SqliteStore<D>`](SqliteStore) | [`Sqlite`] | `sqlite` (default) | SQLite, compiled in: a file or memory |
//! | [`PostgresStore<D>`](PostgresStore) | [`Postgres`] | `postgres` | PostgreSQL |
//! | [`MySqlStore<D>`](MySqlStore) | [`MySql`] | `mysql` | MySQL 8, MariaDB 10.5+ |
//!
//! Each implements every store operation: the four of [`narvik::SessionStore`] and
//! the optional [`narvik::FetchUserSessions`], [`narvik::DeleteUserSessions`] and
//! [`narvik::DeleteExpiredSessions`]. Code written for any backend takes a
//! `SqlStore<B, D>` with `B: Backend`.
//!
//! ```
//! use narvik::{Narvik, SessionData};
//! use narvik_sqlx::SqliteStore;
//!
//! #[derive(SessionData, Clone, Debug)]
//! struct AppData {
//!     username: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> narvik::Result<()> {
//! // `sqlite://sessions.db` keeps them in a file (created if missing).
//! let store = SqliteStore::<AppData>::connect("sqlite::memory:")
//!     .await?
//!     .with_table_name("sessions")?;
//! store.migrate().await?; // creates the table and its indexes unless they exist
//! let narvik = Narvik::new(store);
//!
//! // Sign-in, then a request, then sign-out.
//! let created = narvik.create_session("user-1", AppData { username: "ada".into() }).await?;
//! let session = narvik.validate_session(created.token.as_str()).await?.expect("valid");
//! assert_eq!(session.username, "ada");
//! assert_eq!(narvik.fetch_sessions_for_user("user-1").await?.len(), 1);
//! narvik.invalidate_session(&session.id).await?;
//! assert!(narvik.validate_session(created.token.as_str()).await?.is_none());
//! # Ok(())
//! # }
//! ```
//!
//! # Making a store
//!
//! - `connect(url)`: a pool of the store's own with [`pool_options`].
//! - `connect_with(connect_options, pool_options)`: the same with your settings.
//! - `from_pool(pool)`: over a pool the application already has and shares.
//!
//! Then `with_table_name(name)` to use another table than
//! [`DEFAULT_TABLE_NAME`] (the name is checked: ASCII letters, digits and `_` only,
//! so it can go into SQL text), and `migrate()` at start-up.
//!
//! # Schema
//!
//! One table, keyed by the session id (the SHA-256 of the token, never the token),
//! with an index on `user_id` (fetching or deleting a user's sessions) and one on
//! `expires_at` (deleting expired sessions). The custom data is one JSON object
//! written by [`narvik::codec`], kept as written: `json` on PostgreSQL (not
//! `jsonb`, which refuses NUL characters), `JSON` on MySQL, `TEXT` on SQLite; so
//! every backend keeps the same data, NUL characters included. User ids are at
//! most [`narvik::MAX_USER_ID_LEN`] bytes: `save_session` refuses a longer one
//! with [`narvik::Error::UserIdTooLong`], as `create_session` does, rather than
//! let MySQL without strict mode cut it short. `expires_at` keeps microseconds everywhere: `timestamptz` on PostgreSQL,
//! `DATETIME(6)` in UTC on MySQL, an integer of unix microseconds on SQLite (which
//! has no timestamp type). `save_session` cuts `expires_at` to whole microseconds,
//! so the session `create_session` returns equals the one read back. The modules
//! [`sqlite`], [`postgres`] and [`mysql`] show each table.
//!
//! # Round trips
//!
//! Validating a session that is not extended is one query (a `SELECT` by primary
//! key), one round trip on the wire; one that is extended adds an `UPDATE` (never an
//! upsert: a session deleted meanwhile stays deleted), two round trips.
//!
//! That holds because a store made by `connect` or `connect_with` keeps the
//! connections it has used, checked out of its pool, and hands them straight to the
//! next query: a connection's prepared statements are cached, so after its first
//! use a statement is sent and answered once. A sqlx pool would add a round trip on
//! every query: it pings each connection it takes back, and with its default
//! `test_before_acquire(true)` it pings again before handing one out.
//! [`pool_options`] turns the second ping off; the first has no switch, hence the
//! kept connections. A store made with `from_pool` shares the pool with the rest of
//! the application, so it gives each connection back and pays that ping.
//!
//! # Failures
//!
//! A database that cannot be reached makes every operation fail with
//! [`narvik::Error::Store`], the sqlx error as its source: validation then never
//! answers "signed out" for an outage. A connection that died fails the query that
//! uses it; the store drops it and every other kept connection, and the next query
//! opens a fresh one, so service resumes when the database does, without a
//! restart. That includes connections the server ends on purpose (a restart, a
//! failover, `pg_terminate_backend`, `KILL`), which it reports as an error of the
//! query (PostgreSQL's `FATAL` errors, SQLSTATE classes `08` and `57`): a restart
//! costs one failed request per store, not one per kept connection.
//!
//! Every wait is bounded. Getting a connection, or opening one, waits at most the
//! pool's acquire timeout (5 s with [`pool_options`]); a query then waits at most
//! the store's query timeout for its answer ([`DEFAULT_QUERY_TIMEOUT`], 5 s;
//! `with_query_timeout` to change it). A query that times out fails with
//! [`narvik::Error::Store`] (an I/O error of kind `TimedOut`) and counts as a
//! failure of its connection: a server gone silent (a network partition, a dead
//! host) costs a request seconds, not the minutes TCP takes to give up.
//!
//! A stored session whose data no longer decodes (a required field added since, a
//! hand-edited row) is [`narvik::Error::Decode`]; validation deletes it and answers
//! `None`.
//!
//! # Several instances
//!
//! Stores in separate processes (or separate pools) over one PostgreSQL or MySQL
//! database see each other's writes at once: nothing is cached outside the
//! database.

// The crate docs link every backend; docs.rs builds them with all features.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(rustdoc::broken_intra_doc_links)
)]

mod backend;
mod conn;
mod error;
mod failure;
mod operations;
mod queries;
mod sql;
mod store;
mod table;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use crate::backend::Backend;
pub use crate::conn::{pool_options, DEFAULT_QUERY_TIMEOUT};
pub use crate::error::{Error, Result};
#[cfg(feature = "mysql")]
pub use crate::mysql::{MySql, MySqlStore};
#[cfg(feature = "postgres")]
pub use crate::postgres::{Postgres, PostgresStore};
#[cfg(feature = "sqlite")]
pub use crate::sqlite::{Sqlite, SqliteStore};
pub use crate::store::SqlStore;
pub use crate::table::{DEFAULT_TABLE_NAME, MAX_TABLE_NAME_LEN};

/// The sqlx version this crate is built on, for naming its pool and option types.
pub use sqlx;
