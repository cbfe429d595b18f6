//! `CallbackStore`, the original's way of configuring storage: which callback is
//! called with what, custom data given at creation, and custom data filled in by
//! the save callback; the lifecycle callbacks (rotation, ending a user's other
//! sessions, ending every session), and the conformance suite's checks of them
//! against a store made of callbacks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use narvik::store::callbacks::{AllCallbacks, Missing, OptionalCallbacks, Provided};
use narvik::testing::{self, TestData};
use narvik::{
    CallbackStore, CreatedSession, DeleteAllSessions, DeleteExpiredSessions,
    DeleteOtherUserSessions, DeleteUserSessions, FetchUserSessions, ManualClock, Narvik,
    RotateSessions, Session, SessionData, SessionId, SessionStore, UpdateSessionData,
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

/// The recorder's store: every optional callback provided.
type RecorderStore = CallbackStore<AppData, AllCallbacks>;

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
    Rotate {
        from: SessionId,
        to: SessionId,
        authenticated_at: Option<OffsetDateTime>,
    },
    DeleteOther {
        user_id: String,
        keep: SessionId,
    },
    DeleteAll,
    UpdateData {
        session_id: SessionId,
        expected: u64,
    },
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

    /// A store with all ten callbacks; the save callback fills in `created_at`.
    fn store(&self) -> RecorderStore {
        let [save, fetch, update, delete, by_user, delete_by_user, expired, rotate, others, all, data] =
            [(); 11].map(|()| (self.clone(), self.rows.store::<AppData>()));
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
        .rotate_session(move |from, to, authenticated_at| {
            let (recorder, rows) = rotate.clone();
            async move {
                recorder.record(Call::Rotate {
                    from,
                    to,
                    authenticated_at,
                });
                rows.rotate_session(&from, &to, authenticated_at).await
            }
        })
        .delete_other_sessions_for_user(move |user_id: String, keep| {
            let (recorder, rows) = others.clone();
            async move {
                recorder.record(Call::DeleteOther {
                    user_id: user_id.clone(),
                    keep,
                });
                rows.delete_other_sessions_for_user(&user_id, &keep).await
            }
        })
        .delete_all_sessions(move || {
            let (recorder, rows) = all.clone();
            async move {
                recorder.record(Call::DeleteAll);
                rows.delete_all_sessions().await
            }
        })
        .update_session_data(move |session_id, expected, new_data: AppData| {
            let (recorder, rows) = data.clone();
            async move {
                recorder.record(Call::UpdateData {
                    session_id,
                    expected,
                });
                rows.update_session_data(&session_id, expected, &new_data)
                    .await
            }
        })
    }
}

