//! What the checks share: a Narvik on a manual clock, and calls that panic with
//! a message naming the failed operation.

use std::collections::BTreeSet;
use std::fmt::Display;

use time::{Duration, OffsetDateTime};
use tokio::task::JoinSet;

use super::{error_chain, TestData, SESSIONS_PER_TASK, SESSION_LENGTH, TASKS};
use crate::store::FetchUserSessions;
use crate::{
    CreatedSession, ManualClock, Narvik, NarvikBuilder, Result, Session, SessionId, SessionStore,
    SessionTimes, SessionToken,
};

/// A [`Narvik`] over `store` with the suite's settings and a [`ManualClock`]
/// starting now, cut to whole seconds; the clock is returned to move it.
pub(super) fn narvik_over<S: SessionStore<Data = TestData> + 'static>(
    store: S,
) -> (Narvik<S>, ManualClock) {
    narvik_with(store, |builder| builder)
}

/// As [`narvik_over`], with the settings `configure` adds to the suite's (an
/// absolute lifetime, a session limit).
pub(super) fn narvik_with<S: SessionStore<Data = TestData> + 'static>(
    store: S,
    configure: impl FnOnce(NarvikBuilder<S>) -> NarvikBuilder<S>,
) -> (Narvik<S>, ManualClock) {
    let wall_clock = OffsetDateTime::now_utc();
    let start = wall_clock - Duration::nanoseconds(i64::from(wall_clock.nanosecond()));
    let clock = ManualClock::new(start);
    let builder = Narvik::builder(store)
        .session_expires_in(SESSION_LENGTH)
        .clock(clock.clone());
    let narvik = ok(configure(builder).build(), "building Narvik");
    (narvik, clock)
}

pub(super) fn now(clock: &ManualClock) -> OffsetDateTime {
    crate::Clock::now(clock)
}

/// The value of `result`, or a panic naming the operation and the error's causes.
#[track_caller]
pub(super) fn ok<T>(result: Result<T>, operation: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("conformance: {operation} failed: {}", error_chain(&error)),
    }
}

/// The value of `option`, or a panic saying why it had to be there.
#[track_caller]
pub(super) fn some<T>(option: Option<T>, missing: &str) -> T {
    match option {
        Some(value) => value,
        None => panic!("conformance: {missing}"),
    }
}

pub(super) async fn create<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    user_id: &str,
    data: TestData,
) -> CreatedSession<TestData> {
    ok(narvik.create_session(user_id, data).await, "create_session")
}

/// The session of `token`, which must be valid.
#[track_caller]
pub(super) fn validated(
    session: Option<Session<TestData>>,
    token: &SessionToken,
) -> Session<TestData> {
    match session {
        Some(session) => session,
        None => panic!(
            "conformance: validate_session answered None for the live session {}",
            token.session_id()
        ),
    }
}

pub(super) async fn validate<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    token: &SessionToken,
) -> Session<TestData> {
    let session = ok(
        narvik.validate_session(token.as_str()).await,
        "validate_session",
    );
    validated(session, token)
}

pub(super) async fn assert_none<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    token: &str,
    what: impl Display,
) {
    let session = ok(narvik.validate_session(token).await, "validate_session");
    if let Some(session) = session {
        panic!(
            "conformance: validate_session of {what} ({token:?}) returned session {}",
            session.id
        );
    }
}

/// Checks that session `created` is over: its token validates to `None`, and
/// then the store keeps no session of its id.
pub(super) async fn assert_gone<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    created: &CreatedSession<TestData>,
    what: &str,
) {
    assert_none(narvik, created.token.as_str(), what).await;
    assert!(
        fetch(narvik, &created.session.id).await.is_none(),
        "conformance: the store still keeps {what}"
    );
}

/// `count` new sessions of `user_id`.
pub(super) async fn create_sessions<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    user_id: &str,
    count: usize,
) -> Vec<CreatedSession<TestData>> {
    let mut created = Vec::with_capacity(count);
    for _ in 0..count {
        created.push(create(narvik, user_id, TestData::named(user_id)).await);
    }
    created
}

pub(super) async fn fetch<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    session_id: &SessionId,
) -> Option<Session<TestData>> {
    ok(
        narvik.store().fetch_session(session_id).await,
        "fetch_session",
    )
}

/// Ends session `session_id` through `narvik`.
pub(super) async fn invalidate<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    session_id: &SessionId,
) {
    ok(
        narvik.invalidate_session(session_id).await,
        "invalidate_session",
    );
}

/// Every session of `user_id`, as `fetch_sessions_for_user` lists them.
pub(super) async fn sessions_of<S: FetchUserSessions<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    user_id: &str,
) -> Vec<Session<TestData>> {
    ok(
        narvik.fetch_sessions_for_user(user_id).await,
        &format!("fetch_sessions_for_user({user_id:?})"),
    )
}

pub(super) fn ids(sessions: &[Session<TestData>]) -> BTreeSet<SessionId> {
    sessions.iter().map(|session| session.id).collect()
}

/// Creates and validates `TASKS * SESSIONS_PER_TASK` sessions of `user_id` from
/// `TASKS` tasks at once; returns each token with its session id.
pub(super) async fn create_concurrently<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    user_id: &str,
) -> Vec<(SessionToken, SessionId)> {
    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let narvik = narvik.clone();
        let user_id = user_id.to_owned();
        tasks.spawn(async move {
            let mut created = Vec::with_capacity(SESSIONS_PER_TASK);
            for index in 0..SESSIONS_PER_TASK {
                let data = TestData::named(format!("task {task} session {index}"));
                let session = create(&narvik, &user_id, data.clone()).await;
                let validated = validate(&narvik, &session.token).await;
                assert_eq!(validated.data, data, "a concurrent create mixed up data");
                created.push((session.token, session.session.id));
            }
            created
        });
    }
    // A task's panic reaches the caller as it was.
    tasks.join_all().await.into_iter().flatten().collect()
}

/// A session of `user_id` stored directly with `save_session`, carrying `times`
/// as given (a sign-in long ago, say); returns its token.
pub(super) async fn save_with_times<S: SessionStore<Data = TestData> + 'static>(
    narvik: &Narvik<S>,
    user_id: &str,
    times: SessionTimes,
) -> SessionToken {
    let token = SessionToken::generate();
    let mut session = Session::new(token.session_id(), user_id, times, TestData::full());
    ok(
        narvik.store().save_session(&mut session).await,
        "save_session",
    );
    token
}

/// The value of a spawned task; its panic, raised again here as it was.
pub(super) async fn joined<T>(task: tokio::task::JoinHandle<T>) -> T {
    match task.await {
        Ok(value) => value,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("conformance: a racing task did not finish: {error}"),
    }
}
