//! Checks of [`DeleteExpiredSessions`].

use time::Duration;

use super::helpers::{create, fetch, narvik_over, ok, validate};
use super::TestData;
use crate::store::DeleteExpiredSessions;

/// `delete_all_expired_sessions` deletes the sessions whose expiry is at or before
/// now, and keeps the rest, including one that validation has just extended.
pub async fn delete_all_expired_sessions_deletes_expired_only<S>(store: S)
where
    S: DeleteExpiredSessions<Data = TestData> + 'static,
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

    // Which sessions must be gone, and which left (and still valid).
    for (created, left, what) in [
        (&long_expired, false, "a session expired a day ago"),
        (&expiring_now, false, "a session expiring exactly now"),
        (&one_second_left, true, "a session with a second left"),
        (&extended_later, true, "a session extended by validation"),
    ] {
        let found = fetch(&narvik, &created.session.id).await.is_some();
        let wrongly = if left { "deleted" } else { "kept" };
        assert_eq!(found, left, "delete_all_expired_sessions {wrongly} {what}");
        if left {
            validate(&narvik, &created.token).await;
        }
    }
}
