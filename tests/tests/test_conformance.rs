//! The store conformance suite of `narvik::testing`, run against every store this
//! workspace ships, against callback stores over JSON rows, and against stores
//! behind `Arc` and `Box`, trait objects included.

use std::future::Future;
use std::sync::Arc;

use narvik::testing::{self, TestData};
use narvik::{
    DeleteAllSessions, DeleteExpiredSessions, DeleteOtherUserSessions, DeleteUserSessions,
    FetchUserSessions, LimitUserSessions, MemoryStore, RotateSessions,
};
use narvik::{Narvik, SessionStore};
use narvik_tests::{create, delete_expired, delete_sessions_of, sessions_of, validate, JsonRows};

/// A store with the original's three optional operations, as one trait an app
/// can box.
trait FullStore: FetchUserSessions + DeleteUserSessions + DeleteExpiredSessions {}

impl<S: FetchUserSessions + DeleteUserSessions + DeleteExpiredSessions> FullStore for S {}

/// A store with every optional operation a [`CallbackStore`](narvik::CallbackStore)
/// can have: all but the session limit.
trait CallbackCapabilities:
    FullStore + RotateSessions + DeleteOtherUserSessions + DeleteAllSessions
{
}

impl<S: FullStore + RotateSessions + DeleteOtherUserSessions + DeleteAllSessions>
    CallbackCapabilities for S
{
}

/// A store with every optional operation, as `run_conformance` requires.
trait EveryCapability: CallbackCapabilities + LimitUserSessions {}

impl<S: CallbackCapabilities + LimitUserSessions> EveryCapability for S {}

