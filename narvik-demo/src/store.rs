//! Choosing the backend: the store URL decides where sessions and user accounts
//! live, and both live in the same one, so instances given the same shared store
//! serve the same users.
//!
//! | URL | sessions | accounts |
//! | --- | --- | --- |
//! | `sqlite::memory:`, `sqlite://FILE` | [`SqliteStore`], table `{ns}_sessions` | table `{ns}_users` |
//! | `postgres://…` | [`PostgresStore`], table `{ns}_sessions` | table `{ns}_users` |
//! | `mysql://…` | [`MySqlStore`], table `{ns}_sessions` | table `{ns}_users` |
//! | `redis://…` | [`RedisStore`], keys `{ns}:session:…`, `{ns}:user:…` | keys `{ns}:account:…` |
//!
//! A SQL backend has one pool, shared by the session store
//! ([`from_pool`](SqliteStore::from_pool)) and the user table: an in-memory SQLite
//! database exists only on its one connection, so the two must share it.

use std::str::FromStr;

use narvik::{async_trait, DeleteUserSessions, FetchUserSessions, Session, SessionStore};
use narvik_redis::RedisStore;
use narvik_sqlx::sqlx::mysql::MySqlPoolOptions;
use narvik_sqlx::sqlx::postgres::PgPoolOptions;
use narvik_sqlx::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use narvik_sqlx::sqlx::{MySql, Postgres, Sqlite};
use narvik_sqlx::{MySqlStore, PostgresStore, SqliteStore};
use time::OffsetDateTime;

use crate::users::UserTable;
use crate::{Config, DemoSession, Error};

/// The demo's session store: one of narvik's stores, chosen by the store URL at
/// start-up. Each variant keeps every operation the demo uses: the four of
/// [`SessionStore`], listing a user's sessions ([`FetchUserSessions`]) and ending
/// them all ([`DeleteUserSessions`]).
#[derive(Clone, Debug)]
pub enum DemoStore {
    /// `sqlite::memory:` or `sqlite://FILE`.
    Sqlite(SqliteStore<DemoSession>),
    /// `postgres://…`.
    Postgres(PostgresStore<DemoSession>),
    /// `mysql://…`.
    MySql(MySqlStore<DemoSession>),
    /// `redis://…`.
    Redis(RedisStore<DemoSession>),
}

/// Runs `$body` with `$store` bound to the store inside whichever variant `$self` is.
macro_rules! with_store {
    ($self:expr, $store:ident => $body:expr) => {
        match $self {
            DemoStore::Sqlite($store) => $body,
            DemoStore::Postgres($store) => $body,
            DemoStore::MySql($store) => $body,
            DemoStore::Redis($store) => $body,
        }
    };
}

#[async_trait]
impl SessionStore<DemoSession> for DemoStore {
    async fn save_session(&self, session: &mut Session<DemoSession>) -> narvik::Result<()> {
        with_store!(self, store => store.save_session(session).await)
    }

    async fn fetch_session(
        &self,
        session_id: &str,
    ) -> narvik::Result<Option<Session<DemoSession>>> {
        with_store!(self, store => store.fetch_session(session_id).await)
    }

    async fn update_session_expiry(
        &self,
        session_id: &str,
        expires_at: OffsetDateTime,
    ) -> narvik::Result<()> {
        with_store!(self, store => store.update_session_expiry(session_id, expires_at).await)
    }

    async fn delete_session(&self, session_id: &str) -> narvik::Result<()> {
        with_store!(self, store => store.delete_session(session_id).await)
    }
}

#[async_trait]
impl FetchUserSessions<DemoSession> for DemoStore {
    async fn fetch_sessions_for_user(
        &self,
        user_id: &str,
    ) -> narvik::Result<Vec<Session<DemoSession>>> {
        with_store!(self, store => store.fetch_sessions_for_user(user_id).await)
    }
}

