//! The checks the Redis tests repeat: of errors, of stored values and of expiries.

use std::error::Error as _;

use narvik::{CreatedSession, Error, Narvik, SessionId, SessionStore};
use narvik_redis::redis;
use time::OffsetDateTime;

use crate::app::{AppData, RedisNarvik};
use crate::frame::{frame, unix_ms};
use crate::server::Server;

/// `error` is a store error whose source is Redis's.
#[track_caller]
pub(crate) fn assert_redis_store_error(error: &Error, what: &str) {
    assert!(
        matches!(error, Error::Store { .. }),
        "{what}: expected a store error, got {error:?}"
    );
    let source = error.source();
    assert!(
        source.is_some_and(|source| source.is::<redis::RedisError>()),
        "{what}: the redis error must be the source, got {source:?}"
    );
}

/// `error` is a decode error of session `expected_session_id` that mentions `field`.
#[track_caller]
pub(crate) fn assert_decode_error(error: &Error, expected_session_id: &SessionId, field: &str) {
    let Error::Decode { session_id, source } = error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(session_id, expected_session_id.as_str());
    assert!(
        source.to_string().contains(field),
        "the error should name `{field}`: {source}"
    );
}

/// Fetching session `session_id` is a decode error that mentions `mentioned`;
/// `what` says what is wrong with it.
pub(crate) async fn assert_fetch_does_not_decode<S: SessionStore<Data = AppData>>(
    narvik: &Narvik<S>,
    session_id: &SessionId,
    mentioned: &str,
    what: &str,
) {
    let error = narvik
        .store()
        .fetch_session(session_id)
        .await
        .expect_err(what);
    assert_decode_error(&error, session_id, mentioned);
}

/// The key expires at `expires_at_ms`: its TTL is that far from now, give or take
/// the test's own run time.
pub(crate) async fn assert_expires_at(server: &Server, key: &str, expires_at_ms: i64) {
    let time_to_live = server.time_to_live_ms(key).await;
    let expected = expires_at_ms - unix_ms(OffsetDateTime::now_utc());
    assert!(
        (expected..=expected + 5_000).contains(&time_to_live),
        "{key} expires in {time_to_live} ms, not about {expected} ms"
    );
}

/// The session at `session_key` is the frame of `expires_at_ms`, `user_id` and
/// `data`, and the key expires with it; `what` says why.
pub(crate) async fn assert_stored_frame(
    server: &Server,
    session_key: &str,
    expires_at_ms: i64,
    user_id: &str,
    data: &str,
    what: &str,
) {
    assert_eq!(
        server.value(session_key).await,
        frame(expires_at_ms, user_id, data),
        "{what}"
    );
    assert_expires_at(server, session_key, expires_at_ms).await;
}

/// The index at `index_key` lists `session_id` at `expires_at_ms`, and never
/// expires (so no `volatile-*` eviction policy can take it).
pub(crate) async fn assert_indexed_until(
    server: &Server,
    index_key: &str,
    session_id: &SessionId,
    expires_at_ms: i64,
) {
    assert_eq!(
        server.index_score(index_key, session_id.as_str()).await,
        expires_at_ms
    );
    assert_never_expires(server, index_key, "the index").await;
}

/// The key at `key` exists and has no TTL (`PTTL` answers -1); `what` says which.
pub(crate) async fn assert_never_expires(server: &Server, key: &str, what: &str) {
    assert_eq!(
        server.time_to_live_ms(key).await,
        -1,
        "{what}: {key} must exist without a TTL"
    );
}

/// Validating `created` finds no session, no error, and deletes its key; `what`
/// says which session it is.
pub(crate) async fn assert_validation_deletes(
    server: &Server,
    narvik: &RedisNarvik,
    created: &CreatedSession<AppData>,
    what: &str,
) {
    let validated = narvik.validate_session(created.token.as_str()).await;
    assert!(matches!(validated, Ok(None)), "{what}: {validated:?}");
    let session_key = narvik.store().session_key(&created.session.id);
    assert!(
        !server.exists(&session_key).await,
        "{what}: validation deletes it"
    );
}
