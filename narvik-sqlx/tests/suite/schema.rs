//! The table `migrate` creates: its indexes and primary key, and running it again.

use narvik::testing::TestData;
use narvik_tests::{create, narvik_over, validate};

use crate::fixture::{SqlDb, SqlFixture};

/// `migrate` again, on a table that has sessions, changes nothing.
pub(crate) async fn migrate_is_idempotent_and_keeps_sessions<F: SqlFixture>(db: &SqlDb<F>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    let indexes = F::index_names(&db.admin, &db.table).await;
    // The fixture migrated already; twice more, by two stores.
    for store in [narvik.store().clone(), db.store().await] {
        store.migrate().await.expect("migrate again");
    }
    assert_eq!(F::index_names(&db.admin, &db.table).await, indexes);
    let session = validate(&narvik, &created.token).await;
    assert_eq!(session, Some(created.session));
}

/// The table has its primary key on `id`, and an index each on `user_id` and on
/// `expires_at`, named after the table.
pub(crate) async fn migrate_creates_indexes_on_user_id_and_expires_at<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let names = F::index_names(&db.admin, &db.table).await;
    let table = &db.table;
    for wanted in [
        format!("{table}_user_id_idx"),
        format!("{table}_expires_at_idx"),
    ] {
        assert!(
            names.contains(&wanted),
            "index {wanted} missing; the table has {names:?}"
        );
    }
    assert_eq!(F::primary_key(&db.admin, &db.table).await, ["id"]);
}
