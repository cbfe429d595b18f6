//! The store conformance suite of `narvik::testing`, run against every store this
//! workspace ships and against callback stores over JSON rows.

use std::sync::Arc;

use narvik::testing;
use narvik::MemoryStore;
use narvik_tests::JsonRows;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    testing::run_conformance(|| async { MemoryStore::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callback_store_with_every_callback_passes_the_conformance_suite() {
    testing::run_conformance(|| async { JsonRows::new().store() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callback_store_with_required_callbacks_passes_the_required_part() {
    testing::run_required_conformance(|| async { JsonRows::new().required_store() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shared_store_behind_arc_passes_the_required_part() {
    testing::run_required_conformance(|| async { Arc::new(MemoryStore::new()) }).await;
}

#[tokio::test(flavor = "current_thread")]
async fn conformance_suite_runs_on_a_single_threaded_runtime() {
    testing::run_conformance(|| async { MemoryStore::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_factory_is_called_once_per_check() {
    let mut stores_made = 0;
    testing::run_conformance(|| {
        stores_made += 1;
        async { MemoryStore::new() }
    })
    .await;
    assert!(
        stores_made >= 20,
        "every check gets a fresh store, but only {stores_made} were made"
    );
}

/// A store that loses the expiry update: the suite must catch it.
mod broken {
    use narvik::testing::TestData;
    use narvik::{async_trait, MemoryStore, Result, Session, SessionStore};
    use time::OffsetDateTime;

    pub(crate) struct ForgetsExtensions(pub(crate) MemoryStore<TestData>);

    #[async_trait]
    impl SessionStore<TestData> for ForgetsExtensions {
        async fn save_session(&self, session: &mut Session<TestData>) -> Result<()> {
            self.0.save_session(session).await
        }

        async fn fetch_session(&self, session_id: &str) -> Result<Option<Session<TestData>>> {
            self.0.fetch_session(session_id).await
        }

        async fn update_session_expiry(&self, _: &str, _: OffsetDateTime) -> Result<()> {
            Ok(())
        }

        async fn delete_session(&self, session_id: &str) -> Result<()> {
            self.0.delete_session(session_id).await
        }
    }

    /// Resurrects sessions: `update_session_expiry` inserts when the session is gone.
    pub(crate) struct Resurrects(pub(crate) MemoryStore<TestData>);

    #[async_trait]
    impl SessionStore<TestData> for Resurrects {
        async fn save_session(&self, session: &mut Session<TestData>) -> Result<()> {
            self.0.save_session(session).await
        }

        async fn fetch_session(&self, session_id: &str) -> Result<Option<Session<TestData>>> {
            self.0.fetch_session(session_id).await
        }

        async fn update_session_expiry(
            &self,
            session_id: &str,
            expires_at: OffsetDateTime,
        ) -> Result<()> {
            let mut session = Session::new(session_id, "?", expires_at, TestData::default());
            self.0.save_session(&mut session).await
        }

        async fn delete_session(&self, session_id: &str) -> Result<()> {
            self.0.delete_session(session_id).await
        }
    }
}

#[tokio::test]
#[should_panic(expected = "update_session_expiry did not store the new expiry")]
async fn conformance_suite_catches_a_store_that_forgets_extensions() {
    testing::validate_extends_session_with_less_than_half_left(broken::ForgetsExtensions(
        MemoryStore::new(),
    ))
    .await;
}

#[tokio::test]
#[should_panic(expected = "update_session_expiry inserted a session that did not exist")]
async fn conformance_suite_catches_a_store_that_resurrects_sessions() {
    testing::update_session_expiry_never_inserts(broken::Resurrects(MemoryStore::new())).await;
}
