//! What the columns keep exactly: `expires_at` to the microsecond, user ids byte
//! for byte, data whatever characters it holds.

use narvik::testing::TestData;
use narvik_tests::{create, narvik_over, sessions_of, stored, validate, START};
use time::Duration;

use crate::fixture::{SqlDb, SqlFixture, SESSION_LENGTH};

/// `expires_at` keeps microseconds: the created session equals the stored one,
/// and an extension is stored to the microsecond.
pub(crate) async fn expires_at_keeps_microseconds<F: SqlFixture>(db: &SqlDb<F>) {
    let (narvik, clock) = narvik_over(db.store().await);
    clock.set(START + Duration::nanoseconds(123_456_789));
    let created = create(&narvik, "user-1", TestData::named("ada")).await;
    assert_eq!(
        created.session.expires_at,
        START + SESSION_LENGTH + Duration::microseconds(123_456),
        "save_session cuts expires_at to whole microseconds"
    );
    let in_store = stored(&narvik, &created.session.id).await;
    assert_eq!(in_store, Some(created.session.clone()));

    clock.set(START + SESSION_LENGTH / 2 + Duration::nanoseconds(987_654_321));
    let extended = validate(&narvik, &created.token).await.expect("valid");
    assert!(extended.is_extended());
    let in_store = stored(&narvik, &created.session.id).await.expect("stored");
    assert_eq!(
        in_store.expires_at,
        START + SESSION_LENGTH / 2 + SESSION_LENGTH + Duration::microseconds(987_654)
    );
}

/// User ids match exactly: case and trailing spaces make other users (MySQL's text
/// columns would ignore both).
pub(crate) async fn user_ids_are_compared_exactly<F: SqlFixture>(db: &SqlDb<F>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    for user_id in ["ada", "Ada", "ada ", "ädä"] {
        create(&narvik, user_id, TestData::named(user_id)).await;
    }
    for user_id in ["ada", "Ada", "ada ", "ädä"] {
        let sessions = narvik
            .fetch_sessions_for_user(user_id)
            .await
            .expect("fetch_sessions_for_user");
        assert_eq!(sessions.len(), 1, "{user_id:?} has one session");
        assert_eq!(sessions[0].user_id, user_id);
    }
    narvik
        .delete_sessions_for_user("ada")
        .await
        .expect("delete_sessions_for_user");
    for (user_id, left) in [("ada", 0), ("Ada", 1), ("ada ", 1), ("ädä", 1)] {
        let sessions = narvik
            .fetch_sessions_for_user(user_id)
            .await
            .expect("fetch_sessions_for_user");
        assert_eq!(sessions.len(), left, "sessions left for {user_id:?}");
    }
}

/// Data with NUL characters (`\u0000` in its JSON) is kept whole, as every other
/// store keeps it: PostgreSQL's `jsonb` would refuse it.
pub(crate) async fn data_with_nul_characters_is_kept_whole<F: SqlFixture>(db: &SqlDb<F>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let mut data = TestData::named("nul \u{0} inside");
    data.display = Some("\u{0}".to_owned());
    data.profile.tags = vec!["\u{0}\u{0}".to_owned(), "\\u0000 is not NUL".to_owned()];
    let created = narvik
        .create_session("user-1", data.clone())
        .await
        .expect("create_session keeps data with NUL characters");
    assert_eq!(created.session.data, data);
    let session = validate(&narvik, &created.token).await.expect("valid");
    assert_eq!(session.data, data);
    let listed = sessions_of(&narvik, "user-1").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].data, data);
}
