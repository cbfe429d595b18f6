//! A failing store is an error, never a signed-out user, and its cause is kept:
//! once, in the error's source chain.

use std::error::Error as _;
use std::fmt;

use narvik::codec::{decode_data, encode_data};
use narvik::testing::error_chain;
use narvik::{CallbackStore, Error, Narvik, Session, SessionId, SessionStore};
use narvik_tests::{create, narvik_over, validate, JsonRows};
use serde::ser::{Serialize, Serializer};
use time::Duration;

/// The backend's own error, to find again through `source()`.
#[derive(Debug)]
struct BackendDown;

impl fmt::Display for BackendDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused")
    }
}

impl std::error::Error for BackendDown {}

/// Which of the four required callbacks fails.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Failing {
    Nothing,
    Save,
    Fetch,
    Update,
    Delete,
}

impl Failing {
    /// [`BackendDown`] when `callback` is the one failing.
    fn check(self, callback: Failing) -> narvik::Result<()> {
        if self == callback {
            Err(Error::store(BackendDown))
        } else {
            Ok(())
        }
    }
}

/// A store over `rows` whose `failing` callback fails with [`BackendDown`] before
/// touching the rows.
fn failing_store(rows: &JsonRows, failing: Failing) -> CallbackStore<()> {
    let working = rows.required_store::<()>();
    let (save, fetch, update, delete) =
        (working.clone(), working.clone(), working.clone(), working);
    CallbackStore::new(
        move |mut session: Session<()>| {
            let store = save.clone();
            async move {
                failing.check(Failing::Save)?;
                store.save_session(&mut session).await?;
                Ok(session)
            }
        },
        move |session_id: SessionId| {
            let store = fetch.clone();
            async move {
                failing.check(Failing::Fetch)?;
                store.fetch_session(&session_id).await
            }
        },
        move |session_id: SessionId, expires_at| {
            let store = update.clone();
            async move {
                failing.check(Failing::Update)?;
                store.update_session_expiry(&session_id, expires_at).await
            }
        },
        move |session_id: SessionId| {
            let store = delete.clone();
            async move {
                failing.check(Failing::Delete)?;
                store.delete_session(&session_id).await
            }
        },
    )
}

/// Checks `error` is a store error whose source is [`BackendDown`].
#[track_caller]
fn assert_backend_down(error: &Error) {
    assert!(
        matches!(error, Error::Store { .. }),
        "expected Error::Store, got {error:?}"
    );
    let Some(source) = error.source() else {
        panic!("the backend's error is not kept as the source of {error:?}");
    };
    assert!(
        source.downcast_ref::<BackendDown>().is_some(),
        "the source is not the backend's error: {source:?}"
    );
    assert_eq!(error.to_string(), "session store failed");
    assert_eq!(
        error_chain(error),
        "session store failed: connection refused"
    );
}

#[tokio::test]
async fn failing_fetch_makes_validate_an_error_not_a_sign_out() {
    let rows = JsonRows::new();
    let (working, _clock) = narvik_over(failing_store(&rows, Failing::Nothing));
    let created = create(&working, "123", ()).await;

    let (narvik, _clock) = narvik_over(failing_store(&rows, Failing::Fetch));
    let error = narvik.validate_session(created.token.as_str()).await;
    assert_backend_down(&error.expect_err("a failing fetch is an error"));
    assert_eq!(rows.len(), 1, "a store failure deleted the session");
}

#[tokio::test]
async fn failing_save_makes_create_an_error_and_stores_nothing() {
    let rows = JsonRows::new();
    let (narvik, _clock) = narvik_over(failing_store(&rows, Failing::Save));
    let error = narvik.create_session("123", ()).await;
    assert_backend_down(&error.expect_err("a failing save is an error"));
    assert!(rows.is_empty(), "a failed create left a session behind");
}

#[tokio::test]
async fn failing_update_makes_an_extending_validate_an_error() {
    let rows = JsonRows::new();
    let (narvik, clock) = narvik_over(failing_store(&rows, Failing::Update));
    let created = create(&narvik, "123", ()).await;

    // No extension due: the update callback is not called.
    assert!(validate(&narvik, &created.token).await.is_some());

    clock.advance(Duration::days(20));
    let error = narvik.validate_session(created.token.as_str()).await;
    assert_backend_down(&error.expect_err("a failing extension is an error"));
    let row = rows.get(&created.session.id).expect("still stored");
    assert_eq!(row.expires_at, created.session.expires_at);
}

#[tokio::test]
async fn failing_delete_of_an_expired_session_makes_validate_an_error() {
    let rows = JsonRows::new();
    let (narvik, clock) = narvik_over(failing_store(&rows, Failing::Delete));
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::days(31));
    let error = narvik.validate_session(created.token.as_str()).await;
    assert_backend_down(&error.expect_err("a failing delete is an error"));
}

#[tokio::test]
async fn failing_delete_makes_invalidate_an_error() {
    let rows = JsonRows::new();
    let (narvik, _clock) = narvik_over(failing_store(&rows, Failing::Delete));
    let created = create(&narvik, "123", ()).await;
    let error = narvik.invalidate_session(&created.session.id).await;
    assert_backend_down(&error.expect_err("a failing sign-out is an error"));
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn failing_optional_callback_is_a_store_error() {
    let store = JsonRows::new()
        .required_store::<()>()
        .fetch_sessions_for_user(|_user_id: String| async { Err(Error::store(BackendDown)) })
        .delete_sessions_for_user(|_user_id: String| async { Err(Error::store(BackendDown)) })
        .delete_all_expired_sessions(|_now| async { Err(Error::store(BackendDown)) });
    let narvik = Narvik::new(store);
    assert_backend_down(
        &narvik
            .fetch_sessions_for_user("123")
            .await
            .expect_err("fails"),
    );
    assert_backend_down(
        &narvik
            .delete_sessions_for_user("123")
            .await
            .expect_err("fails"),
    );
    assert_backend_down(
        &narvik
            .delete_all_expired_sessions()
            .await
            .expect_err("fails"),
    );
}

/// A field whose `Serialize` fails, as a custom one may.
#[derive(serde::Deserialize, Clone, Debug)]
struct Unencodable;

impl Serialize for Unencodable {
    fn serialize<S: Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "the clock field cannot be written",
        ))
    }
}

#[derive(narvik::SessionData, Clone, Debug)]
struct WithUnencodable {
    field: Option<Unencodable>,
}

#[test]
fn each_cause_is_printed_once_along_the_chain() {
    let session_id = SessionId::of_token("abc");
    let store = Error::store(BackendDown);
    let decode = decode_data::<WithUnencodable>(session_id, r#"{"field": 42}"#)
        .map(|_| ())
        .expect_err("42 is no Unencodable");
    let encode = encode_data(&WithUnencodable {
        field: Some(Unencodable),
    })
    .expect_err("the field's Serialize fails");

    for (error, cause) in [
        (&store, "connection refused"),
        (&decode, "invalid value at `field`"),
        (&encode, "the clock field cannot be written"),
    ] {
        let printed = error_chain(error);
        assert_eq!(printed.matches(cause).count(), 1, "{printed}");
        assert!(
            !error.to_string().contains(cause),
            "the message repeats its source: {error}"
        );
        assert!(error.source().is_some(), "no source: {error:?}");
    }
    assert_eq!(
        error_chain(&decode),
        format!(
            "stored data of session `{session_id}` does not decode: {}",
            decode.source().map(ToString::to_string).unwrap_or_default()
        )
    );
    assert!(matches!(encode, Error::Encode { .. }), "{encode:?}");
}
