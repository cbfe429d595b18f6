//! `MySqlStore` against a real MySQL or MariaDB (`NARVIK_TEST_MYSQL_URL`, default
//! `mysql://root@127.0.0.1:3306/test`): the checks of every SQL store, round trips
//! on the wire and outages, and the columns of its table.

use narvik_sqlx::sqlx;
use narvik_sqlx::sqlx::mysql::MySqlPool;
use narvik_sqlx::sqlx::pool::PoolOptions;

use crate::fixture::{self, ConnectionIds, PoolConnection, Row, ServerFixture, SqlDb, SqlFixture};

/// MySQL or MariaDB, for the checks.
struct MySql;

impl SqlFixture for MySql {
    type Backend = narvik_sqlx::MySql;

    const TABLE_PREFIX: &'static str = "narvik_my";

    async fn url() -> Option<String> {
        fixture::url_of_server(
            "MySQL",
            "NARVIK_TEST_MYSQL_URL",
            "mysql://root@127.0.0.1:3306/test",
        )
        .await
    }

    async fn plant(pool: &MySqlPool, table: &str, row: Row<'_>) {
        let statement =
            format!("INSERT INTO `{table}` (id, user_id, expires_at, data) VALUES (?, ?, ?, ?)");
        sqlx::query(&statement)
            .bind(row.session_id)
            .bind(row.user_id)
            .bind(row.expires_at)
            .bind(row.data)
            .execute(pool)
            .await
            .expect("plant a row");
    }

    async fn create_table_of_0_1(pool: &MySqlPool, table: &str) {
        // narvik-sqlx 0.1's `migrate`, as released.
        let statement = format!(
            "CREATE TABLE IF NOT EXISTS `{table}` (id VARBINARY(255) NOT NULL, \
             user_id VARBINARY(255) NOT NULL, expires_at DATETIME(6) NOT NULL, \
             data JSON NOT NULL, PRIMARY KEY (id), KEY `{table}_user_id_idx` (user_id), \
             KEY `{table}_expires_at_idx` (expires_at))"
        );
        sqlx::query(&statement)
            .execute(pool)
            .await
            .expect("create the table of 0.1");
    }

    async fn column_names(pool: &MySqlPool, table: &str) -> Vec<String> {
        columns(pool, table)
            .await
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    async fn index_names(pool: &MySqlPool, table: &str) -> Vec<String> {
        let select = "DISTINCT CAST(index_name AS CHAR)";
        statistics(pool, table, select, "index_name <> 'PRIMARY'").await
    }

    async fn primary_key(pool: &MySqlPool, table: &str) -> Vec<String> {
        let select = "CAST(column_name AS CHAR)";
        statistics(pool, table, select, "index_name = 'PRIMARY'").await
    }

    async fn drop_table(pool: &MySqlPool, table: &str) {
        sqlx::query(&format!("DROP TABLE IF EXISTS `{table}`"))
            .execute(pool)
            .await
            .expect("drop a test table");
    }
}

/// `select` (text) of `table`'s rows in `information_schema.statistics` that match
/// `condition`.
async fn statistics(pool: &MySqlPool, table: &str, select: &str, condition: &str) -> Vec<String> {
    let statement = format!(
        "SELECT {select} FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = ? AND {condition} ORDER BY 1"
    );
    sqlx::query_scalar(&statement)
        .bind(table)
        .fetch_all(pool)
        .await
        .expect("read the indexes")
}

impl ServerFixture for MySql {
    fn recording_connection_ids(ids: ConnectionIds) -> PoolOptions<sqlx::MySql> {
        narvik_sqlx::pool_options().after_connect(move |connection, _| {
            let ids = ConnectionIds::clone(&ids);
            Box::pin(async move {
                let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
                    .fetch_one(connection)
                    .await?;
                ids.lock().expect("not poisoned").push(id);
                Ok(())
            })
        })
    }

    async fn end_connections(pool: &MySqlPool, ids: &[u64]) {
        for id in ids {
            // KILL takes no placeholder; `id` is a number.
            let killed = sqlx::query(&format!("KILL CONNECTION {id}"))
                .execute(pool)
                .await;
            match killed {
                Ok(_) => {}
                // Gone already: the store closed it, on the failure of one
                // killed before.
                Err(sqlx::Error::Database(error))
                    if error
                        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                        .is_some_and(|error| error.number() == UNKNOWN_THREAD) => {}
                Err(error) => panic!("kill one of the store's connections: {error:?}"),
            }
        }
        let open = format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN ({})",
            listed(ids)
        );
        let open = &open;
        fixture::wait_until("MySQL to end the connections", || async move {
            count(pool, open).await == 0
        })
        .await;
    }

    async fn lock_table(connection: &mut PoolConnection<Self>, table: &str) {
        sqlx::query(&format!("LOCK TABLES `{table}` WRITE"))
            .execute(&mut **connection)
            .await
            .expect("lock the table");
    }

    async fn unlock_table(connection: &mut PoolConnection<Self>) {
        sqlx::query("UNLOCK TABLES")
            .execute(&mut **connection)
            .await
            .expect("unlock the table");
    }

    const ROTATION_ROUND_TRIPS: u64 = 2;

