//! The setups of the SQL databases, one generic piece: narvik's store and
//! tower-sessions' on pools of their own, the floor's dedicated connections and
//! `SELECT`, and what the run leaves behind; each database says only what differs.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use narvik::SessionStore;
use narvik_benchmarks::{unique_name, Server, CONNECT_TIMEOUT};
use narvik_sqlx::sqlx;
use narvik_sqlx::{MySqlStore, PostgresStore, SqliteStore};

use super::{AppData, Fixture, Floor, SetupResult, SqlFloor, Teardown};

/// Connections of the floor: as many as the store pools may open, 10 by default.
async fn connect_floor<C: sqlx::Connection>(url: &str) -> SetupResult<Vec<C>> {
    let count = narvik_sqlx::pool_options::<C::Database>().get_max_connections();
    let mut connections = Vec::new();
    for _ in 0..count {
        let connection = tokio::time::timeout(CONNECT_TIMEOUT, C::connect(url))
            .await
            .map_err(|_| format!("no answer within {CONNECT_TIMEOUT:?}"))??;
        connections.push(connection);
    }
    Ok(connections)
}

/// What differs between the SQL databases' setups: the stores, the floor's
/// connection and `SELECT`, where the database is and what the run leaves there.
pub(crate) trait SqlSetup {
    /// narvik's store.
    type Store: SessionStore<Data = AppData> + narvik::UpdateSessionData + Clone;
    /// tower-sessions-sqlx-store's store.
    type Tower: tower_sessions_core::SessionStore;
    /// The floor's dedicated connection.
    type Connection: sqlx::Connection;
    /// The server measured.
    const SERVER: Server;

    /// The database's URL, for a run whose tables are named after `name`.
    fn url(_name: &str) -> String {
        Self::SERVER.url()
    }

    /// narvik's store at `url` over table `name`, migrated.
    async fn store(url: &str, name: &str) -> SetupResult<Self::Store>;

    /// tower-sessions' store at `url`, on a pool of its own, its table (or schema)
    /// named after `name`, migrated.
    async fn tower(url: &str, name: &str) -> SetupResult<Self::Tower>;

    /// The floor's `SELECT` of narvik's row from table `name`.
    fn select(name: &str) -> String;

    /// What to remove after the benchmarks of a run whose tables are named after
    /// `name`.
    fn teardown(name: &str) -> Teardown;
}

/// The fixture of a SQL database.
pub(crate) type SqlFixture<B> =
    Fixture<<B as SqlSetup>::Store, <B as SqlSetup>::Tower, SqlFloor<<B as SqlSetup>::Connection>>;

/// The three contenders on the SQL database of `B`, each with `sessions` sessions
/// stored, in tables of their own.
pub(crate) async fn setup_sql<B: SqlSetup>(
    sessions: usize,
) -> SetupResult<(SqlFixture<B>, Teardown)>
where
    SqlFloor<B::Connection>: Floor,
{
    let name = unique_name();
    let url = B::url(&name);
    // On a server the floor connects first: a server that does not answer is
    // skipped quickly. SQLite's file is there once narvik's store made it.
    let connected_first = match B::SERVER {
        Server::Sqlite => None,
        _ => Some(connect_floor::<B::Connection>(&url).await?),
    };
    let store = B::store(&url, &name).await?;
    let tower = B::tower(&url, &name).await?;
    let connections = match connected_first {
        Some(connections) => connections,
        None => connect_floor::<B::Connection>(&url).await?,
    };
    let select: Arc<str> = B::select(&name).into();
    let floor = connections
        .into_iter()
        .map(|connection| SqlFloor {
            connection,
            select: Arc::clone(&select),
        })
        .collect();
    let fixture = Fixture::populate(B::SERVER, store, tower, floor, sessions).await?;
    Ok((fixture, B::teardown(&name)))
}

/// SQLite: a database file in the temporary directory.
pub(crate) struct Sqlite;

impl Sqlite {
    /// The database file of a run whose tables are named `name`.
    fn path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("{name}.db"))
    }
}

