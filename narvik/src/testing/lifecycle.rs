//! Checks of the session's time stamps and of the absolute lifetime: what every
//! [`SessionStore`] must keep for them.

use std::sync::Arc;

use time::Duration;

use super::helpers::{
    assert_none, create, fetch, narvik_over, narvik_with, now, save_with_times, some, validate,
};
use super::{TestData, SESSION_LENGTH};
use crate::{SessionStore, SessionTimes, UNKNOWN_TIME};

/// `create_session` stamps `issued_at` and `authenticated_at` with now, and the
/// store hands both back unchanged from `fetch_session` and validation, after an
/// extension too; a session saved with three different stamps, or with
/// [`UNKNOWN_TIME`] (a session of narvik 0.1), keeps each of them.
pub async fn time_stamps_are_set_at_creation_and_kept<S>(store: S)
where
    S: SessionStore<Data = TestData> + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let signed_in_at = now(&clock);
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    assert_eq!(
        created.session.issued_at, signed_in_at,
        "create_session must set issued_at to now"
    );
    assert_eq!(
        created.session.authenticated_at, signed_in_at,
        "create_session must set authenticated_at to now: the sign-in proved a credential"
    );
    let fetched = some(
        fetch(&narvik, &created.session.id).await,
        "the store lost a new session",
    );
    assert_eq!(
        fetched.times(),
        created.session.times(),
        "fetch_session changed the time stamps of a new session"
    );

    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &created.token).await;
    assert!(extended.is_extended());
    let fetched = some(
        fetch(&narvik, &created.session.id).await,
        "an extended session is gone",
    );
    for (session, by) in [(&extended, "validation"), (&fetched, "fetch_session")] {
        assert_eq!(
            (session.issued_at, session.authenticated_at),
            (signed_in_at, signed_in_at),
            "after an extension, {by} returned other issued_at/authenticated_at stamps"
        );
    }

    for authenticated_at in [now(&clock) - Duration::minutes(7), UNKNOWN_TIME] {
        let times = SessionTimes {
            issued_at: now(&clock) - Duration::hours(2),
            authenticated_at,
            expires_at: now(&clock) + SESSION_LENGTH,
        };
        let token = save_with_times(&narvik, "user-1", times).await;
        let fetched = some(
            fetch(&narvik, &token.session_id()).await,
            "fetch_session lost a saved session",
        );
        assert_eq!(
            fetched.times(),
            times,
            "fetch_session must return the saved stamps (authenticated_at {authenticated_at})"
        );
        let validated = validate(&narvik, &token).await;
        assert_eq!(validated.times(), times, "validation changed the stamps");
    }
}

/// With an absolute lifetime, a session that validation keeps extending still
/// ends at `issued_at + lifetime`: validation answers `None` from then on and
/// deletes it. A session stored with an old `issued_at` and a far expiry is
/// refused and deleted too, however much of its expiry is left.
pub async fn absolute_lifetime_ends_session_however_active<S>(store: S)
where
    S: SessionStore<Data = TestData> + 'static,
{
    // Longer than the session length, so only the absolute lifetime can end it.
    let lifetime = SESSION_LENGTH + Duration::days(15);
    let (narvik, clock) = narvik_with(store, |builder| builder.absolute_lifetime(lifetime));
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    let deadline = created.session.issued_at + lifetime;

    // Active every five days: validation keeps extending it.
    while now(&clock) + Duration::days(5) < deadline {
        clock.advance(Duration::days(5));
        let validated = validate(&narvik, &created.token).await;
        assert!(
            validated.expires_at <= deadline,
            "validation moved expires_at to {}, past the absolute deadline {deadline}",
            validated.expires_at
        );
    }
    clock.set(deadline - Duration::SECOND);
    validate(&narvik, &created.token).await;
    // A sign-in of the same user just before: its deadline is its own.
    let signed_in_later = create(&narvik, "user-1", TestData::named("alice")).await;
    clock.set(deadline);
    assert_none(
        &narvik,
        created.token.as_str(),
        "a session at its absolute deadline",
    )
    .await;
    assert!(
        fetch(&narvik, &created.session.id).await.is_none(),
        "validation must delete a session past its absolute lifetime"
    );

    // Issued a lifetime ago, expiring a whole session length from now.
    let times = SessionTimes::issued(now(&clock) - lifetime, now(&clock) + SESSION_LENGTH);
    let issued_long_ago = save_with_times(&narvik, "user-3", times).await;
    assert_none(
        &narvik,
        issued_long_ago.as_str(),
        "a session issued an absolute lifetime ago",
    )
    .await;
    assert!(
        fetch(&narvik, &issued_long_ago.session_id())
            .await
            .is_none(),
        "validation must delete a session issued an absolute lifetime ago"
    );
    // A second younger, it is still valid.
    let times = SessionTimes::issued(
        now(&clock) - lifetime + Duration::SECOND,
        now(&clock) + SESSION_LENGTH,
    );
    let just_inside = save_with_times(&narvik, "user-3", times).await;
    validate(&narvik, &just_inside).await;

    validate(&narvik, &signed_in_later.token).await;
}

/// With an absolute lifetime, extension never moves `expires_at` past
/// `issued_at + lifetime`, in what validation returns and in what the store
/// keeps; at the deadline's edge nothing is extended at all. A lifetime shorter
/// than the session length cuts the expiry of a new session.
pub async fn extension_never_moves_expiry_past_absolute_deadline<S>(store: S)
where
    S: SessionStore<Data = TestData> + 'static,
{
    // Two Narviks of different lifetimes over the one store.
    let store = Arc::new(store);
    let lifetime = SESSION_LENGTH + Duration::days(10);
    let (narvik, clock) = narvik_with(Arc::clone(&store), |builder| {
        builder.absolute_lifetime(lifetime)
    });
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    let deadline = created.session.issued_at + lifetime;
    assert_eq!(created.session.expires_at, now(&clock) + SESSION_LENGTH);

    clock.advance(SESSION_LENGTH / 2 + Duration::SECOND);
    let extended = validate(&narvik, &created.token).await;
    assert!(
        extended.is_extended(),
        "a session with less than half left and time before its deadline is extended"
    );
    assert_eq!(
        extended.expires_at, deadline,
        "extension must stop at the absolute deadline"
    );
    let stored = some(
        fetch(&narvik, &created.session.id).await,
        "an extended session is gone",
    );
    assert_eq!(
        stored.expires_at, deadline,
        "the store must keep the expiry cut to the absolute deadline"
    );

    clock.set(deadline - Duration::days(1));
    let at_the_edge = validate(&narvik, &created.token).await;
    assert!(
        !at_the_edge.is_extended(),
        "a session whose expiry is its absolute deadline cannot be extended"
    );
    assert_eq!(at_the_edge.expires_at, deadline);

    let short = SESSION_LENGTH - Duration::days(20);
    let (narvik, clock) = narvik_with(store, |builder| builder.absolute_lifetime(short));
    let created = create(&narvik, "user-1", TestData::named("alice")).await;
    assert_eq!(
        created.session.expires_at,
        now(&clock) + short,
        "a new session must expire at its absolute deadline when that comes first"
    );
}