#[async_trait]
impl DeleteUserSessions<DemoSession> for DemoStore {
    async fn delete_sessions_for_user(&self, user_id: &str) -> narvik::Result<()> {
        with_store!(self, store => store.delete_sessions_for_user(user_id).await)
    }
}

/// Where sessions and accounts live, connected and with their tables made.
pub(crate) struct Backend {
    pub(crate) sessions: DemoStore,
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
    let (sessions, users) = match scheme(url) {
        "sqlite" => {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|error| connect_failed(error.into()))?;
            let pool_options = narvik_sqlx::pool_options::<Sqlite>();
            let pool = if is_in_memory(url) {
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
            .map_err(|error| connect_failed(error.into()))?;
            let store = SqliteStore::from_pool(pool.clone())
                .with_table_name(&session_table)
                .map_err(narvik::Error::from)?;
            (
                DemoStore::Sqlite(store),
                UserTable::sqlite(pool, &user_table),
            )
        }
        "postgres" | "postgresql" => {
            let pool: PgPoolOptions = narvik_sqlx::pool_options::<Postgres>();
            let pool = pool
                .connect(url)
                .await
                .map_err(|error| connect_failed(error.into()))?;
            let store = PostgresStore::from_pool(pool.clone())
                .with_table_name(&session_table)
                .map_err(narvik::Error::from)?;
            (
                DemoStore::Postgres(store),
                UserTable::postgres(pool, &user_table),
            )
        }
        "mysql" | "mariadb" => {
            let pool: MySqlPoolOptions = narvik_sqlx::pool_options::<MySql>();
            let pool = pool
                .connect(url)
                .await
                .map_err(|error| connect_failed(error.into()))?;
            let store = MySqlStore::from_pool(pool.clone())
                .with_table_name(&session_table)
                .map_err(narvik::Error::from)?;
            (DemoStore::MySql(store), UserTable::mysql(pool, &user_table))
        }
        "redis" | "rediss" => {
            let store = RedisStore::<DemoSession>::connect(url)
                .await
                .map_err(|error| connect_failed(error.into()))?
                .with_key_prefix(format!("{namespace}:"));
            let users =
                UserTable::redis(store.connection().clone(), &format!("{namespace}:account:"));
            (DemoStore::Redis(store), users)
        }
        _ => return Err(Error::UnsupportedStore { store: label }),
    };
    let setup_failed = |what, source: Box<dyn std::error::Error + Send + Sync>| Error::Setup {
        what,
        store: label.clone(),
        source,
    };
    match &sessions {
        DemoStore::Sqlite(store) => store.migrate().await,
        DemoStore::Postgres(store) => store.migrate().await,
        DemoStore::MySql(store) => store.migrate().await,
        // Redis needs no schema.
        DemoStore::Redis(_) => Ok(()),
    }
    .map_err(|error| setup_failed("session table", error.into()))?;
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

/// The scheme of `url`: `sqlite` for `sqlite::memory:` too.
fn scheme(url: &str) -> &str {
    url.split_once(':').map_or("", |(scheme, _)| scheme)
}

/// Whether `url` names an in-memory SQLite database.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The store `url` names, for people and logs: its kind and where, never its
/// credentials or query.
pub(crate) fn describe_url(url: &str) -> String {
    let rest = url.split_once(':').map_or("", |(_, rest)| rest);
    let rest = rest.trim_start_matches("//");
    // Credentials end at the last `@` of the authority; the query may hold secrets.
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let location = rest.rsplit_once('@').map_or(rest, |(_, location)| location);
    match scheme(url) {
        "sqlite" if is_in_memory(url) => "SQLite (in memory)".to_owned(),
        "sqlite" => format!("SQLite ({location})"),
        "postgres" | "postgresql" => format!("PostgreSQL at {location}"),
        "mysql" | "mariadb" => format!("MySQL at {location}"),
        "redis" | "rediss" => format!("Redis at {location}"),
        other => format!("`{other}:`"),
    }
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
    }
}