/// A recorder and narvik over its store, after user 123 signed in: the session,
/// and the clock to move; the record is empty.
async fn signed_in() -> (
    Recorder,
    Narvik<RecorderStore>,
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

#[tokio::test]
async fn rotate_session_calls_the_rotate_callback_with_the_old_and_new_ids() {
    let (recorder, narvik, _clock, created) = signed_in().await;
    let rotated = narvik
        .rotate_session(&created.session.id)
        .await
        .expect("rotation succeeds")
        .expect("the session exists");

    assert_eq!(
        recorder.take_calls(),
        [Call::Rotate {
            from: created.session.id,
            to: rotated.token.session_id(),
            authenticated_at: None,
        }],
        "one call, to the rotate callback, with the new token's id and no new proof"
    );
    assert_eq!(rotated.session.id, rotated.token.session_id());
    assert_eq!(
        rotated.session.created_at,
        Some(SAVED_AT),
        "the custom data moves with the session"
    );
    assert_eq!(rotated.session.times(), created.session.times());
    assert!(validate(&narvik, &created.token).await.is_none());
    assert_eq!(
        validate(&narvik, &rotated.token).await,
        Some(rotated.session)
    );
}

#[tokio::test]
async fn reauthenticate_passes_the_clocks_time_to_the_rotate_callback() {
    let (recorder, narvik, clock, created) = signed_in().await;
    clock.advance(Duration::minutes(10));
    let renewed = narvik
        .reauthenticate(&created.session.id)
        .await
        .expect("re-authentication succeeds")
        .expect("the session exists");

    let now = START + Duration::minutes(10);
    assert_eq!(
        recorder.take_calls(),
        [Call::Rotate {
            from: created.session.id,
            to: renewed.session.id,
            authenticated_at: Some(now),
        }]
    );
    assert_eq!(renewed.session.authenticated_at, now);
    assert_eq!(
        renewed.session.issued_at, START,
        "re-authentication is no new sign-in"
    );
    assert!(renewed.session.authenticated_within(Duration::ZERO));
}

#[tokio::test]
async fn rotating_a_signed_out_session_gives_none_and_stores_nothing() {
    let (recorder, narvik, _clock, created) = signed_in().await;
    invalidate(&narvik, &created.session.id).await;
    recorder.take_calls();

    let rotated = narvik
        .rotate_session(&created.session.id)
        .await
        .expect("rotation succeeds");
    assert!(rotated.is_none());
    let calls = recorder.take_calls();
    assert!(
        matches!(calls.as_slice(), [Call::Rotate { from, .. }] if *from == created.session.id),
        "only the rotate callback is called: {calls:?}"
    );
    assert!(recorder.rows.is_empty());
}

#[tokio::test]
async fn rotating_an_expired_session_deletes_it_under_its_new_id() {
    let (recorder, narvik, clock, created) = signed_in().await;
    clock.advance(Duration::days(30));

    let rotated = narvik
        .rotate_session(&created.session.id)
        .await
        .expect("rotation succeeds");
    assert!(rotated.is_none(), "an expired session is not renewed");
    let calls = recorder.take_calls();
    let [Call::Rotate { to, .. }, Call::Delete(deleted)] = calls.as_slice() else {
        panic!("expected a rotation, then a delete: {calls:?}");
    };
    assert_eq!(
        deleted, to,
        "the delete callback ends the session under its new id"
    );
    assert!(recorder.rows.is_empty());
}

#[tokio::test]
async fn delete_other_sessions_calls_its_callback_with_the_session_to_keep() {
    let (recorder, narvik, _clock, kept) = signed_in().await;
    let other = create(&narvik, "123", john()).await;
    let another_user = create(&narvik, "456", john()).await;
    recorder.take_calls();

    narvik
        .delete_other_sessions_for_user("123", &kept.session.id)
        .await
        .expect("deleting succeeds");
    assert_eq!(
        recorder.take_calls(),
        [Call::DeleteOther {
            user_id: "123".to_owned(),
            keep: kept.session.id,
        }]
    );
    assert!(validate(&narvik, &kept.token).await.is_some());
    assert!(validate(&narvik, &other.token).await.is_none());
    assert!(validate(&narvik, &another_user.token).await.is_some());
}

#[tokio::test]
async fn delete_all_sessions_calls_its_callback() {
    let (recorder, narvik, _clock, _created) = signed_in().await;
    create(&narvik, "456", john()).await;
    recorder.take_calls();

    narvik
        .delete_all_sessions()
        .await
        .expect("deleting succeeds");
    assert_eq!(recorder.take_calls(), [Call::DeleteAll]);
    assert!(recorder.rows.is_empty());
}

#[tokio::test]
async fn optional_callbacks_can_be_added_in_any_order() {
    let rows = JsonRows::new();
    let (all, rotate) = (rows.store::<AppData>(), rows.store::<AppData>());
    // Each method sets its own marker, wherever it comes in the chain.
    let store: CallbackStore<
        AppData,
        OptionalCallbacks<Missing, Missing, Missing, Provided, Missing, Provided>,
    > = rows
        .required_store()
        .delete_all_sessions(move || {
            let all = all.clone();
            async move { all.delete_all_sessions().await }
        })
        .rotate_session(move |from, to, authenticated_at| {
            let rotate = rotate.clone();
            async move { rotate.rotate_session(&from, &to, authenticated_at).await }
        });

    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "123", john()).await;
    let rotated = narvik
        .rotate_session(&created.session.id)
        .await
        .expect("rotation succeeds")
        .expect("the session exists");
    assert!(validate(&narvik, &rotated.token).await.is_some());
    narvik
        .delete_all_sessions()
        .await
        .expect("deleting succeeds");
    assert!(rows.is_empty());
}

