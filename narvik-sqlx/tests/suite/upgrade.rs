//! `migrate` on a table made by narvik-sqlx 0.1, which kept no time stamps but
//! `expires_at`: it adds them in place, and the sessions stored the 0.1 way keep
//! working, with the stamps the crate docs promise.

use std::sync::Arc;

use narvik::testing::TestData;
use narvik::{ManualClock, Narvik, SessionStore, SessionToken, UNKNOWN_TIME};
use time::{Duration, OffsetDateTime};
use tokio::sync::Barrier;

use crate::fixture::{SqlDb, SqlFixture, SESSION_LENGTH};

/// The data as 0.1 wrote it for [`TestData`].
const DATA_OF_0_1: &str = r#"{"username":"ada","display":null,"created_at":null,"visits":3,"profile":{"locale":"nb","tags":[],"theme":null}}"#;

/// How far the database's clock may be from the test's (one machine: a rounding
/// at most).
const CLOCK_SLACK: Duration = Duration::SECOND;

/// Migrations of one table at once, as application servers starting together run.
const MIGRATIONS_AT_ONCE: usize = 4;

/// Sessions stored in a table of 0.1 the 0.1 way (a plain `INSERT` of id, user,
/// expiry and data) are valid after `migrate`: issued at the migration (the
/// absolute lifetime counts from the upgrade), their last proof of a credential
/// unknown (the epoch: "sudo mode" asks again). Listing reads the same stamps;
/// `migrate` again changes nothing; the table has the columns of a new one.
pub(crate) async fn migrate_upgrades_a_table_of_0_1_in_place<F: SqlFixture>(db: &SqlDb<F>) {
    let table = db.table_of_0_1().await;
    let now = micros(OffsetDateTime::now_utc());
    let ada = SessionToken::generate();
    let bob = SessionToken::generate();
    for (token, user_id) in [(&ada, "ada"), (&bob, "bob")] {
        let id = token.session_id();
        db.plant_into(
            &table,
            id.as_str(),
            user_id,
            now + SESSION_LENGTH,
            DATA_OF_0_1,
        )
        .await;
    }

    let before = OffsetDateTime::now_utc();
    let store = db.store_on_table(&table).await;
    let after = OffsetDateTime::now_utc();
    assert_eq!(
        F::column_names(&db.admin, &table).await,
        F::column_names(&db.admin, &db.table).await,
        "an upgraded table has the columns of a new one, in the same order"
    );

    let lifetime = Duration::days(1);
    let (narvik, clock) = narvik_at(store.clone(), now, lifetime);
    let session = narvik
        .validate_session(ada.as_str())
        .await
        .expect("validate_session")
        .expect("a session of 0.1 is valid after the upgrade");
    assert_eq!(session.user_id, "ada");
    assert_eq!(session.data.username, "ada");
    assert_eq!(session.data.visits, 3);
    assert_eq!(session.expires_at, now + SESSION_LENGTH);
    assert_eq!(session.authenticated_at, UNKNOWN_TIME);
    assert!(!session.authenticated_within(Duration::minutes(5)));
    assert_within(
        session.issued_at,
        before,
        after,
        "issued_at of a session of 0.1",
    );
    let issued_at = session.issued_at;

    let listed = narvik
        .fetch_sessions_for_user("bob")
        .await
        .expect("fetch_sessions_for_user");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].issued_at, issued_at, "every row got one time");
    assert_eq!(listed[0].authenticated_at, UNKNOWN_TIME);

    store.migrate().await.expect("migrate again");
    let again = fetch(&store, &ada).await.expect("still stored");
    assert_eq!(
        again.issued_at, issued_at,
        "a second migrate changes nothing"
    );

    // The absolute deadline counts from the upgrade.
    clock.set(issued_at + lifetime - Duration::SECOND);
    assert!(narvik
        .validate_session(ada.as_str())
        .await
        .expect("validate_session")
        .is_some());
    clock.set(issued_at + lifetime);
    assert!(narvik
        .validate_session(ada.as_str())
        .await
        .expect("validate_session")
        .is_none());
    assert!(
        fetch(&store, &ada).await.is_none(),
        "deleted at the deadline"
    );
}

/// During a rolling upgrade, instances of 0.1 still write sessions without the
/// new columns: the columns' defaults fill them in, the proof unknown and the
/// issue no earlier than the upgrade.
pub(crate) async fn rows_written_the_0_1_way_after_the_upgrade_get_defaults<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let table = db.table_of_0_1().await;
    let before = OffsetDateTime::now_utc();
    let store = db.store_on_table(&table).await;
    let upgraded = db.store().await;
    for (table, store) in [(table.as_str(), &store), (db.table.as_str(), &upgraded)] {
        let token = SessionToken::generate();
        let expires_at = micros(OffsetDateTime::now_utc()) + SESSION_LENGTH;
        let id = token.session_id();
        db.plant_into(table, id.as_str(), "ada", expires_at, DATA_OF_0_1)
            .await;
        let after = OffsetDateTime::now_utc();
        let session = fetch(store, &token).await.expect("stored");
        assert_eq!(session.authenticated_at, UNKNOWN_TIME, "{table}");
        assert_within(session.issued_at, before, after, "issued_at by default");
        assert_eq!(session.expires_at, expires_at);
    }
}

