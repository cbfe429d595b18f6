//! Checks of [`UpdateSessionData`]: a session's data changes without a lost
//! write, and never brings a session back.

use time::Duration;

use super::helpers::{create, fetch, invalidate, joined, narvik_over, now, ok, some, validate};
use super::{TestData, SESSION_LENGTH};
use crate::store::UpdateSessionData;
use crate::{Error, Narvik, SessionStore};

/// Concurrent `modify_session_data` calls of one session, half through each of
/// two `Narvik` instances.
const CONCURRENT_MODIFIES: u32 = 100;

/// An extension moves the expiry of the session as it is stored now: a data
/// update that landed after validation read the session is kept, not written
/// back over with the data validation read.
pub async fn extension_keeps_an_update_made_since_the_read<S>(store: S)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    let mut read = validate(&narvik, &created.token).await;
    let mut changed = read.data.clone();
    changed.visits = 7;
    some(
        ok(
            narvik.update_session_data(&read, changed.clone()).await,
            "update_session_data",
        ),
        "update_session_data answered None for a live session",
    );

    // The extension that validation decided on with what it read before.
    clock.advance(SESSION_LENGTH / 2);
    read.expires_at = now(&clock) + SESSION_LENGTH;
    ok(narvik.store().extend_session(&read).await, "extend_session");
    let stored = some(
        fetch(&narvik, &created.session.id).await,
        "extend_session lost the session",
    );
    assert_eq!(
        stored.expires_at, read.expires_at,
        "extend_session did not store the new expiry"
    );
    assert_eq!(
        (stored.data_version(), stored.data),
        (1, changed),
        "an extension wrote back the data validation read, losing an update"
    );
}

/// `update_session_data` writes the new data and the next data version, and
/// nothing else: not `expires_at`, not the time stamps, not another session.
pub async fn update_session_data_changes_the_data_and_nothing_else<S>(store: S)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    let other = create(&narvik, "user-1", TestData::named("bob")).await;
    clock.advance(Duration::minutes(5));
    let read = validate(&narvik, &created.token).await;
    assert_eq!(read.data_version(), 0, "a new session's data version");

    let mut changed = read.data.clone();
    changed.visits = 7;
    changed.display = Some("Ada".to_owned());
    let updated = some(
        ok(
            narvik.update_session_data(&read, changed.clone()).await,
            "update_session_data",
        ),
        "update_session_data answered None for a live session",
    );
    assert_eq!(updated.data, changed);
    assert_eq!(
        updated.data_version(),
        1,
        "the data version after one update"
    );

    let stored = some(
        fetch(&narvik, &created.session.id).await,
        "the updated session is gone",
    );
    assert_eq!(stored.data, changed, "fetch_session after the update");
    assert_eq!(stored.data_version(), 1, "the stored data version");
    assert_eq!(
        stored.times(),
        created.session.times(),
        "an update changed expires_at or a time stamp"
    );
    let untouched = validate(&narvik, &other.token).await;
    assert_eq!(
        untouched.data,
        TestData::named("bob"),
        "an update changed another session"
    );
    assert_eq!(untouched.data_version(), 0);
}

/// An update based on a session read before another update is refused with
/// `Error::Conflict` and writes nothing.
pub async fn update_from_stale_read_is_a_conflict<S>(store: S)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    let first_read = validate(&narvik, &created.token).await;
    let second_read = validate(&narvik, &created.token).await;

    let winner = TestData {
        visits: 1,
        ..TestData::named("ada")
    };
    let written = ok(
        narvik
            .update_session_data(&first_read, winner.clone())
            .await,
        "update_session_data",
    );
    assert!(written.is_some(), "the first update was not written");

    let loser = TestData {
        visits: 99,
        ..TestData::named("ada")
    };
    match narvik.update_session_data(&second_read, loser).await {
        Err(Error::Conflict) => {}
        other => panic!(
            "conformance: an update based on a stale read answered {:?}, not Error::Conflict",
            other.map(|session| session.map(|session| session.data))
        ),
    }
    let stored = validate(&narvik, &created.token).await;
    assert_eq!(stored.data, winner, "a refused update wrote its data");
    assert_eq!(stored.data_version(), 1);
}