    async fn hold_user_lock(connection: &mut PoolConnection<Self>, table: &str, user_id: &str) {
        let taken: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT GET_LOCK(SHA2(CONCAT(DATABASE(), '.{table}:', ?), 256), 0)"
        ))
        .bind(user_id)
        .fetch_one(&mut **connection)
        .await
        .expect("take the user's lock");
        assert_eq!(taken, Some(1), "the user's lock was free");
    }

    async fn release_user_lock(connection: &mut PoolConnection<Self>, table: &str, user_id: &str) {
        sqlx::query(&format!(
            "SELECT RELEASE_LOCK(SHA2(CONCAT(DATABASE(), '.{table}:', ?), 256))"
        ))
        .bind(user_id)
        .execute(&mut **connection)
        .await
        .expect("let go of the user's lock");
    }

    async fn wait_for_lock_waiter(pool: &MySqlPool, ids: &[u64]) {
        let waiting = format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE ID IN ({}) AND STATE LIKE 'Waiting for table%lock'",
            listed(ids)
        );
        let waiting = &waiting;
        fixture::wait_until("a query to wait for the lock", || async move {
            count(pool, waiting).await > 0
        })
        .await;
    }
}

/// ER_NO_SUCH_THREAD: `KILL` of a connection that is not there.
const UNKNOWN_THREAD: u16 = 1094;

/// What `statement`, a `SELECT COUNT(*)`, counts.
async fn count(pool: &MySqlPool, statement: &str) -> i64 {
    sqlx::query_scalar(statement)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|error| panic!("{statement}: {error}"))
}

/// `ids` as SQL text: `1, 2, 3`.
fn listed(ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    ids.join(", ")
}

fixture::sql_store_tests!(MySql, on_a_server);

/// Ids are bytes, the time stamps `DATETIME(6)`, the data JSON (`longtext` with
/// a `JSON_VALID` check on MariaDB); the columns added since 0.1 come last, where
/// the upgrade of a table of 0.1 adds them.
#[tokio::test]
async fn columns_are_bytes_datetime_and_json() {
    let Some(db) = SqlDb::<MySql>::open().await else {
        return;
    };
    let columns = columns(&db.admin, &db.table).await;
    let columns: Vec<(&str, &str)> = columns
        .iter()
        .map(|(name, kind)| (name.as_str(), kind.as_str()))
        .collect();
    assert_eq!(
        columns[..3],
        [
            ("id", "varbinary(255)"),
            ("user_id", "varbinary(255)"),
            ("expires_at", "datetime(6)"),
        ]
    );
    assert_eq!(columns[3].0, "data");
    assert!(
        ["json", "longtext"].contains(&columns[3].1),
        "data is {}",
        columns[3].1
    );
    assert_eq!(
        columns[4..6],
        [
            ("issued_at", "datetime(6)"),
            ("authenticated_at", "datetime(6)")
        ]
    );
    // MariaDB and MySQL before 8.0.19 show a display width.
    assert_eq!(columns[6].0, "data_version");
    assert!(
        ["bigint", "bigint(20)"].contains(&columns[6].1),
        "data_version is {}",
        columns[6].1
    );
    assert_eq!(columns.len(), 7);
    db.close().await;
}

/// The columns of `table` and their types, in order.
async fn columns(pool: &MySqlPool, table: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT CAST(column_name AS CHAR), CAST(column_type AS CHAR) \
         FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .expect("read the columns")
}

/// On a server that is not in strict mode, where MySQL cuts a value too long for
/// its column without a word, a user id of the longest length (multi-byte
/// characters included) is kept whole, listing and signing out everywhere find
/// it, and a longer one is refused, not cut: by narvik, and by the store itself
/// for code that calls it directly.
#[tokio::test]
async fn user_ids_are_never_cut_on_a_server_without_strict_mode() {
    use narvik::testing::TestData;
    use narvik::{Session, SessionStore, SessionTimes, SessionToken, MAX_USER_ID_LEN};
    use narvik_tests::{create, delete_sessions_of, narvik_over, sessions_of, validate, START};

    let Some(db) = SqlDb::<MySql>::open().await else {
        return;
    };
    let not_strict = narvik_sqlx::pool_options().after_connect(|connection, _| {
        Box::pin(async move {
            sqlx::query("SET SESSION sql_mode = ''")
                .execute(connection)
                .await
                .map(|_| ())
        })
    });
    let store = db
        .store_with(&db.upstream(), not_strict)
        .await
        .expect("connect");
    let (narvik, _clock) = narvik_over(store);

    let longest = format!("{}{}", "ü".repeat(100), "u".repeat(MAX_USER_ID_LEN - 200));
    assert_eq!(longest.len(), MAX_USER_ID_LEN);
    let created = create(&narvik, &longest, TestData::named("ada")).await;
    let session = validate(&narvik, &created.token).await.expect("valid");
    assert_eq!(session.user_id, longest);
    let listed = sessions_of(&narvik, &longest).await;
    assert_eq!(listed.len(), 1, "listing finds the session");
    assert_eq!(listed[0].user_id, longest);

    let too_long = format!("{longest}ü");
    match narvik
        .create_session(too_long.as_str(), TestData::named("bob"))
        .await
    {
        Err(narvik::Error::UserIdTooLong { length }) => {
            assert_eq!(length, MAX_USER_ID_LEN + 2);
        }
        other => panic!("a longer user id must be refused, got {other:?}"),
    }
    let session_id = SessionToken::generate().session_id();
    let times = SessionTimes::issued(START, START);
    let mut direct = Session::new(session_id, too_long, times, TestData::named("bob"));
    match narvik.store().save_session(&mut direct).await {
        Err(narvik::Error::UserIdTooLong { length }) => {
            assert_eq!(length, MAX_USER_ID_LEN + 2);
        }
        other => panic!("the store must refuse a longer user id, got {other:?}"),
    }
    let cut = sessions_of(&narvik, &longest).await;
    assert_eq!(cut.len(), 1, "nothing was stored under the id cut short");

    delete_sessions_of(&narvik, &longest).await;
    assert!(validate(&narvik, &created.token).await.is_none());
    assert!(sessions_of(&narvik, &longest).await.is_empty());
    db.close().await;
}