impl SqlSetup for Sqlite {
    type Store = SqliteStore<AppData>;
    type Tower = tower_sessions_sqlx_store::SqliteStore;
    type Connection = sqlx::SqliteConnection;
    const SERVER: Server = Server::Sqlite;

    fn url(name: &str) -> String {
        format!("sqlite://{}", Self::path(name).display())
    }

    async fn store(url: &str, name: &str) -> SetupResult<Self::Store> {
        let store = SqliteStore::connect(url).await?.with_table_name(name)?;
        store.migrate().await?;
        Ok(store)
    }

    async fn tower(url: &str, name: &str) -> SetupResult<Self::Tower> {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
        let pool = sqlx::SqlitePool::connect_with(options).await?;
        let tower = tower_sessions_sqlx_store::SqliteStore::new(pool)
            .with_table_name(format!("{name}_tower"))?;
        tower.migrate().await?;
        Ok(tower)
    }

    fn select(name: &str) -> String {
        format!(r#"SELECT user_id, expires_at, data FROM "{name}" WHERE id = ?"#)
    }

    fn teardown(name: &str) -> Teardown {
        let path = Self::path(name);
        let files = ["", "-wal", "-shm"]
            .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
            .to_vec();
        Teardown {
            files,
            ..Teardown::default()
        }
    }
}

/// The [`SqlSetup`] of a database on a server, the same on each but for names:
/// the types, the pool tower-sessions' store connects, and the SQL (the floor's
/// `SELECT`, and the teardown's drops of narvik's table and tower-sessions' schema,
/// a database of its own on MySQL), each with `{name}` for the run's name.
macro_rules! server_sql_setup {
    (
        $Backend:ident {
            server: $server:ident,
            store: $Store:ident,
            tower: $Tower:ident,
            pool: $Pool:ident,
            connection: $Connection:ident,
            select: $select:literal,
            drop_table: $drop_table:literal,
            drop_schema: $drop_schema:literal $(,)?
        }
    ) => {
        impl SqlSetup for $Backend {
            type Store = $Store<AppData>;
            type Tower = tower_sessions_sqlx_store::$Tower;
            type Connection = sqlx::$Connection;
            const SERVER: Server = Server::$server;

            async fn store(url: &str, name: &str) -> SetupResult<Self::Store> {
                let store = $Store::connect(url).await?.with_table_name(name)?;
                store.migrate().await?;
                Ok(store)
            }

            async fn tower(url: &str, name: &str) -> SetupResult<Self::Tower> {
                let pool = sqlx::$Pool::connect(url).await?;
                let tower = tower_sessions_sqlx_store::$Tower::new(pool).with_schema_name(name)?;
                tower.migrate().await?;
                Ok(tower)
            }

            fn select(name: &str) -> String {
                format!($select, name = name)
            }

            fn teardown(name: &str) -> Teardown {
                Teardown {
                    statements: vec![
                        format!($drop_table, name = name),
                        format!($drop_schema, name = name),
                    ],
                    ..Teardown::default()
                }
            }
        }
    };
}

/// PostgreSQL.
pub(crate) struct Postgres;

server_sql_setup!(Postgres {
    server: Postgres,
    store: PostgresStore,
    tower: PostgresStore,
    pool: PgPool,
    connection: PgConnection,
    select: r#"SELECT user_id, expires_at, data FROM "{name}" WHERE id = $1"#,
    drop_table: r#"DROP TABLE IF EXISTS "{name}""#,
    drop_schema: r#"DROP SCHEMA IF EXISTS "{name}" CASCADE"#,
});

/// MySQL or MariaDB.
pub(crate) struct MySql;

server_sql_setup!(MySql {
    server: MySql,
    store: MySqlStore,
    tower: MySqlStore,
    pool: MySqlPool,
    connection: MySqlConnection,
    select: "SELECT user_id, expires_at, data FROM `{name}` WHERE id = ?",
    drop_table: "DROP TABLE IF EXISTS `{name}`",
    drop_schema: "DROP DATABASE IF EXISTS `{name}`",
});