#[test]
fn debug_says_which_optional_callbacks_are_provided() {
    let every = format!("{:?}", Recorder::default().store());
    assert_eq!(
        every,
        "CallbackStore { fetch_sessions_for_user: \"Provided\", \
         delete_sessions_for_user: \"Provided\", delete_all_expired_sessions: \"Provided\", \
         rotate_session: \"Provided\", delete_other_sessions_for_user: \"Provided\", \
         delete_all_sessions: \"Provided\", update_session_data: \"Provided\", .. }"
    );

    let required_only = format!("{:?}", JsonRows::new().required_store::<AppData>());
    assert_eq!(
        required_only,
        "CallbackStore { fetch_sessions_for_user: \"Missing\", \
         delete_sessions_for_user: \"Missing\", delete_all_expired_sessions: \"Missing\", \
         rotate_session: \"Missing\", delete_other_sessions_for_user: \"Missing\", \
         delete_all_sessions: \"Missing\", update_session_data: \"Missing\", .. }"
    );

    let rows = JsonRows::new();
    let inner = rows.store::<AppData>();
    let rotation_only =
        rows.required_store::<AppData>()
            .rotate_session(move |from, to, authenticated_at| {
                let inner = inner.clone();
                async move { inner.rotate_session(&from, &to, authenticated_at).await }
            });
    let debug = format!("{rotation_only:?}");
    assert!(debug.contains("rotate_session: \"Provided\""), "{debug}");
    assert!(
        debug.contains("fetch_sessions_for_user: \"Missing\""),
        "{debug}"
    );
    assert!(
        debug.contains("delete_all_sessions: \"Missing\""),
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

/// Whole sessions in a map behind a mutex, as an application might keep them:
/// a store of its own, apart from the JSON rows of the other tests.
#[derive(Clone, Default)]
struct SessionMap(Arc<Mutex<HashMap<SessionId, Session<TestData>>>>);

impl SessionMap {
    fn lock(&self) -> MutexGuard<'_, HashMap<SessionId, Session<TestData>>> {
        // A panicking check fails on its own; the map is never left half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The four required callbacks over the map.
    fn required_store(&self) -> CallbackStore<TestData> {
        let [save, fetch, update, delete] = [(); 4].map(|()| self.clone());
        CallbackStore::new(
            move |session: Session<TestData>| {
                let map = save.clone();
                async move {
                    map.lock().insert(session.id, session.clone());
                    Ok(session)
                }
            },
            move |session_id: SessionId| {
                let map = fetch.clone();
                async move { Ok(map.lock().get(&session_id).cloned()) }
            },
            move |session_id: SessionId, expires_at| {
                let map = update.clone();
                async move {
                    if let Some(session) = map.lock().get_mut(&session_id) {
                        session.expires_at = expires_at;
                    }
                    Ok(())
                }
            },
            move |session_id: SessionId| {
                let map = delete.clone();
                async move {
                    map.lock().remove(&session_id);
                    Ok(())
                }
            },
        )
    }

    /// The lifecycle callbacks, each one atomic step under the map's lock, and
    /// the list of a user's sessions, which the check of "sign out everywhere
    /// else" racing sign-ins reads.
    fn lifecycle_store(
        &self,
    ) -> CallbackStore<
        TestData,
        OptionalCallbacks<Provided, Missing, Missing, Provided, Provided, Provided>,
    > {
        let [by_user, rotate, others, all] = [(); 4].map(|()| self.clone());
        self.required_store()
            .fetch_sessions_for_user(move |user_id: String| {
                let map = by_user.clone();
                async move {
                    let map = map.lock();
                    Ok(map
                        .values()
                        .filter(|s| s.user_id == user_id)
                        .cloned()
                        .collect())
                }
            })
            .rotate_session(move |from, to, authenticated_at| {
                let map = rotate.clone();
                async move {
                    let mut map = map.lock();
                    let Some(mut session) = map.remove(&from) else {
                        return Ok(None);
                    };
                    session.id = to;
                    if let Some(authenticated_at) = authenticated_at {
                        session.authenticated_at = authenticated_at;
                    }
                    map.insert(to, session.clone());
                    Ok(Some(session))
                }
            })
            .delete_other_sessions_for_user(move |user_id: String, keep| {
                let map = others.clone();
                async move {
                    map.lock().retain(|session_id, session| {
                        session.user_id != user_id || *session_id == keep
                    });
                    Ok(())
                }
            })
            .delete_all_sessions(move || {
                let map = all.clone();
                async move {
                    map.lock().clear();
                    Ok(())
                }
            })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callback_store_over_a_locked_map_passes_the_lifecycle_conformance_checks() {
    let make_store = || async { SessionMap::default().lifecycle_store() };
    testing::run_required_conformance(make_store).await;
    testing::run_rotate_conformance(make_store).await;
    testing::run_delete_other_conformance(make_store).await;
    testing::run_delete_all_conformance(make_store).await;
}

#[tokio::test]
async fn conformance_check_fails_a_rotate_callback_that_keeps_the_old_session() {
    // Copies the session to the new id and forgets to remove the old one: the
    // old token would still sign in.
    let map = SessionMap::default();
    let rotating = map.clone();
    let leaky = map
        .required_store()
        .rotate_session(move |from, to, authenticated_at| {
            let map = rotating.clone();
            async move {
                let mut map = map.lock();
                let Some(mut session) = map.get(&from).cloned() else {
                    return Ok(None);
                };
                session.id = to;
                session.authenticated_at = authenticated_at.unwrap_or(session.authenticated_at);
                map.insert(to, session.clone());
                Ok(Some(session))
            }
        });

    let check = tokio::spawn(testing::rotate_session_moves_session_to_new_token(leaky));
    let outcome = check.await;
    assert!(
        outcome.as_ref().is_err_and(|error| error.is_panic()),
        "the check must fail a rotation that leaves the old token valid: {outcome:?}"
    );
}

#[tokio::test]
async fn update_session_data_calls_its_callback_with_the_read_version() {
    let (recorder, narvik, _clock, created) = signed_in().await;
    let read = created.session;
    let mut changed = read.data.clone();
    changed.username = "johnny".to_owned();
    let updated = narvik
        .update_session_data(&read, changed.clone())
        .await
        .expect("the update succeeds")
        .expect("the session exists");
    assert_eq!(updated.data, changed);
    assert_eq!(updated.data_version(), 1);
    assert!(recorder.take_calls().contains(&Call::UpdateData {
        session_id: read.id,
        expected: 0,
    }));
    // A second write from the same (now stale) read is refused.
    let stale = narvik.update_session_data(&read, read.data.clone()).await;
    assert!(matches!(stale, Err(narvik::Error::Conflict)), "{stale:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callback_store_passes_the_data_update_checks() {
    narvik::testing::run_update_data_conformance(|| async { JsonRows::new().store::<TestData>() })
        .await;
}