/// A session of 0.1 starts at data version 0 after the upgrade: a data update
/// from that version writes version 1, one from the stale version 0 then is a
/// conflict, and a rotation keeps the version.
pub(crate) async fn sessions_of_0_1_start_at_data_version_0_and_update<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let table = db.table_of_0_1().await;
    let token = SessionToken::generate();
    let expires_at = micros(OffsetDateTime::now_utc()) + SESSION_LENGTH;
    db.plant_into(
        &table,
        token.session_id().as_str(),
        "ada",
        expires_at,
        DATA_OF_0_1,
    )
    .await;
    let store = db.store_on_table(&table).await;
    let (narvik, _clock) = narvik_at(store.clone(), OffsetDateTime::now_utc(), Duration::DAY);

    let session = fetch(&store, &token).await.expect("the session of 0.1");
    assert_eq!(
        session.data_version(),
        0,
        "a session of 0.1 is at version 0"
    );
    let mut changed = session.data.clone();
    changed.visits = 4;
    let updated = narvik
        .update_session_data(&session, changed.clone())
        .await
        .expect("update_session_data")
        .expect("the session is stored");
    assert_eq!(updated.data_version(), 1);
    let stored = fetch(&store, &token).await.expect("still stored");
    assert_eq!(stored.data.visits, 4);
    assert_eq!(stored.data_version(), 1);
    assert_eq!(stored.expires_at, expires_at, "the expiry is untouched");

    let stale = narvik.update_session_data(&session, changed).await;
    assert!(
        matches!(stale, Err(narvik::Error::Conflict)),
        "an update from version 0 after version 1: {stale:?}"
    );

    let rotated = narvik
        .rotate_session(&session.id)
        .await
        .expect("rotate_session")
        .expect("rotated");
    assert_eq!(rotated.session.data_version(), 1, "a rotation keeps it");
    let moved = fetch(&store, &rotated.token).await.expect("moved");
    assert_eq!(moved.data_version(), 1);
}

/// Application servers that start together migrate a table of 0.1, or one not
/// there yet, at once: every migration succeeds and the table ends up whole.
pub(crate) async fn migrations_at_once_all_succeed<F: SqlFixture>(db: &SqlDb<F>) {
    let old = db.table_of_0_1().await;
    let token = SessionToken::generate();
    let expires_at = micros(OffsetDateTime::now_utc()) + SESSION_LENGTH;
    let id = token.session_id();
    db.plant_into(&old, id.as_str(), "ada", expires_at, DATA_OF_0_1)
        .await;
    let new = narvik_tests::servers::unique_name(F::TABLE_PREFIX);
    for table in [old.clone(), new] {
        let mut stores = Vec::new();
        for _ in 0..MIGRATIONS_AT_ONCE {
            stores.push(db.unmigrated_store_on(table.clone()).await);
        }
        let start = Arc::new(Barrier::new(MIGRATIONS_AT_ONCE));
        let migrations: Vec<_> = stores
            .iter()
            .cloned()
            .map(|store| {
                let start = Arc::clone(&start);
                tokio::spawn(async move {
                    start.wait().await;
                    store.migrate().await
                })
            })
            .collect();
        for migration in migrations {
            let migrated = migration.await.expect("the migration ran");
            if let Err(error) = migrated {
                panic!("a migration at once with others failed on {table}: {error:?}");
            }
        }
        assert_eq!(
            F::column_names(&db.admin, &table).await,
            F::column_names(&db.admin, &db.table).await,
        );
        assert_eq!(
            F::index_names(&db.admin, &table).await.len(),
            2,
            "{table} has its two indexes, once"
        );
        let (narvik, _clock) =
            narvik_at(stores[0].clone(), OffsetDateTime::now_utc(), Duration::DAY);
        let created = narvik
            .create_session("bob", TestData::named("bob"))
            .await
            .expect("create_session on the migrated table");
        let listed = narvik
            .fetch_sessions_for_user("bob")
            .await
            .expect("fetch_sessions_for_user");
        assert_eq!(listed, vec![created.session]);
    }
    let store = db.store_on_table(&old).await;
    let session = fetch(&store, &token).await.expect("the session of 0.1");
    assert_eq!(session.authenticated_at, UNKNOWN_TIME);
}

/// A Narvik over `store` with an absolute lifetime, on a manual clock at `now`.
fn narvik_at<S: SessionStore>(
    store: S,
    now: OffsetDateTime,
    absolute_lifetime: Duration,
) -> (Narvik<S>, ManualClock) {
    let clock = ManualClock::new(now);
    let narvik = Narvik::builder(store)
        .clock(clock.clone())
        .absolute_lifetime(absolute_lifetime)
        .build()
        .expect("valid settings");
    (narvik, clock)
}

/// The stored session of `token`, read by the store itself.
async fn fetch<S: SessionStore<Data = TestData>>(
    store: &S,
    token: &SessionToken,
) -> Option<narvik::Session<TestData>> {
    store
        .fetch_session(&token.session_id())
        .await
        .expect("fetch_session")
}

/// Asserts that `at` lies between `from` and `to`, give or take [`CLOCK_SLACK`].
fn assert_within(at: OffsetDateTime, from: OffsetDateTime, to: OffsetDateTime, what: &str) {
    assert!(
        from - CLOCK_SLACK <= at && at <= to + CLOCK_SLACK,
        "{what}: {at} is not between {from} and {to}"
    );
}

/// `at` cut to whole microseconds, as every backend keeps it.
fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .expect("a smaller nanosecond is in range")
}