/// Every part of the suite but the session limit, which a `CallbackStore` cannot
/// have: what `run_conformance` runs otherwise.
async fn run_all_but_the_limit<S, F, Fut>(mut make_store: F)
where
    S: SessionStore<Data = TestData> + CallbackCapabilities + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    testing::run_required_conformance(&mut make_store).await;
    testing::run_fetch_user_sessions_conformance(&mut make_store).await;
    testing::run_delete_user_sessions_conformance(&mut make_store).await;
    testing::run_delete_expired_conformance(&mut make_store).await;
    testing::run_rotate_conformance(&mut make_store).await;
    testing::run_delete_other_conformance(&mut make_store).await;
    testing::run_delete_all_conformance(&mut make_store).await;
    testing::rotated_session_is_listed_and_ended_with_its_user(make_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    testing::run_conformance(|| async { MemoryStore::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_updates_data_without_losing_a_write() {
    testing::run_update_data_conformance(|| async { MemoryStore::new() }).await;
    // `Arc<S>` forwards the update too.
    testing::run_update_data_conformance(|| async { Arc::new(MemoryStore::new()) }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callback_store_with_every_callback_passes_all_but_the_limit() {
    run_all_but_the_limit(|| async { JsonRows::new().store() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callback_store_with_required_callbacks_passes_the_required_part() {
    testing::run_required_conformance(|| async { JsonRows::new().required_store() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shared_store_behind_arc_passes_the_conformance_suite() {
    // `Arc<S>` forwards the optional operations too.
    testing::run_conformance(|| async { Arc::new(MemoryStore::new()) }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn boxed_stores_pass_the_conformance_suite() {
    testing::run_conformance(|| async { Box::new(MemoryStore::new()) }).await;
    run_all_but_the_limit(|| async { Box::new(JsonRows::new().store()) }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_as_a_session_store_trait_object_passes_the_required_part() {
    testing::run_required_conformance(|| async {
        Box::new(MemoryStore::new()) as Box<dyn SessionStore<Data = TestData>>
    })
    .await;
    testing::run_required_conformance(|| async {
        Arc::new(JsonRows::new().required_store()) as Arc<dyn SessionStore<Data = TestData>>
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_as_a_trait_object_of_every_capability_passes_the_conformance_suite() {
    testing::run_conformance(|| async {
        Box::new(MemoryStore::new()) as Box<dyn EveryCapability<Data = TestData>>
    })
    .await;
    // One trait object type, whichever store is inside.
    for use_rows in [false, true] {
        run_all_but_the_limit(|| async move {
            let store: Box<dyn CallbackCapabilities<Data = TestData>> = if use_rows {
                Box::new(JsonRows::new().store())
            } else {
                Box::new(MemoryStore::new())
            };
            store
        })
        .await;
    }
}

#[tokio::test]
async fn narvik_over_a_boxed_trait_object_chooses_its_store_at_run_time() {
    for use_rows in [false, true] {
        let store: Box<dyn FullStore<Data = ()>> = if use_rows {
            Box::new(JsonRows::new().store())
        } else {
            Box::new(MemoryStore::new())
        };
        let narvik: Narvik<Box<dyn FullStore<Data = ()>>> = Narvik::new(store);
        let created = create(&narvik, "123", ()).await;
        assert!(validate(&narvik, &created.token).await.is_some());
        let listed = sessions_of(&narvik, "123").await;
        assert_eq!(listed, std::slice::from_ref(&created.session));
        delete_sessions_of(&narvik, "123").await;
        assert!(validate(&narvik, &created.token).await.is_none());
        delete_expired(&narvik).await;
    }
}

#[tokio::test]
async fn narvik_over_an_arc_shares_the_store_with_the_app() {
    let store = Arc::new(MemoryStore::<()>::new());
    let narvik = Narvik::new(Arc::clone(&store));
    let created = create(&narvik, "123", ()).await;
    assert_eq!(store.len(), 1, "the app's handle sees the session");
    assert_eq!(
        sessions_of(&narvik, "123").await,
        std::slice::from_ref(&created.session)
    );
    delete_sessions_of(&narvik, "123").await;
    assert!(store.is_empty());
    delete_expired(&narvik).await;
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

/// Stores with a flaw in `update_session_expiry` that the suite must catch.
mod broken {
    use narvik::testing::TestData;
    use narvik::{
        async_trait, MemoryStore, Result, Session, SessionId, SessionStore, SessionTimes,
    };
    use time::OffsetDateTime;

    pub(crate) enum Flaw {
        /// The expiry update is lost.
        ForgetsExtensions,
        /// The update inserts when the session is gone, resurrecting it.
        Resurrects,
    }

    /// A [`MemoryStore`] but for its flaw.
    pub(crate) struct Flawed(pub(crate) Flaw, pub(crate) MemoryStore<TestData>);

    #[async_trait]
    impl SessionStore for Flawed {
        type Data = TestData;

        async fn save_session(&self, session: &mut Session<TestData>) -> Result<()> {
            self.1.save_session(session).await
        }

        async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<TestData>>> {
            self.1.fetch_session(session_id).await
        }

        async fn update_session_expiry(
            &self,
            session_id: &SessionId,
            expires_at: OffsetDateTime,
        ) -> Result<()> {
            match self.0 {
                Flaw::ForgetsExtensions => Ok(()),
                Flaw::Resurrects => {
                    let times = SessionTimes::issued(expires_at, expires_at);
                    let mut session = Session::new(*session_id, "?", times, TestData::default());
                    self.1.save_session(&mut session).await
                }
            }
        }

        async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
            self.1.delete_session(session_id).await
        }
    }
}

#[tokio::test]
#[should_panic(expected = "update_session_expiry did not store the new expiry")]
async fn conformance_suite_catches_a_store_that_forgets_extensions() {
    let store = broken::Flawed(broken::Flaw::ForgetsExtensions, MemoryStore::new());
    testing::validate_extends_session_with_less_than_half_left(store).await;
}

#[tokio::test]
#[should_panic(expected = "update_session_expiry inserted a session that did not exist")]
async fn conformance_suite_catches_a_store_that_resurrects_sessions() {
    let store = broken::Flawed(broken::Flaw::Resurrects, MemoryStore::new());
    testing::update_session_expiry_never_inserts(store).await;
}

#[tokio::test]
#[should_panic(expected = "extend_session brought a deleted session back")]
async fn conformance_suite_catches_an_extension_that_resurrects_sessions() {
    // `extend_session` is the default here, which calls the flawed
    // `update_session_expiry`.
    let store = broken::Flawed(broken::Flaw::Resurrects, MemoryStore::new());
    testing::extend_session_never_inserts(store).await;
}
