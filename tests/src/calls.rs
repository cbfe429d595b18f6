//! The calls of [`Narvik`] the tests make again and again, each failing the test
//! when it returns an error: what they return is what the test checks.

use narvik::{
    CreatedSession, DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions, Narvik, Session,
    SessionData, SessionStore, SessionToken,
};

/// A new session of `user_id` carrying `data`.
pub async fn create<D: SessionData, S: SessionStore<D>>(
    narvik: &Narvik<D, S>,
    user_id: &str,
    data: D,
) -> CreatedSession<D> {
    narvik
        .create_session(user_id, data)
        .await
        .unwrap_or_else(|error| panic!("create_session: {error:?}"))
}

/// The session `token` validates to; `None` when it is not valid.
pub async fn validate<D: SessionData, S: SessionStore<D>>(
    narvik: &Narvik<D, S>,
    token: &SessionToken,
) -> Option<Session<D>> {
    narvik
        .validate_session(token.as_str())
        .await
        .unwrap_or_else(|error| panic!("validate_session: {error:?}"))
}

/// Session `session_id` as the store of `narvik` keeps it; `None` when it keeps
/// none of that id.
pub async fn stored<D: SessionData, S: SessionStore<D>>(
    narvik: &Narvik<D, S>,
    session_id: &str,
) -> Option<Session<D>> {
    narvik
        .store()
        .fetch_session(session_id)
        .await
        .unwrap_or_else(|error| panic!("fetch_session: {error:?}"))
}

/// Every session of `user_id`.
pub async fn sessions_of<D: SessionData, S: SessionStore<D> + FetchUserSessions<D>>(
    narvik: &Narvik<D, S>,
    user_id: &str,
) -> Vec<Session<D>> {
    narvik
        .fetch_sessions_for_user(user_id)
        .await
        .unwrap_or_else(|error| panic!("fetch_sessions_for_user: {error:?}"))
}

/// Deletes session `session_id`.
pub async fn invalidate<D: SessionData, S: SessionStore<D>>(
    narvik: &Narvik<D, S>,
    session_id: &str,
) {
    narvik
        .invalidate_session(session_id)
        .await
        .unwrap_or_else(|error| panic!("invalidate_session: {error:?}"));
}

/// Deletes every session of `user_id`.
pub async fn delete_sessions_of<D: SessionData, S: SessionStore<D> + DeleteUserSessions<D>>(
    narvik: &Narvik<D, S>,
    user_id: &str,
) {
    narvik
        .delete_sessions_for_user(user_id)
        .await
        .unwrap_or_else(|error| panic!("delete_sessions_for_user: {error:?}"));
}

/// Deletes every session expired by the clock of `narvik`.
pub async fn delete_expired<D: SessionData, S: SessionStore<D> + DeleteExpiredSessions<D>>(
    narvik: &Narvik<D, S>,
) {
    narvik
        .delete_all_expired_sessions()
        .await
        .unwrap_or_else(|error| panic!("delete_all_expired_sessions: {error:?}"));
}
