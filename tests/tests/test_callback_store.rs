//! `CallbackStore`, the original's way of configuring storage: which callback is
//! called with what, custom data given at creation, and custom data filled in by
//! the save callback.

use std::sync::{Arc, Mutex, PoisonError};

use narvik::store::callbacks::Provided;
use narvik::{
    CallbackStore, CreatedSession, DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions,
    ManualClock, Narvik, Session, SessionData, SessionId, SessionStore,
};
use narvik_tests::{
    create, delete_expired, delete_sessions_of, invalidate, narvik_over, session_ids_of, validate,
    JsonRows, START,
};
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

/// A store whose callbacks record each call, then keep sessions in JSON rows.
#[derive(Clone, Default)]
struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
    rows: JsonRows,
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

    /// A store with all seven callbacks; the save callback fills in `created_at`.
    fn store(&self) -> CallbackStore<AppData, Provided, Provided, Provided> {
        let [save, fetch, update, delete, by_user, delete_by_user, expired] =
            [(); 7].map(|()| (self.clone(), self.rows.store::<AppData>()));
        CallbackStore::new(
            move |mut session: Session<AppData>| {
                let (recorder, rows) = save.clone();
                async move {
                    recorder.record(Call::Save(session.clone()));
                    session.created_at = Some(SAVED_AT);
                    rows.save_session(&mut session).await?;
                    Ok(session)
                }
            },
            move |session_id: SessionId| {
                let (recorder, rows) = fetch.clone();
                async move {
                    recorder.record(Call::Fetch(session_id));
                    rows.fetch_session(&session_id).await
                }
            },
            move |session_id: SessionId, expires_at| {
                let (recorder, rows) = update.clone();
                async move {
                    recorder.record(Call::Update(session_id, expires_at));
                    rows.update_session_expiry(&session_id, expires_at).await
                }
            },
            move |session_id: SessionId| {
                let (recorder, rows) = delete.clone();
                async move {
                    recorder.record(Call::Delete(session_id));
                    rows.delete_session(&session_id).await
                }
            },
        )
        .fetch_sessions_for_user(move |user_id: String| {
            let (recorder, rows) = by_user.clone();
            async move {
                recorder.record(Call::FetchForUser(user_id.clone()));
                rows.fetch_sessions_for_user(&user_id).await
            }
        })
        .delete_sessions_for_user(move |user_id: String| {
            let (recorder, rows) = delete_by_user.clone();
            async move {
                recorder.record(Call::DeleteForUser(user_id.clone()));
                rows.delete_sessions_for_user(&user_id).await
            }
        })
        .delete_all_expired_sessions(move |now| {
            let (recorder, rows) = expired.clone();
            async move {
                recorder.record(Call::DeleteExpired(now));
                rows.delete_all_expired_sessions(now).await
            }
        })
    }
}

/// A recorder and narvik over its store, after user 123 signed in: the session,
/// and the clock to move; the record is empty.
async fn signed_in() -> (
    Recorder,
    Narvik<CallbackStore<AppData, Provided, Provided, Provided>>,
    ManualClock,
    CreatedSession<AppData>,
) {
    let recorder = Recorder::default();
    let (narvik, clock) = narvik_over(recorder.store());
    let created = create(&narvik, "123", john()).await;
    recorder.take_calls();
    (recorder, narvik, clock, created)
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
    let created = create(&narvik, "123", john()).await;

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
    let (_recorder, narvik, _clock, created) = signed_in().await;
    assert_eq!(
        created.session.created_at,
        Some(SAVED_AT),
        "create_session returns the session as the save callback left it"
    );
    assert_eq!(created.session.username, "johnsmith");
    assert!(created.session.is_new());

    let validated = validate(&narvik, &created.token).await.expect("valid");
    assert_eq!(validated.created_at, Some(SAVED_AT));
    assert_eq!(validated, created.session);
}

#[tokio::test]
async fn validate_fetches_by_session_id_and_updates_expiry_on_extension() {
    let (recorder, narvik, clock, created) = signed_in().await;
    let session_id = created.session.id;

    validate(&narvik, &created.token).await.expect("valid");
    assert_eq!(recorder.take_calls(), [Call::Fetch(session_id)]);

    clock.advance(Duration::days(20));
    validate(&narvik, &created.token).await.expect("valid");
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
    let (recorder, narvik, clock, created) = signed_in().await;
    let session_id = created.session.id;

    clock.advance(Duration::days(30));
    assert!(validate(&narvik, &created.token).await.is_none());
    assert_eq!(
        recorder.take_calls(),
        [Call::Fetch(session_id), Call::Delete(session_id)]
    );
    assert!(recorder.rows.is_empty());
}

#[tokio::test]
async fn invalidate_calls_the_delete_callback() {
    let (recorder, narvik, _clock, created) = signed_in().await;
    invalidate(&narvik, &created.session.id).await;
    assert_eq!(recorder.take_calls(), [Call::Delete(created.session.id)]);
}

#[tokio::test]
async fn optional_callbacks_are_called_with_their_arguments() {
    let (recorder, narvik, clock, first) = signed_in().await;
    let second = create(&narvik, "123", john()).await;
    create(&narvik, "456", john()).await;
    recorder.take_calls();

    let mut expected = vec![first.session.id, second.session.id];
    expected.sort();
    assert_eq!(session_ids_of(&narvik, "123").await, expected);
    assert_eq!(
        recorder.take_calls(),
        [Call::FetchForUser("123".to_owned())]
    );

    delete_sessions_of(&narvik, "123").await;
    assert_eq!(
        recorder.take_calls(),
        [Call::DeleteForUser("123".to_owned())]
    );
    assert_eq!(recorder.rows.len(), 1);

    clock.advance(Duration::days(31));
    delete_expired(&narvik).await;
    assert_eq!(
        recorder.take_calls(),
        [Call::DeleteExpired(START + Duration::days(31))],
        "delete_all_expired_sessions gets the clock's time"
    );
    assert!(recorder.rows.is_empty());
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

    let required_only = JsonRows::new().required_store::<AppData>();
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
    let created = create(&narvik, "123", john()).await;
    let other = Narvik::new(store);
    assert!(validate(&other, &created.token).await.is_some());
}
