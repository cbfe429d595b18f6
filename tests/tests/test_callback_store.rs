//! `CallbackStore`, the original's way of configuring storage: which callback is
//! called with what, custom data given at creation, and custom data filled in by
//! the save callback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use narvik::store::callbacks::Provided;
use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId};
use narvik_tests::{narvik_over, START};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The original guide's example data: a username given at creation, a creation
/// time the save callback fills in.
#[derive(SessionData, Clone, Debug, PartialEq)]
struct AppData {
    username: String,
    created_at: Option<OffsetDateTime>,
}

/// What the store saw, in order.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Save(Session<AppData>),
    Fetch(SessionId),
    Update(SessionId, OffsetDateTime),
    Delete(SessionId),
    FetchForUser(String),
    DeleteForUser(String),
    DeleteExpired(OffsetDateTime),
}

/// When the save callback says the session was created.
const SAVED_AT: OffsetDateTime = datetime!(2026-01-01 0:00:05 UTC);

#[derive(Clone, Default)]
struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
    sessions: Arc<Mutex<HashMap<SessionId, Session<AppData>>>>,
}

impl Recorder {
    fn record(&self, call: Call) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(call);
    }

    /// The calls recorded since the last time, emptying the record.
    fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Session<AppData>>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A store with all seven callbacks; the save callback fills in `created_at`.
    fn store(&self) -> CallbackStore<AppData, Provided, Provided, Provided> {
        let [save, fetch, update, delete, by_user, delete_by_user, expired] =
            [(); 7].map(|()| self.clone());
        CallbackStore::new(
            move |mut session: Session<AppData>| {
                let recorder = save.clone();
                async move {
                    recorder.record(Call::Save(session.clone()));
                    session.created_at = Some(SAVED_AT);
                    recorder.sessions().insert(session.id, session.clone());
                    Ok(session)
                }
            },
            move |session_id: SessionId| {
                let recorder = fetch.clone();
                async move {
                    recorder.record(Call::Fetch(session_id));
                    Ok(recorder.sessions().get(&session_id).cloned())
                }
            },
            move |session_id: SessionId, expires_at| {
                let recorder = update.clone();
                async move {
                    recorder.record(Call::Update(session_id, expires_at));
                    if let Some(session) = recorder.sessions().get_mut(&session_id) {
                        session.expires_at = expires_at;
                    }
                    Ok(())
                }
            },
            move |session_id: SessionId| {
                let recorder = delete.clone();
                async move {
                    recorder.record(Call::Delete(session_id));
                    recorder.sessions().remove(&session_id);
                    Ok(())
                }
            },
        )
        .fetch_sessions_for_user(move |user_id: String| {
            let recorder = by_user.clone();
            async move {
                recorder.record(Call::FetchForUser(user_id.clone()));
                Ok(recorder
                    .sessions()
                    .values()
                    .filter(|session| session.user_id == user_id)
                    .cloned()
                    .collect())
            }
        })
        .delete_sessions_for_user(move |user_id: String| {
            let recorder = delete_by_user.clone();
            async move {
                recorder.record(Call::DeleteForUser(user_id.clone()));
                recorder
                    .sessions()
                    .retain(|_, session| session.user_id != user_id);
                Ok(())
            }
        })
        .delete_all_expired_sessions(move |now| {
            let recorder = expired.clone();
            async move {
                recorder.record(Call::DeleteExpired(now));
                recorder
                    .sessions()
                    .retain(|_, session| session.expires_at > now);
                Ok(())
            }
        })
    }
}

fn john() -> AppData {
    AppData {
        username: "johnsmith".to_owned(),
        created_at: None,
    }
}

#[tokio::test]
async fn custom_data_given_at_creation_reaches_the_save_callback() {
    let recorder = Recorder::default();
    let (narvik, _clock) = narvik_over(recorder.store());
    let created = narvik.create_session("123", john()).await.expect("create");

    let calls = recorder.take_calls();
    let [Call::Save(saved)] = calls.as_slice() else {
        panic!("expected one save, got {calls:?}");
    };
    assert_eq!(saved.id, created.session.id);
    assert_eq!(saved.user_id, "123");
    assert_eq!(saved.expires_at, START + Duration::days(30));
    assert_eq!(saved.username, "johnsmith");
    assert_eq!(
        saved.created_at, None,
        "narvik does not fill in custom data"
    );
    assert!(
        !saved.is_new() && !saved.is_extended(),
        "the save callback gets the session with its flags unset"
    );
}

