//! Checks of [`DeleteAllSessions`]: an administrator ends every session.

use super::helpers::{assert_gone, create, create_sessions, narvik_over, ok, validate};
use super::TestData;
use crate::store::DeleteAllSessions;
use crate::SessionStore;

/// `delete_all_sessions` ends every session of every user, on an empty store it
/// is no error, and users can sign in again afterwards.
pub async fn delete_all_sessions_ends_every_users_sessions<S>(store: S)
where
    S: SessionStore<Data = TestData> + DeleteAllSessions + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    ok(
        narvik.delete_all_sessions().await,
        "delete_all_sessions on an empty store",
    );
    let mut created = create_sessions(&narvik, "alice", 3).await;
    created.extend(create_sessions(&narvik, "bob", 2).await);
    created.push(create(&narvik, "carol", TestData::full()).await);
    created.push(create(&narvik, "ünïcödé 🦀", TestData::full()).await);

    ok(narvik.delete_all_sessions().await, "delete_all_sessions");
    for session in &created {
        assert_gone(&narvik, session, "a session after delete_all_sessions").await;
    }

    let again = create(&narvik, "alice", TestData::named("alice")).await;
    validate(&narvik, &again.token).await;
    ok(
        narvik.delete_all_sessions().await,
        "delete_all_sessions a second time",
    );
    assert_gone(
        &narvik,
        &again,
        "a session after a second delete_all_sessions",
    )
    .await;
}
