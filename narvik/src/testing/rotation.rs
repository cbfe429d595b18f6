//! Checks of [`RotateSessions`]: a new token for a session, the old one ended, in
//! one atomic step, and "sudo mode" re-authentication on top of it.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use tokio::task::JoinSet;

use super::helpers::{
    assert_gone, assert_none, create, fetch, ids, invalidate, joined, narvik_over, narvik_with,
    now, ok, save_with_times, sessions_of, some, validate,
};
use super::{TestData, RACE_ROUNDS, SESSION_LENGTH};
use crate::store::{DeleteUserSessions, FetchUserSessions, RotateSessions};
use crate::{
    CreatedSession, Narvik, Session, SessionId, SessionStore, SessionTimes, SessionToken,
    UNKNOWN_TIME,
};

/// Validations of the old token racing each rotation.
const RACING_VALIDATORS: usize = 3;

/// Rotates session `session_id` through `narvik`, which must succeed.
async fn rotate<S>(narvik: &Narvik<S>, session_id: &SessionId) -> CreatedSession<TestData>
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let rotated = ok(narvik.rotate_session(session_id).await, "rotate_session");
    some(rotated, "rotate_session answered None for a live session")
}

/// `rotate_session` gives the session a new token and id, with the same user,
/// data, `issued_at`, `authenticated_at` and `expires_at`; the old token never
/// validates after it returns, and the store keeps nothing under the old id. Other
/// sessions of the user stay.
pub async fn rotate_session_moves_session_to_new_token<S>(store: S)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::full()).await;
    let sibling = create(&narvik, "user-1", TestData::named("alice")).await;
    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let before = validate(&narvik, &created.token).await;
    assert!(before.is_extended());
    clock.advance(Duration::hours(1));

    let rotated = rotate(&narvik, &created.session.id).await;
    assert_ne!(
        rotated.token, created.token,
        "rotation must issue a new token"
    );
    assert_eq!(
        rotated.session.id,
        rotated.token.session_id(),
        "the rotated session's id must be the SHA-256 of the new token"
    );
    assert!(
        rotated.session.is_new(),
        "a rotated session needs its cookie sent: is_new() must be set"
    );
    assert_eq!(
        rotated.session.user_id, before.user_id,
        "rotation changed the user"
    );
    assert_eq!(
        rotated.session.data,
        TestData::full(),
        "rotation changed the data"
    );
    assert_eq!(
        rotated.session.times(),
        before.times(),
        "rotate_session must keep issued_at, authenticated_at and expires_at"
    );

    assert_gone(
        &narvik,
        &created,
        "the session under its old token, after rotation",
    )
    .await;
    let validated = validate(&narvik, &rotated.token).await;
    assert_eq!(
        validated, rotated.session,
        "the new token validates to another session"
    );
    let stored = some(
        fetch(&narvik, &rotated.session.id).await,
        "the store keeps nothing under the new id",
    );
    assert_eq!(
        stored, rotated.session,
        "the store changed the rotated session"
    );
    validate(&narvik, &sibling.token).await;
}

/// The store operation itself: `authenticated_at` is replaced when given and kept
/// when not (an [`UNKNOWN_TIME`] of a session of narvik 0.1 too), every other
/// field kept, the old id gone.
pub async fn rotate_session_replaces_authenticated_at_only_when_given<S>(store: S)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let times = SessionTimes {
        issued_at: now(&clock) - Duration::hours(3),
        authenticated_at: UNKNOWN_TIME,
        expires_at: now(&clock) + SESSION_LENGTH,
    };
    let from = save_with_times(&narvik, "user-1", times).await;
    let saved = some(
        fetch(&narvik, &from.session_id()).await,
        "fetch_session lost a saved session",
    );

    let kept_stamp = SessionToken::generate();
    let moved = rotate_in_store(&narvik, &from.session_id(), &kept_stamp.session_id(), None).await;
    let moved = some(moved, "rotate_session answered None for a stored session");
    let expected = Session::new(kept_stamp.session_id(), "user-1", times, saved.data.clone());
    assert_eq!(
        moved, expected,
        "rotate_session without a stamp must keep every field, authenticated_at too"
    );
    assert!(
        fetch(&narvik, &from.session_id()).await.is_none(),
        "rotate_session left the session under its old id"
    );

    let proved_at = now(&clock) - Duration::minutes(1);
    let new_stamp = SessionToken::generate();
    let moved = rotate_in_store(
        &narvik,
        &kept_stamp.session_id(),
        &new_stamp.session_id(),
        Some(proved_at),
    )
    .await;
    let moved = some(moved, "rotate_session answered None for a stored session");
    let expected_times = SessionTimes {
        authenticated_at: proved_at,
        ..times
    };
    let expected = Session::new(new_stamp.session_id(), "user-1", expected_times, saved.data);
    assert_eq!(
        moved, expected,
        "rotate_session with a stamp must replace authenticated_at and keep the rest"
    );
    let stored = some(
        fetch(&narvik, &new_stamp.session_id()).await,
        "rotate_session stored nothing under the new id",
    );
    assert_eq!(
        stored, expected,
        "the store keeps another session than it returned"
    );
    assert_none(&narvik, kept_stamp.as_str(), "a token rotated away").await;
}

