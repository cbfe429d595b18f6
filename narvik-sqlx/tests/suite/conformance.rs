//! The conformance suite of `narvik::testing`.

use narvik::testing;

use crate::fixture::{SqlDb, SqlFixture};

/// The conformance suite of `narvik::testing`, each check on a new table.
pub(crate) async fn store_passes_conformance_suite<F: SqlFixture>(db: &SqlDb<F>) {
    testing::run_conformance(|| db.store_on_new_table()).await;
}

/// The checks of `UpdateSessionData` in `narvik::testing`, each on a new table.
pub(crate) async fn store_passes_update_data_conformance<F: SqlFixture>(db: &SqlDb<F>) {
    testing::run_update_data_conformance(|| db.store_on_new_table()).await;
}
