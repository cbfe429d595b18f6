//! Choosing the backend: the store URL decides where sessions and user accounts
//! live, and both live in the same one, so instances given the same shared store
//! serve the same users.
//!
//! | URL | sessions | accounts |
//! | --- | --- | --- |
//! | `sqlite::memory:`, `sqlite://FILE` | [`SqliteStore`](narvik_sqlx::SqliteStore), table `{ns}_sessions` | table `{ns}_users` |
//! | `postgres://…` | [`PostgresStore`](narvik_sqlx::PostgresStore), table `{ns}_sessions` | table `{ns}_users` |
//! | `mysql://…` | [`MySqlStore`](narvik_sqlx::MySqlStore), table `{ns}_sessions` | table `{ns}_users` |
//! | `redis://…` | [`RedisStore`], keys `{ns}:session:…`, `{ns}:user:…` | keys `{ns}:account:…` |
//!
//! A SQL backend has one pool, shared by the session store
//! ([`from_pool`](SqlStore::from_pool)) and the user table: an in-memory SQLite
//! database exists only on its one connection, so the two must share it.

use std::str::FromStr;
use std::sync::Arc;

use narvik::{
    DeleteAllSessions, DeleteOtherUserSessions, FetchUserSessions, LimitUserSessions,
    RotateSessions, SessionStore, UpdateSessionData,
};
use narvik_redis::RedisStore;
use narvik_sqlx::sqlx::mysql::MySqlPoolOptions;
use narvik_sqlx::sqlx::postgres::PgPoolOptions;
use narvik_sqlx::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use narvik_sqlx::sqlx::Pool;
use narvik_sqlx::{MySql, Postgres, SqlStore, Sqlite};

use crate::users::UserTable;
use crate::{Config, DemoSession, Error};

/// What the demo asks of its session store: the four operations of
/// [`SessionStore`] over [`DemoSession`], and the optional ones it calls:
///
/// | trait | for |
/// | --- | --- |
/// | [`FetchUserSessions`] | the account page's list of sessions |
/// | [`RotateSessions`] | a new token when the user confirms their password ([`Narvik::reauthenticate`](narvik::Narvik::reauthenticate)) or changes it |
/// | [`DeleteOtherUserSessions`] | "sign out everywhere else", and ending the other sessions on a password change, in one atomic step |
/// | [`DeleteAllSessions`] | nothing yet: an administrator's "sign everyone out" (OWASP ASVS V7.4.5), required so that every backend is known to have it |
/// | [`LimitUserSessions`] | the cap on sessions per user ([`Config::max_sessions_per_user`]) |
/// | [`UpdateSessionData`] | the session's theme, changed on the account page without losing a change made at the same time from another tab ([`SessionManager::modify_data`](narvik_axum::SessionHandle::modify_data)) |
///
/// Every store of its backends has them all, so the blanket impl makes each a
/// `DemoStore`. It never sweeps expired sessions ([`DeleteExpiredSessions`](narvik::DeleteExpiredSessions)):
/// validation deletes each one it meets.
///
/// The app holds its store as a trait object, `SharedStore`
/// (`Arc<dyn DemoStore>`), chosen by the store URL at start-up. It replaced an enum
/// of the four stores, which had to forward each operation through a `match` (one
/// per operation, written by a macro): narvik's `Arc<S>` forwards every operation,
/// the optional ones included, and `S` may be a trait object, so no dispatch is
/// left to write, and a backend is one more arm in `connect`. The cost, one
/// indirect call beside the boxed future every store operation already returns,
/// is nothing next to a round trip to the database.
pub trait DemoStore:
    SessionStore<Data = DemoSession>
    + FetchUserSessions
    + RotateSessions
    + DeleteOtherUserSessions
    + DeleteAllSessions
    + LimitUserSessions
    + UpdateSessionData
{
}

impl<S> DemoStore for S where
    S: SessionStore<Data = DemoSession>
        + FetchUserSessions
        + RotateSessions
        + DeleteOtherUserSessions
        + DeleteAllSessions
        + LimitUserSessions
        + UpdateSessionData
{
}

/// The session store of the app, whichever backend it is.
pub(crate) type SharedStore = Arc<dyn DemoStore>;

/// Where sessions and accounts live, connected and with their tables made.
pub(crate) struct Backend {
    pub(crate) sessions: SharedStore,
    pub(crate) users: UserTable,
    /// Where, for people: `SQLite (in memory)`, `PostgreSQL at 127.0.0.1:5432/test`.
    pub(crate) label: String,
}