#[tokio::test]
async fn save_callback_fills_in_created_at_and_create_returns_that_session() {
    let recorder = Recorder::default();
    let (narvik, _clock) = narvik_over(recorder.store());
    let created = narvik.create_session("123", john()).await.expect("create");

    assert_eq!(
        created.session.created_at,
        Some(SAVED_AT),
        "create_session returns the session as the save callback left it"
    );
    assert_eq!(created.session.username, "johnsmith");
    assert!(created.session.is_new());

    let validated = narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert_eq!(validated.created_at, Some(SAVED_AT));
    assert_eq!(validated, created.session);
}

#[tokio::test]
async fn validate_fetches_by_session_id_and_updates_expiry_on_extension() {
    let recorder = Recorder::default();
    let (narvik, clock) = narvik_over(recorder.store());
    let created = narvik.create_session("123", john()).await.expect("create");
    let session_id = created.session.id;
    recorder.take_calls();

    narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert_eq!(recorder.take_calls(), [Call::Fetch(session_id)]);

    clock.advance(Duration::days(20));
    narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert_eq!(
        recorder.take_calls(),
        [
            Call::Fetch(session_id),
            Call::Update(session_id, START + Duration::days(50)),
        ]
    );
}

#[tokio::test]
async fn validate_deletes_an_expired_session_through_the_delete_callback() {
    let recorder = Recorder::default();
    let (narvik, clock) = narvik_over(recorder.store());
    let created = narvik.create_session("123", john()).await.expect("create");
    let session_id = created.session.id;
    recorder.take_calls();

    clock.advance(Duration::days(30));
    assert!(narvik
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_none());
    assert_eq!(
        recorder.take_calls(),
        [Call::Fetch(session_id), Call::Delete(session_id)]
    );
    assert!(recorder.sessions().is_empty());
}

#[tokio::test]
async fn invalidate_calls_the_delete_callback() {
    let recorder = Recorder::default();
    let (narvik, _clock) = narvik_over(recorder.store());
    let created = narvik.create_session("123", john()).await.expect("create");
    recorder.take_calls();

    narvik
        .invalidate_session(&created.session.id)
        .await
        .expect("invalidate");
    assert_eq!(recorder.take_calls(), [Call::Delete(created.session.id)]);
}

#[tokio::test]
async fn optional_callbacks_are_called_with_their_arguments() {
    let recorder = Recorder::default();
    let (narvik, clock) = narvik_over(recorder.store());
    let first = narvik.create_session("123", john()).await.expect("create");
    let second = narvik.create_session("123", john()).await.expect("create");
    narvik.create_session("456", john()).await.expect("create");
    recorder.take_calls();

    let mut listed: Vec<SessionId> = narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("fetch for user")
        .into_iter()
        .map(|session| session.id)
        .collect();
    listed.sort();
    let mut expected = vec![first.session.id, second.session.id];
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        recorder.take_calls(),
        [Call::FetchForUser("123".to_owned())]
    );

    narvik
        .delete_sessions_for_user("123")
        .await
        .expect("delete for user");
    assert_eq!(
        recorder.take_calls(),
        [Call::DeleteForUser("123".to_owned())]
    );
    assert_eq!(recorder.sessions().len(), 1);

    clock.advance(Duration::days(31));
    narvik
        .delete_all_expired_sessions()
        .await
        .expect("delete expired");
    assert_eq!(
        recorder.take_calls(),
        [Call::DeleteExpired(START + Duration::days(31))],
        "delete_all_expired_sessions gets the clock's time"
    );
    assert!(recorder.sessions().is_empty());
}

#[test]
fn debug_says_which_optional_callbacks_are_provided() {
    let recorder = Recorder::default();
    let debug = format!("{:?}", recorder.store());
    assert!(
        debug.contains(r#"fetch_sessions_for_user: "Provided""#),
        "{debug}"
    );
    assert!(
        debug.contains(r#"delete_all_expired_sessions: "Provided""#),
        "{debug}"
    );

    let required_only = narvik_tests::JsonRows::new().required_store::<AppData>();
    let debug = format!("{required_only:?}");
    assert!(
        debug.contains(r#"delete_sessions_for_user: "Missing""#),
        "{debug}"
    );
}

#[tokio::test]
async fn callback_store_clones_share_the_callbacks() {
    let recorder = Recorder::default();
    let store = recorder.store();
    let narvik = Narvik::new(store.clone());
    let created = narvik.create_session("123", john()).await.expect("create");
    let other = Narvik::new(store);
    assert!(other
        .validate_session(created.token.as_str())
        .await
        .expect("validate")
        .is_some());
}