/// `reauthenticate` stamps `authenticated_at` with now and rotates: a new token,
/// the old one ended, `issued_at` and `expires_at` kept, so the absolute deadline
/// does not move. `authenticated_within` follows the stamp.
pub async fn reauthenticate_stamps_authenticated_at_and_rotates<S>(store: S)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::full()).await;
    clock.advance(Duration::hours(1));
    let stale = validate(&narvik, &created.token).await;
    assert!(
        !stale.authenticated_within(Duration::minutes(5)),
        "an hour after sign-in, authenticated_within(5 minutes) must be false"
    );
    assert!(stale.authenticated_within(Duration::hours(1)));

    let reauthenticated = ok(
        narvik.reauthenticate(&created.session.id).await,
        "reauthenticate",
    );
    let reauthenticated = some(
        reauthenticated,
        "reauthenticate answered None for a live session",
    );
    assert_eq!(
        reauthenticated.session.authenticated_at,
        now(&clock),
        "reauthenticate must stamp authenticated_at with now"
    );
    assert_eq!(
        reauthenticated.session.issued_at, created.session.issued_at,
        "reauthenticate must keep issued_at: the absolute deadline counts from sign-in"
    );
    assert_eq!(
        reauthenticated.session.expires_at,
        created.session.expires_at
    );
    assert_eq!(reauthenticated.session.data, TestData::full());
    assert_ne!(
        reauthenticated.token, created.token,
        "reauthenticate must issue a new token"
    );
    assert_gone(
        &narvik,
        &created,
        "the session under its token before re-authentication",
    )
    .await;

    clock.advance(Duration::minutes(4));
    let fresh = validate(&narvik, &reauthenticated.token).await;
    assert_eq!(
        fresh.authenticated_at,
        now(&clock) - Duration::minutes(4),
        "the store lost the new authenticated_at"
    );
    assert!(fresh.authenticated_within(Duration::minutes(5)));
    assert!(!fresh.authenticated_within(Duration::minutes(3)));
}

/// Rotating a session that was never stored, or was signed out, answers `None`
/// and stores nothing under the new id: a rotation never brings a session back.
/// An expired session is not rotated either.
pub async fn rotating_missing_session_returns_none_and_stores_nothing<S>(store: S)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let never_stored = SessionToken::generate().session_id();
    let to = SessionToken::generate();
    let rotated = rotate_in_store(&narvik, &never_stored, &to.session_id(), None).await;
    assert!(
        rotated.is_none(),
        "rotate_session of a session never stored answered Some"
    );
    assert!(
        fetch(&narvik, &to.session_id()).await.is_none(),
        "rotate_session of a session never stored stored one under the new id"
    );

    let signed_out = create(&narvik, "user-1", TestData::named("alice")).await;
    invalidate(&narvik, &signed_out.session.id).await;
    let rotated = rotate_in_store(
        &narvik,
        &signed_out.session.id,
        &to.session_id(),
        Some(now(&clock)),
    )
    .await;
    assert!(
        rotated.is_none(),
        "rotate_session of a signed-out session answered Some"
    );
    assert!(
        fetch(&narvik, &to.session_id()).await.is_none(),
        "rotate_session brought a signed-out session back under the new id"
    );
    let through_narvik = ok(
        narvik.rotate_session(&signed_out.session.id).await,
        "rotate_session of a signed-out session",
    );
    assert!(
        through_narvik.is_none(),
        "Narvik rotated a signed-out session"
    );
    let through_narvik = ok(
        narvik.reauthenticate(&signed_out.session.id).await,
        "reauthenticate of a signed-out session",
    );
    assert!(
        through_narvik.is_none(),
        "Narvik re-authenticated a signed-out session"
    );

    let expired = create(&narvik, "user-1", TestData::named("alice")).await;
    clock.advance(SESSION_LENGTH);
    let rotated = ok(
        narvik.rotate_session(&expired.session.id).await,
        "rotate_session of an expired session",
    );
    if let Some(rotated) = rotated {
        panic!(
            "conformance: Narvik rotated an expired session to {}",
            rotated.session.id
        );
    }
    assert_none(&narvik, expired.token.as_str(), "an expired session").await;
}

