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
//! Each implements every store operation: the four of [`narvik::SessionStore`], the
//! optional [`narvik::FetchUserSessions`], [`narvik::DeleteUserSessions`] and
//! [`narvik::DeleteExpiredSessions`], and the lifecycle controls
//! [`narvik::RotateSessions`], [`narvik::DeleteOtherUserSessions`],
//! [`narvik::DeleteAllSessions`] and [`narvik::LimitUserSessions`], and the
//! compare-and-set of a session's data, [`narvik::UpdateSessionData`], each one
//! atomic step (see [Lifecycle](#lifecycle)). Code written for any backend takes a
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
//! store.migrate().await?; // creates the table unless it exists, upgrades one of 0.1
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
//! so it can go into SQL text), and `migrate()` at start-up: it creates the table
//! and its indexes unless they exist, and upgrades a table of an earlier release
//! in place (see [Upgrading from 0.1](#upgrading-from-01)).
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
//! let MySQL without strict mode cut it short.
//!
//! The three time stamps of a session, `expires_at`, `issued_at` (the sign-in)
//! and `authenticated_at` (the last proof of a credential), are columns of the
//! same type, which keeps microseconds everywhere: `timestamptz` on PostgreSQL,
//! `DATETIME(6)` in UTC on MySQL, an integer of unix microseconds on SQLite (which
//! has no timestamp type). `save_session` cuts them to whole microseconds, so the
//! session `create_session` returns equals the one read back. Validation reads all
//! three with the rest of the row: still one `SELECT` by primary key. So does it
//! read `data_version`, a 64-bit integer (0 for a session whose data was never
//! updated), which [`narvik::UpdateSessionData`] compares and counts up. The modules
//! [`sqlite`], [`postgres`] and [`mysql`] show each table.
//!
//! # Upgrading from 0.1
//!
//! Tables made by narvik-sqlx 0.1 have no `issued_at`, `authenticated_at` nor
//! `data_version`. `migrate()` adds the columns in place (`ALTER TABLE ... ADD
//! COLUMN`), and the sessions already stored stay signed in, with:
//!
//! - `issued_at` = the time of the migration: with an
//!   [absolute lifetime](narvik::NarvikBuilder::absolute_lifetime), their deadline
//!   counts from the upgrade;
//! - `authenticated_at` = [`narvik::UNKNOWN_TIME`] (the Unix epoch): 0.1 never
//!   recorded a proof of a credential, so
//!   [`authenticated_within`](narvik::Session::authenticated_within) is false and
//!   "sudo mode" asks for the password again;
//! - `data_version` = 0, as for a new session.
//!
//! On PostgreSQL it also changes a `jsonb` data column (0.1.0) to `json`.
//! `migrate()` is idempotent, and safe to run from several application servers at
//! once (they take turns on PostgreSQL and SQLite; on MySQL a column a concurrent
//! migration added counts as added).
//!
//! The new columns keep a default, so servers of 0.1 still running beside upgraded
//! ones (a rolling upgrade) keep signing users in: their sessions get
//! `authenticated_at` = the epoch, and `issued_at` = the time of the insert (on
//! SQLite tables upgraded from 0.1: the time of the upgrade, as SQLite adds a
//! column only with a constant default). Adding the columns is quick on
//! PostgreSQL 11+ (no rewrite of the table), SQLite and MariaDB (an instant `ADD
//! COLUMN`); MySQL may rebuild the table for a column with a time default (online:
//! reads and writes go on), which on a big table takes a while.
//!
//! # Lifecycle
//!
//! - A rotation ([`narvik::Narvik::rotate_session`],
//!   [`reauthenticate`](narvik::Narvik::reauthenticate)) is one `UPDATE` of the
//!   row's id: the old token never validates once it returns, and a session signed
//!   out before it stays signed out. One round trip with PostgreSQL and SQLite
//!   (`UPDATE ... RETURNING`); two with MySQL, which has no `RETURNING` on
//!   `UPDATE` and reads the moved row next.
//! - Ending a user's other sessions, or every session of the table, is one
//!   `DELETE`: one round trip.
//! - A data update ([`narvik::Narvik::update_session_data`],
//!   [`modify_session_data`](narvik::Narvik::modify_session_data)) is one
//!   conditional `UPDATE ... SET data = ?, data_version = data_version + 1 WHERE
//!   id = ? AND data_version = ?`, never an upsert: of two writers that read the
//!   same version one wins, and a session signed out meanwhile stays signed out.
//!   One round trip when it wins; when it changes no row, a `SELECT` by id tells a
//!   session gone from a conflict. On SQLite, whose writes take turns in the
//!   store, a conflict is answered after a pause at random, in a window four times
//!   as long as the failed update queued (5 to 250 ms), so that writers retrying
//!   at once spread out rather than lose to each other again, however many they
//!   are and however busy the machine.
//! - A sign-in under [`max_sessions_per_user`](narvik::NarvikBuilder::max_sessions_per_user)
//!   is one transaction holding a lock of the user's: it counts the user's live
//!   sessions, inserts the new one and deletes the least recently extended beyond
//!   the limit (or refuses). PostgreSQL takes `pg_advisory_xact_lock` of the user,
//!   MySQL `GET_LOCK` of the user (in a `READ COMMITTED` transaction, which locks
//!   no gaps between rows), SQLite the database's write lock (`BEGIN IMMEDIATE`).
//!   Concurrent sign-ins of one user, from any number of application servers,
//!   take turns, so the limit holds exactly; other users' do not wait (except on
//!   SQLite, one writer at a time anyway). The server waits for the lock at most
//!   the query timeout (PostgreSQL's `lock_timeout`; MySQL's `GET_LOCK` timeout, in
//!   whole seconds rounded up); a sign-in that did not get it in time fails with
//!   [`narvik::Error::Store`] and stores nothing. A sign-in given up halfway (its
//!   future dropped) never leaves its connection in the pool with the transaction
//!   or the lock still held: over a network the connection is closed.
//!
//! # Round trips
//!
//! Validating a session that is not extended is one query (a `SELECT` by primary
//! key), one round trip on the wire; one that is extended adds an `UPDATE` (never an
//! upsert: a session deleted meanwhile stays deleted), two round trips. A sign-in
//! is one `INSERT`; under a session limit it is a transaction of four (SQLite) to
//! seven (MySQL) round trips (see [Lifecycle](#lifecycle)).
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
mod held;
mod lifecycle;
mod migration;
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
