//! Checks of [`DeleteExpiredSessions`].

use time::Duration;

use super::helpers::{create, fetch, narvik_over, ok, validate};
use super::TestData;
use crate::store::DeleteExpiredSessions;

/// `delete_all_expired_sessions` deletes the sessions whose expiry is at or before
/// now, and keeps the rest, including one that validation has just extended.
pub async fn delete_all_expired_sessions_deletes_expired_only<S>(store: S)
where
    S: DeleteExpiredSessions<Data = TestData>,
{
    let (narvik, clock) = narvik_over(store);
    ok(
        narvik.delete_all_expired_sessions().await,
        "delete_all_expired_sessions on an empty store",
    );

    let long_expired = create(&narvik, "alice", TestData::named("alice")).await;
    clock.advance(Duration::days(1));
    let expiring_now = create(&narvik, "bob", TestData::named("bob")).await;
    let extended_later = create(&narvik, "bob", TestData::named("bob")).await;
    clock.advance(Duration::SECOND);
    let one_second_left = create(&narvik, "alice", TestData::named("alice")).await;

    clock.set(extended_later.session.expires_at - Duration::SECOND);
    let extended = validate(&narvik, &extended_later.token).await;
    assert!(extended.is_extended());

    // `expiring_now` (and `extended_later` before its extension) expire exactly now.
    clock.set(expiring_now.session.expires_at);
    ok(
        narvik.delete_all_expired_sessions().await,
        "delete_all_expired_sessions",
    );

    for (expired, what) in [
        (&long_expired, "a session expired a day ago"),
        (&expiring_now, "a session expiring exactly now"),
    ] {
        assert!(
            fetch(&narvik, &expired.session.id).await.is_none(),
            "delete_all_expired_sessions kept {what}"
        );
    }
    for (live, what) in [
        (&one_second_left, "a session with a second left"),
        (&extended_later, "a session extended by validation"),
    ] {
        assert!(
            fetch(&narvik, &live.session.id).await.is_some(),
            "delete_all_expired_sessions deleted {what}"
        );
        validate(&narvik, &live.token).await;
    }
}