/// Rotation keeps `issued_at`, so the absolute deadline stays where sign-in put
/// it: the rotated token is refused at the deadline, and a session past it is
/// not rotated.
pub async fn rotation_keeps_absolute_deadline<S>(store: S)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let lifetime = Duration::days(10);
    let (narvik, clock) = narvik_with(store, |builder| builder.absolute_lifetime(lifetime));
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    let deadline = created.session.issued_at + lifetime;
    clock.advance(Duration::days(6));
    let rotated = rotate(&narvik, &created.session.id).await;
    let reauthenticated = ok(
        narvik.reauthenticate(&rotated.session.id).await,
        "reauthenticate",
    );
    let reauthenticated = some(
        reauthenticated,
        "reauthenticate answered None for a live session",
    );
    assert_eq!(reauthenticated.session.issued_at, created.session.issued_at);
    assert!(reauthenticated.session.expires_at <= deadline);

    clock.set(deadline - Duration::SECOND);
    validate(&narvik, &reauthenticated.token).await;
    clock.set(deadline);
    assert_none(
        &narvik,
        reauthenticated.token.as_str(),
        "a rotated and re-authenticated session at its absolute deadline",
    )
    .await;

    // Stored with a far expiry but issued a lifetime ago.
    let times = SessionTimes::issued(now(&clock) - lifetime, now(&clock) + SESSION_LENGTH);
    let past_deadline = save_with_times(&narvik, "user-1", times).await;
    let rotated = ok(
        narvik.rotate_session(&past_deadline.session_id()).await,
        "rotate_session of a session past its absolute deadline",
    );
    assert!(
        rotated.is_none(),
        "Narvik rotated a session past its absolute deadline"
    );
}

/// Rotations racing validations of the old token (some of which extend it),
/// round after round: once `rotate_session` has returned, the old token never
/// validates again, and afterwards only the new token is alive.
pub async fn rotation_racing_validation_never_lets_old_token_validate<S>(store: S)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let (narvik, clock) = narvik_over(store);
    for round in 0..RACE_ROUNDS {
        let created = create(&narvik, "user-1", TestData::named(format!("round {round}"))).await;
        if round % 2 == 0 {
            // Less than half left: the racing validations extend.
            clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
        }
        let rotated_flag = Arc::new(AtomicBool::new(false));
        let mut validators = JoinSet::new();
        for _ in 0..RACING_VALIDATORS {
            let narvik = narvik.clone();
            let token = created.token.clone();
            let rotated_flag = Arc::clone(&rotated_flag);
            validators.spawn(async move {
                loop {
                    let after_rotation = rotated_flag.load(Ordering::SeqCst);
                    let validated = ok(
                        narvik.validate_session(token.as_str()).await,
                        "validate_session racing a rotation",
                    );
                    if after_rotation {
                        if let Some(session) = validated {
                            panic!(
                                "conformance: round {round}: the old token validated (to \
                                 session {}) after rotate_session returned",
                                session.id
                            );
                        }
                        break;
                    }
                    // Lets the rotation run on a single-threaded runtime too.
                    tokio::task::yield_now().await;
                }
            });
        }
        let rotating = narvik.clone();
        let session_id = created.session.id;
        let rotation = tokio::spawn(async move {
            let rotated = ok(
                rotating.rotate_session(&session_id).await,
                "rotate_session racing validations",
            );
            rotated_flag.store(true, Ordering::SeqCst);
            rotated
        });
        let rotated = joined(rotation).await;
        validators.join_all().await;

        let rotated = some(
            rotated,
            &format!("round {round}: rotate_session racing validations answered None"),
        );
        assert_gone(
            &narvik,
            &created,
            "the session under its old token, after rotation",
        )
        .await;
        let validated = validate(&narvik, &rotated.token).await;
        assert_eq!(validated.user_id, "user-1");
        assert_eq!(validated.issued_at, created.session.issued_at);
        assert_eq!(validated.data, created.session.data);
    }
}

