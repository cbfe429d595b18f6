//! The lifecycle controls on a SQL database, beyond the conformance suite:
//! several application instances (separate pools) at once, and what only a
//! table shows.

use std::collections::BTreeSet;
use std::sync::Arc;

use narvik::testing::TestData;
use narvik::{
    Error, Narvik, RotateSessions, SessionId, SessionLimitPolicy, SessionStore, SessionToken,
};
use narvik_tests::{
    create, create_sessions, narvik_over, sessions_of, validate, with_manual_clock,
};
use tokio::sync::Barrier;

use crate::fixture::{SqlDb, SqlFixture, Store};

/// Application instances (each a store with a pool of its own) in the checks
/// that spread work over several.
const INSTANCES: usize = 5;

/// Rotations of one session at once, from several instances.
const ROTATIONS_AT_ONCE: usize = 20;

/// Sign-ins of one user at once, spread over the instances.
const SIGN_INS_AT_ONCE: usize = 50;

/// The limit on the user's sessions those sign-ins run under.
const LIMIT: u32 = 5;

/// [`INSTANCES`] stores over the fixture's table, each with a pool of its own.
async fn instances<F: SqlFixture>(db: &SqlDb<F>) -> Vec<Store<F>> {
    let mut stores = Vec::with_capacity(INSTANCES);
    for _ in 0..INSTANCES {
        stores.push(db.store().await);
    }
    stores
}

/// Many rotations of one session at once, from several instances, move it
/// exactly once: one answers the session, the others `None`; the user then has
/// one session, under the winner's id, with the user, data and time stamps it
/// had, and the old id is gone.
pub(crate) async fn rotations_at_once_move_a_session_exactly_once<F: SqlFixture>(db: &SqlDb<F>) {
    let stores = instances(db).await;
    let (narvik, _clock) = narvik_over(stores[0].clone());
    let created = create(&narvik, "ada", TestData::full()).await;
    let bystander = create(&narvik, "bob", TestData::named("bob")).await;
    let from = created.session.id;
    let start = Arc::new(Barrier::new(ROTATIONS_AT_ONCE));
    let rotations: Vec<_> = (0..ROTATIONS_AT_ONCE)
        .map(|rotation| {
            let store = stores[rotation % INSTANCES].clone();
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                let to = SessionToken::generate().session_id();
                start.wait().await;
                let moved = store.rotate_session(&from, &to, None).await;
                (to, moved.expect("rotate_session"))
            })
        })
        .collect();
    let mut moved: Vec<(SessionId, narvik::Session<TestData>)> = Vec::new();
    for rotation in rotations {
        let (to, session) = rotation.await.expect("the rotation ran");
        if let Some(session) = session {
            moved.push((to, session));
        }
    }
    assert_eq!(moved.len(), 1, "exactly one rotation moves the session");
    let (to, session) = &moved[0];
    assert_eq!(session.id, *to);
    assert_eq!(session.user_id, "ada");
    assert_eq!(session.data, created.session.data);
    assert_eq!(session.times(), created.session.times());
    let listed = sessions_of(&narvik, "ada").await;
    assert_eq!(
        listed,
        vec![session.clone()],
        "one session, under the new id"
    );
    let old = narvik
        .store()
        .fetch_session(&from)
        .await
        .expect("fetch_session");
    assert!(old.is_none(), "the old id is gone");
    assert!(validate(&narvik, &created.token).await.is_none());
    assert!(validate(&narvik, &bystander.token).await.is_some());
}