/// Connects to the store `config` names and creates its tables (or nothing, for
/// Redis) unless they exist.
pub(crate) async fn connect(config: &Config) -> Result<Backend, Error> {
    if !crate::config::is_valid_namespace(&config.namespace) {
        return Err(Error::InvalidNamespace(config.namespace.clone()));
    }
    let url = config.store_url.as_str();
    let label = describe_url(url);
    let namespace = config.namespace.as_str();
    let session_table = format!("{namespace}_sessions");
    let user_table = format!("{namespace}_users");
    let connect_failed = |source: Box<dyn std::error::Error + Send + Sync>| Error::Connect {
        store: label.clone(),
        source,
    };
    let setup_failed = |what, source: Box<dyn std::error::Error + Send + Sync>| Error::Setup {
        what,
        store: label.clone(),
        source,
    };
    let session_store_failed =
        |error: narvik_sqlx::Error| setup_failed("session table", error.into());
    let (sessions, users): (SharedStore, UserTable) = match scheme(url) {
        "sqlite" => {
            let pool = connect_sqlite(url)
                .await
                .map_err(|error| connect_failed(error.into()))?;
            let store = sql_store::<Sqlite>(pool.clone(), &session_table)
                .await
                .map_err(session_store_failed)?;
            (store, UserTable::sqlite(pool, &user_table))
        }
        "postgres" | "postgresql" => {
            let pool: PgPoolOptions = narvik_sqlx::pool_options();
            let pool = pool
                .connect(url)
                .await
                .map_err(|error| connect_failed(error.into()))?;
            let store = sql_store::<Postgres>(pool.clone(), &session_table)
                .await
                .map_err(session_store_failed)?;
            (store, UserTable::postgres(pool, &user_table))
        }
        "mysql" | "mariadb" => {
            let pool: MySqlPoolOptions = narvik_sqlx::pool_options();
            let pool = pool
                .connect(url)
                .await
                .map_err(|error| connect_failed(error.into()))?;
            let store = sql_store::<MySql>(pool.clone(), &session_table)
                .await
                .map_err(session_store_failed)?;
            (store, UserTable::mysql(pool, &user_table))
        }
        "redis" | "rediss" => {
            // Redis needs no schema.
            let store = RedisStore::<DemoSession>::connect(url)
                .await
                .map_err(|error| connect_failed(error.into()))?
                .with_key_prefix(format!("{namespace}:"));
            let users =
                UserTable::redis(store.connection().clone(), &format!("{namespace}:account:"));
            (Arc::new(store), users)
        }
        _ => return Err(Error::UnsupportedStore { store: label }),
    };
    users
        .migrate()
        .await
        .map_err(|error| setup_failed("user table", error.into()))?;
    Ok(Backend {
        sessions,
        users,
        label,
    })
}

/// The pool of the SQLite database `url` names, shared by sessions and accounts.
async fn connect_sqlite(
    url: &str,
) -> Result<Pool<narvik_sqlx::sqlx::Sqlite>, narvik_sqlx::sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?;
    let pool_options: SqlitePoolOptions = narvik_sqlx::pool_options();
    if is_in_memory(url) {
        // The database lives on its one connection: never close it.
        pool_options
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
    } else {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        pool_options.connect_with(options).await
    }
}

/// The session store in table `table` over `pool`, which the user table shares (an
/// in-memory SQLite database exists only on its one connection), with its table
/// made unless it exists.
///
async fn sql_store<B: narvik_sqlx::Backend>(
    pool: Pool<B::Database>,
    table: &str,
) -> Result<SharedStore, narvik_sqlx::Error> {
    let store = SqlStore::<B, DemoSession>::from_pool(pool).with_table_name(table)?;
    store.migrate().await?;
    let store: SharedStore = Arc::new(store);
    Ok(store)
}

/// The scheme of `url`: `sqlite` for `sqlite::memory:` too.
fn scheme(url: &str) -> &str {
    url.split_once(':').map_or("", |(scheme, _)| scheme)
}

/// Whether `url` names an in-memory SQLite database.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The store `url` names, for people and logs: its kind and where (host, port,
/// database), never its credentials or query.
///
/// The URL is parsed (WHATWG rules, the `url` crate), not cut by hand: a password
/// holding `@`, `/`, `?` or `#` then cannot spill into the description. A URL
/// that does not parse is described by its kind alone.
pub(crate) fn describe_url(url: &str) -> String {
    let kind = match scheme(url) {
        "sqlite" if is_in_memory(url) => return "SQLite (in memory)".to_owned(),
        "sqlite" => {
            // A file path, which has no credentials: drop only the query.
            let path = url.split_once(':').map_or("", |(_, path)| path);
            let path = path.trim_start_matches("//");
            let path = path.split(['?', '#']).next().unwrap_or_default();
            return format!("SQLite ({path})");
        }
        "postgres" | "postgresql" => "PostgreSQL",
        "mysql" | "mariadb" => "MySQL",
        "redis" | "rediss" => "Redis",
        other => return format!("`{other}:`"),
    };
    let Ok(parsed) = url::Url::parse(url) else {
        return kind.to_owned();
    };
    let Some(host) = parsed.host_str().filter(|host| !host.is_empty()) else {
        return kind.to_owned();
    };
    let port = parsed
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let path = parsed.path().trim_end_matches('/');
    format!("{kind} at {host}{port}{path}")
}

#[cfg(test)]
mod tests {
    use super::describe_url;

    #[test]
    fn store_descriptions_never_show_credentials() {
        assert_eq!(describe_url("sqlite::memory:"), "SQLite (in memory)");
        assert_eq!(describe_url("sqlite://demo.db"), "SQLite (demo.db)");
        assert_eq!(
            describe_url("postgres://user:s3cret@db.example:5432/app?sslmode=require"),
            "PostgreSQL at db.example:5432/app"
        );
        assert_eq!(
            describe_url("redis://:p@ss@127.0.0.1:6379"),
            "Redis at 127.0.0.1:6379"
        );
        assert_eq!(describe_url("ftp://user:pw@host"), "`ftp:`");
        assert_eq!(describe_url("nonsense"), "`:`");
        // Passwords with the characters that end an authority never spill out.
        for url in [
            "postgres://user:pa?ss@db.example:5432/app",
            "postgres://user:pa#ss@db.example:5432/app",
            "postgres://user:pa/ss@db.example:5432/app",
            "mysql://user:pa@ss@db.example/app",
        ] {
            let described = describe_url(url);
            assert!(
                !described.contains("pa") && !described.contains("ss"),
                "{url}: {described}"
            );
            assert!(!described.contains("user"), "{url}: {described}");
        }
        assert_eq!(
            describe_url("mysql://user:p%40ss@db.example:3306/app"),
            "MySQL at db.example:3306/app"
        );
    }
}