/// Rotations racing sign-outs of the same session, round after round: a rotation
/// that starts after the sign-out completed answers `None` and stores nothing;
/// whatever the order, the old token never validates afterwards, and at most one
/// session (the new one, when the rotation won) is alive.
pub async fn rotation_racing_sign_out_never_resurrects_session<S>(store: S)
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    for round in 0..RACE_ROUNDS {
        let created = create(&narvik, "user-1", TestData::named(format!("round {round}"))).await;
        let session_id = created.session.id;
        let to = SessionToken::generate();
        let signed_out_flag = Arc::new(AtomicBool::new(false));

        let signing_out = {
            let narvik = narvik.clone();
            let signed_out_flag = Arc::clone(&signed_out_flag);
            async move {
                invalidate(&narvik, &session_id).await;
                signed_out_flag.store(true, Ordering::SeqCst);
            }
        };
        let rotating = {
            let narvik = narvik.clone();
            let to_id = to.session_id();
            async move {
                let after_sign_out = signed_out_flag.load(Ordering::SeqCst);
                let rotated = rotate_in_store(&narvik, &session_id, &to_id, None).await;
                if after_sign_out {
                    if let Some(session) = &rotated {
                        panic!(
                            "conformance: round {round}: rotate_session brought back a \
                             signed-out session as {}",
                            session.id
                        );
                    }
                }
                rotated
            }
        };
        // Either may be spawned first; each order wins some rounds.
        let (rotated, ()) = if round % 2 == 0 {
            let rotation = tokio::spawn(rotating);
            let sign_out = tokio::spawn(signing_out);
            (joined(rotation).await, joined(sign_out).await)
        } else {
            let sign_out = tokio::spawn(signing_out);
            let rotation = tokio::spawn(rotating);
            (joined(rotation).await, joined(sign_out).await)
        };

        assert_none(
            &narvik,
            created.token.as_str(),
            format!("round {round}: a session signed out and rotated away"),
        )
        .await;
        let stored_new = fetch(&narvik, &to.session_id()).await;
        match rotated {
            Some(rotated) => assert_eq!(
                stored_new.as_ref(),
                Some(&rotated),
                "round {round}: rotate_session returned a session it did not store"
            ),
            None => {
                if let Some(session) = stored_new {
                    panic!(
                        "conformance: round {round}: rotate_session answered None but stored \
                         session {}",
                        session.id
                    );
                }
            }
        }
        invalidate(&narvik, &to.session_id()).await;
    }
}

/// The store's own `rotate_session` of `from` to `to`, which must not fail.
async fn rotate_in_store<S>(
    narvik: &Narvik<S>,
    from: &SessionId,
    to: &SessionId,
    authenticated_at: Option<OffsetDateTime>,
) -> Option<Session<TestData>>
where
    S: SessionStore<Data = TestData> + RotateSessions + 'static,
{
    ok(
        narvik
            .store()
            .rotate_session(from, to, authenticated_at)
            .await,
        "rotate_session",
    )
}

/// A rotated session moves in its user's list too: listed under the new id, not
/// the old, and ended with its user by `delete_sessions_for_user` (a store that
/// indexes sessions by user must move the index entry in the same step).
pub async fn rotated_session_is_listed_and_ended_with_its_user<S>(store: S)
where
    S: SessionStore<Data = TestData>
        + RotateSessions
        + FetchUserSessions
        + DeleteUserSessions
        + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "alice", TestData::full()).await;
    let sibling = create(&narvik, "alice", TestData::named("alice")).await;
    let rotated = rotate(&narvik, &created.session.id).await;
    let reauthenticated = ok(
        narvik.reauthenticate(&sibling.session.id).await,
        "reauthenticate",
    );
    let reauthenticated = some(
        reauthenticated,
        "reauthenticate answered None for a live session",
    );

    let listed = ids(&sessions_of(&narvik, "alice").await);
    assert_eq!(
        listed,
        BTreeSet::from([rotated.session.id, reauthenticated.session.id]),
        "after rotation, fetch_sessions_for_user must list the new ids and not the old"
    );
    ok(
        narvik.delete_sessions_for_user("alice").await,
        "delete_sessions_for_user",
    );
    assert_gone(
        &narvik,
        &rotated,
        "a rotated session, after delete_sessions_for_user",
    )
    .await;
    assert_gone(
        &narvik,
        &reauthenticated,
        "a re-authenticated session, after delete_sessions_for_user",
    )
    .await;
}