/// [`SIGN_INS_AT_ONCE`] sign-ins of one user at once, spread over several
/// instances, under a limit of [`LIMIT`]: ending the least recently extended,
/// all succeed and exactly the limit are left; refusing new ones, exactly the
/// limit succeed, the rest fail with `TooManySessions`, and those that succeeded
/// are the ones left. Another user's sessions stay.
pub(crate) async fn sign_ins_at_once_on_several_instances_leave_exactly_the_limit<F: SqlFixture>(
    db: &SqlDb<F>,
) {
    let stores = instances(db).await;
    let limited = |store: &Store<F>, policy| {
        let builder = Narvik::builder(store.clone())
            .max_sessions_per_user(LIMIT)
            .session_limit_policy(policy);
        with_manual_clock(builder).0
    };
    let (plain, _clock) = narvik_over(stores[0].clone());
    let bystander = create_sessions(&plain, "bob", 2, TestData::named("ada")).await;
    for policy in [
        SessionLimitPolicy::EndLeastRecentlyExtended,
        SessionLimitPolicy::RefuseNew,
    ] {
        let user_id = format!("ada-{policy:?}");
        let instances: Vec<_> = stores.iter().map(|store| limited(store, policy)).collect();
        let start = Arc::new(Barrier::new(SIGN_INS_AT_ONCE));
        let sign_ins: Vec<_> = (0..SIGN_INS_AT_ONCE)
            .map(|sign_in| {
                let narvik = instances[sign_in % INSTANCES].clone();
                let (start, user_id) = (Arc::clone(&start), user_id.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    narvik
                        .create_session(user_id, TestData::named(format!("{sign_in}")))
                        .await
                })
            })
            .collect();
        let mut signed_in = BTreeSet::new();
        let mut refused = 0;
        for sign_in in sign_ins {
            match sign_in.await.expect("the sign-in ran") {
                Ok(created) => {
                    signed_in.insert(created.session.id);
                }
                Err(Error::TooManySessions { max }) => {
                    assert_eq!(max, LIMIT);
                    refused += 1;
                }
                Err(error) => panic!("a sign-in under {policy:?} failed: {error:?}"),
            }
        }
        let left: BTreeSet<SessionId> = sessions_of(&plain, &user_id)
            .await
            .iter()
            .map(|session| session.id)
            .collect();
        assert_eq!(left.len(), LIMIT as usize, "{policy:?}: sessions left");
        if policy == SessionLimitPolicy::RefuseNew {
            assert_eq!(
                signed_in.len(),
                LIMIT as usize,
                "{policy:?}: sign-ins stored"
            );
            assert_eq!(refused, SIGN_INS_AT_ONCE - LIMIT as usize);
            assert_eq!(left, signed_in, "{policy:?}: the stored ones are left");
        } else {
            assert_eq!(
                signed_in.len(),
                SIGN_INS_AT_ONCE,
                "{policy:?}: none refused"
            );
            assert!(left.is_subset(&signed_in));
        }
    }
    for created in &bystander {
        assert!(validate(&plain, &created.token).await.is_some());
    }
}

/// `delete_all_sessions` ends every session of every user in the store's table,
/// and none in another table of the same database; the table works on after.
pub(crate) async fn delete_all_sessions_ends_its_table_only<F: SqlFixture>(db: &SqlDb<F>) {
    let (narvik, _clock) = narvik_over(db.store().await);
    let (elsewhere, _other_clock) = narvik_over(db.store_on_new_table().await);
    let mut ended = create_sessions(&narvik, "ada", 3, TestData::named("ada")).await;
    ended.extend(create_sessions(&narvik, "bob", 2, TestData::named("ada")).await);
    let kept = create_sessions(&elsewhere, "ada", 2, TestData::named("ada")).await;

    narvik
        .delete_all_sessions()
        .await
        .expect("delete_all_sessions");
    for created in &ended {
        assert!(validate(&narvik, &created.token).await.is_none());
    }
    assert!(sessions_of(&narvik, "ada").await.is_empty());
    assert!(sessions_of(&narvik, "bob").await.is_empty());
    for created in &kept {
        assert!(validate(&elsewhere, &created.token).await.is_some());
    }
    let after = create(&narvik, "ada", TestData::named("again")).await;
    assert!(validate(&narvik, &after.token).await.is_some());
}

/// `delete_other_sessions_for_user` through one instance ends the user's other
/// sessions for every instance, keeps the one named and other users' sessions.
pub(crate) async fn delete_other_sessions_applies_on_every_instance<F: SqlFixture>(db: &SqlDb<F>) {
    let (first, _first_clock) = narvik_over(db.store().await);
    let (second, _second_clock) = narvik_over(db.store().await);
    let sessions = create_sessions(&first, "ada", 4, TestData::named("ada")).await;
    let bystander = create(&first, "bob", TestData::named("bob")).await;
    let keep = &sessions[2];
    second
        .delete_other_sessions_for_user("ada", &keep.session.id)
        .await
        .expect("delete_other_sessions_for_user");
    for created in &sessions {
        let valid = validate(&first, &created.token).await.is_some();
        assert_eq!(valid, created.session.id == keep.session.id);
    }
    assert!(validate(&first, &bystander.token).await.is_some());
}
