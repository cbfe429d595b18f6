//! What the checks share: a Narvik on a manual clock, and calls that panic with
//! a message naming the failed operation.

use std::collections::BTreeSet;
use std::fmt::Display;

use time::{Duration, OffsetDateTime};
use tokio::task::JoinSet;

use super::{TestData, SESSIONS_PER_TASK, SESSION_LENGTH, TASKS};
use crate::{ManualClock, Narvik, Result, Session, SessionId, SessionStore, SessionToken};

/// A [`Narvik`] over `store` with the suite's settings and a [`ManualClock`]
/// starting now, cut to whole seconds; the clock is returned to move it.
pub(super) fn narvik_over<S: SessionStore<Data = TestData>>(store: S) -> (Narvik<S>, ManualClock) {
    let wall_clock = OffsetDateTime::now_utc();
    let start = wall_clock - Duration::nanoseconds(i64::from(wall_clock.nanosecond()));
    let clock = ManualClock::new(start);
    let narvik = ok(
        Narvik::builder(store)
            .session_expires_in(SESSION_LENGTH)
            .clock(clock.clone())
            .build(),
        "building Narvik",
    );
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
        Err(error) => panic!("conformance: {operation} failed: {}", causes(&error)),
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

pub(super) fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub(super) async fn create<S: SessionStore<Data = TestData>>(
    narvik: &Narvik<S>,
    user_id: &str,
    data: TestData,
) -> crate::CreatedSession<TestData> {
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

pub(super) async fn validate<S: SessionStore<Data = TestData>>(
    narvik: &Narvik<S>,
    token: &SessionToken,
) -> Session<TestData> {
    let session = ok(
        narvik.validate_session(token.as_str()).await,
        "validate_session",
    );
    validated(session, token)
}

pub(super) async fn assert_none<S: SessionStore<Data = TestData>>(
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

pub(super) async fn fetch<S: SessionStore<Data = TestData>>(
    narvik: &Narvik<S>,
    session_id: &SessionId,
) -> Option<Session<TestData>> {
    ok(
        narvik.store().fetch_session(session_id).await,
        "fetch_session",
    )
}

pub(super) fn ids(sessions: &[Session<TestData>]) -> BTreeSet<SessionId> {
    sessions.iter().map(|session| session.id).collect()
}

/// Creates and validates `TASKS * SESSIONS_PER_TASK` sessions of `user_id` from
/// `TASKS` tasks at once; returns each token with its session id.
pub(super) async fn create_concurrently<S: SessionStore<Data = TestData>>(
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
    join_all(tasks).await.into_iter().flatten().collect()
}

/// Waits for every task, passing a task's panic on as it was.
pub(super) async fn join_all<T: 'static>(mut tasks: JoinSet<T>) -> Vec<T> {
    let mut outputs = Vec::with_capacity(tasks.len());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(output) => outputs.push(output),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("conformance: a task was cancelled: {error}"),
        }
    }
    outputs
}