/// Neither `update_session_data` nor `modify_session_data` brings back a session
/// that was signed out or expired: both answer `None` and store nothing.
pub async fn update_never_resurrects_a_session<S>(store: S)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + 'static,
{
    let (narvik, clock) = narvik_over(store);
    let signed_out = create(&narvik, "user-1", TestData::named("ada")).await;
    let read = validate(&narvik, &signed_out.token).await;
    invalidate(&narvik, &signed_out.session.id).await;
    let updated = ok(
        narvik
            .update_session_data(&read, TestData::named("changed"))
            .await,
        "update_session_data of a signed-out session",
    );
    assert!(
        updated.is_none(),
        "an update answered for a signed-out session"
    );
    let modified = ok(
        narvik
            .modify_session_data(&signed_out.session.id, |data| data.visits += 1)
            .await,
        "modify_session_data of a signed-out session",
    );
    assert!(
        modified.is_none(),
        "a modify answered for a signed-out session"
    );
    assert!(
        fetch(&narvik, &signed_out.session.id).await.is_none(),
        "an update brought a signed-out session back"
    );

    let expiring = create(&narvik, "user-1", TestData::named("bob")).await;
    clock.advance(SESSION_LENGTH + Duration::SECOND);
    let modified = ok(
        narvik
            .modify_session_data(&expiring.session.id, |data| data.visits += 1)
            .await,
        "modify_session_data of an expired session",
    );
    assert!(
        modified.is_none(),
        "a modify answered for an expired session"
    );
}

/// `modify_session_data` applies the change to the data as stored and returns the
/// session as written.
pub async fn modify_applies_the_change_to_the_stored_data<S>(store: S)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + 'static,
{
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1", TestData::full()).await;
    let modified = some(
        ok(
            narvik
                .modify_session_data(&created.session.id, |data| {
                    data.visits = 41;
                    data.profile.tags.push("added".to_owned());
                })
                .await,
            "modify_session_data",
        ),
        "modify_session_data answered None for a live session",
    );
    let mut expected = TestData::full();
    expected.visits = 41;
    expected.profile.tags.push("added".to_owned());
    assert_eq!(modified.data, expected);
    assert_eq!(modified.data_version(), 1);
    assert_eq!(validate(&narvik, &created.token).await.data, expected);
}

/// 100 concurrent `modify_session_data` calls incrementing one counter, half
/// through each of two `Narvik` instances over clones of the store, leave it at
/// 100: no update is lost. See [`modifies_through_two_stores_lose_no_update`] for
/// two stores with connections of their own.
pub async fn concurrent_modifies_from_two_instances_lose_no_update<S>(store: S)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + Clone + 'static,
{
    modifies_through_two_stores_lose_no_update(store.clone(), store).await;
}

/// 100 concurrent `modify_session_data` calls incrementing one counter, half
/// through a `Narvik` over `first` and half over `second`, two stores over the
/// same backend as two app servers have them (connections or pools of their
/// own), leave it at 100, each call writing one data version: no update is lost
/// and none is applied twice.
pub async fn modifies_through_two_stores_lose_no_update<S>(first: S, second: S)
where
    S: SessionStore<Data = TestData> + UpdateSessionData + 'static,
{
    let (first, _clock) = narvik_over(first);
    let (second, _clock) = narvik_over(second);
    let created = create(&first, "user-1", TestData::named("ada")).await;
    let mut tasks = Vec::new();
    for index in 0..CONCURRENT_MODIFIES {
        let narvik: Narvik<S> = if index % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let session_id = created.session.id;
        tasks.push(tokio::spawn(async move {
            let modified = narvik
                .modify_session_data(&session_id, |data| data.visits += 1)
                .await;
            some(ok(modified, "modify_session_data"), "the session vanished").data_version()
        }));
    }
    let mut versions = Vec::new();
    for task in tasks {
        versions.push(joined(task).await);
    }
    versions.sort_unstable();
    let expected: Vec<u64> = (1..=u64::from(CONCURRENT_MODIFIES)).collect();
    assert_eq!(
        versions, expected,
        "each modify must write exactly one data version"
    );
    let stored = validate(&second, &created.token).await;
    assert_eq!(
        stored.visits, CONCURRENT_MODIFIES,
        "concurrent modifies lost updates"
    );
    assert_eq!(stored.data_version(), u64::from(CONCURRENT_MODIFIES));
}
