//! The checks the Redis tests repeat: of errors, of stored values and of expiries.

use std::error::Error as _;

use narvik::{CreatedSession, Error, Narvik, SessionId, SessionStore, SessionTimes};
use narvik_redis::{redis, RedisStore};
use time::OffsetDateTime;

use crate::app::{AppData, RedisNarvik};
use crate::frame::{frame, unix_ms, user_id_of};
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

/// The session at `session_key` is the frame of `times`, `user_id` and `data`,
/// and the key expires with it; `what` says why.
pub(crate) async fn assert_stored_frame(
    server: &Server,
    session_key: &str,
    times: SessionTimes,
    user_id: &str,
    data: &str,
    what: &str,
) {
    assert_eq!(
        server.value(session_key).await,
        frame(times, user_id, data),
        "{what}"
    );
    assert_expires_at(server, session_key, unix_ms(times.expires_at)).await;
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

/// Every session of `store` is listed in its user's index, and every index
/// member of `store` is a session of that user: no session an index misses (a
/// "sign out everywhere" would miss it), no member without its session. For
/// checks where no session expires by itself (its member stays until a script
/// next reads the index).
pub(crate) async fn assert_indexes_match_sessions(server: &Server, store: &RedisStore<AppData>) {
    let session_prefix = format!("{}session:", store.key_prefix());
    let index_prefix = format!("{}user:", store.key_prefix());
    for key in server.keys().await {
        if let Some(session_id) = key.strip_prefix(&session_prefix) {
            let value = server.value_bytes(&key).await;
            let user_id = user_id_of(&value).expect("a framed session");
            let member = redis::cmd("ZSCORE")
                .arg(store.user_index_key(&user_id))
                .arg(session_id)
                .clone();
            let score: Option<i64> = server.query(&member).await;
            assert!(score.is_some(), "{key} of {user_id} is not in their index");
        } else if let Some(user_id) = key.strip_prefix(&index_prefix) {
            let members: Vec<String> = server
                .query(redis::cmd("ZRANGE").arg(&key).arg(0).arg(-1))
                .await;
            for session_id in members {
                let session_key = format!("{session_prefix}{session_id}");
                let value: Option<Vec<u8>> =
                    server.query(redis::cmd("GET").arg(&session_key)).await;
                assert_eq!(
                    value.as_deref().and_then(user_id_of).as_deref(),
                    Some(user_id),
                    "{key} lists {session_id}, which is no session of theirs"
                );
            }
        }
    }
}
