//! The calls of [`Narvik`] the tests make again and again, each failing the test
//! when it returns an error: what they return is what the test checks.

use narvik::{
    CreatedSession, DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions, Narvik, Session,
    SessionId, SessionStore, SessionToken,
};

/// A new session of `user_id` carrying `data`.
pub async fn create<S: SessionStore>(
    narvik: &Narvik<S>,
    user_id: &str,
    data: S::Data,
) -> CreatedSession<S::Data> {
    narvik
        .create_session(user_id, data)
        .await
        .unwrap_or_else(|error| panic!("create_session: {error:?}"))
}

/// The session `token` validates to; `None` when it is not valid.
pub async fn validate<S: SessionStore>(
    narvik: &Narvik<S>,
    token: &SessionToken,
) -> Option<Session<S::Data>> {
    narvik
        .validate_session(token.as_str())
        .await
        .unwrap_or_else(|error| panic!("validate_session: {error:?}"))
}

/// Session `session_id` as the store of `narvik` keeps it; `None` when it keeps
/// none of that id.
pub async fn stored<S: SessionStore>(
    narvik: &Narvik<S>,
    session_id: &SessionId,
) -> Option<Session<S::Data>> {
    narvik
        .store()
        .fetch_session(session_id)
        .await
        .unwrap_or_else(|error| panic!("fetch_session: {error:?}"))
}

/// Every session of `user_id`.
pub async fn sessions_of<S: FetchUserSessions>(
    narvik: &Narvik<S>,
    user_id: &str,
) -> Vec<Session<S::Data>> {
    narvik
        .fetch_sessions_for_user(user_id)
        .await
        .unwrap_or_else(|error| panic!("fetch_sessions_for_user: {error:?}"))
}

/// Deletes session `session_id`.
pub async fn invalidate<S: SessionStore>(narvik: &Narvik<S>, session_id: &SessionId) {
    narvik
        .invalidate_session(session_id)
        .await
        .unwrap_or_else(|error| panic!("invalidate_session: {error:?}"));
}

/// Deletes every session of `user_id`.
pub async fn delete_sessions_of<S: DeleteUserSessions>(narvik: &Narvik<S>, user_id: &str) {
    narvik
        .delete_sessions_for_user(user_id)
        .await
        .unwrap_or_else(|error| panic!("delete_sessions_for_user: {error:?}"));
}

/// Deletes every session expired by the clock of `narvik`.
pub async fn delete_expired<S: DeleteExpiredSessions>(narvik: &Narvik<S>) {
    narvik
        .delete_all_expired_sessions()
        .await
        .unwrap_or_else(|error| panic!("delete_all_expired_sessions: {error:?}"));
}
