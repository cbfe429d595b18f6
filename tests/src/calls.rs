//! The calls of [`Narvik`] the tests make again and again, each failing the test
//! when it returns an error: what they return is what the test checks.

use narvik::{
    CreatedSession, DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions, Narvik, Session,
    SessionId, SessionStore, SessionToken,
};

/// The value of `result`, or a panic naming the `operation` that failed.
#[track_caller]
fn ok<T>(result: narvik::Result<T>, operation: &str) -> T {
    result.unwrap_or_else(|error| panic!("{operation}: {error:?}"))
}

/// A new session of `user_id` carrying `data`.
pub async fn create<S: SessionStore>(
    narvik: &Narvik<S>,
    user_id: &str,
    data: S::Data,
) -> CreatedSession<S::Data> {
    let created = narvik.create_session(user_id, data).await;
    ok(created, "create_session")
}

/// `count` new sessions of `user_id`, each carrying a copy of `data`.
pub async fn create_sessions<S: SessionStore>(
    narvik: &Narvik<S>,
    user_id: &str,
    count: usize,
    data: S::Data,
) -> Vec<CreatedSession<S::Data>>
where
    S::Data: Clone,
{
    let mut created = Vec::with_capacity(count);
    for _ in 0..count {
        created.push(create(narvik, user_id, data.clone()).await);
    }
    created
}

/// The session `token` validates to; `None` when it is not valid.
pub async fn validate<S: SessionStore>(
    narvik: &Narvik<S>,
    token: &SessionToken,
) -> Option<Session<S::Data>> {
    let validated = narvik.validate_session(token.as_str()).await;
    ok(validated, "validate_session")
}

/// Session `session_id` as the store of `narvik` keeps it; `None` when it keeps
/// none of that id.
pub async fn stored<S: SessionStore>(
    narvik: &Narvik<S>,
    session_id: &SessionId,
) -> Option<Session<S::Data>> {
    let fetched = narvik.store().fetch_session(session_id).await;
    ok(fetched, "fetch_session")
}

/// Every session of `user_id`.
pub async fn sessions_of<S: FetchUserSessions>(
    narvik: &Narvik<S>,
    user_id: &str,
) -> Vec<Session<S::Data>> {
    let listed = narvik.fetch_sessions_for_user(user_id).await;
    ok(listed, "fetch_sessions_for_user")
}

/// The ids of every session of `user_id`, sorted: a listing has no order.
pub async fn session_ids_of<S: FetchUserSessions>(
    narvik: &Narvik<S>,
    user_id: &str,
) -> Vec<SessionId> {
    let mut ids: Vec<SessionId> = sessions_of(narvik, user_id)
        .await
        .iter()
        .map(|session| session.id)
        .collect();
    ids.sort();
    ids
}

/// Deletes session `session_id`.
pub async fn invalidate<S: SessionStore>(narvik: &Narvik<S>, session_id: &SessionId) {
    let invalidated = narvik.invalidate_session(session_id).await;
    ok(invalidated, "invalidate_session");
}

/// Deletes every session of `user_id`.
pub async fn delete_sessions_of<S: DeleteUserSessions>(narvik: &Narvik<S>, user_id: &str) {
    let deleted = narvik.delete_sessions_for_user(user_id).await;
    ok(deleted, "delete_sessions_for_user");
}

/// Deletes every session expired by the clock of `narvik`.
pub async fn delete_expired<S: DeleteExpiredSessions>(narvik: &Narvik<S>) {
    let deleted = narvik.delete_all_expired_sessions().await;
    ok(deleted, "delete_all_expired_sessions");
}
