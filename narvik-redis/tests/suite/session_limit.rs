//! A limit on a user's sessions: one script reads the user's sessions and
//! applies the policy, so concurrent sign-ins cannot overshoot it.

use narvik::{CreatedSession, Error, SessionLimitPolicy, SessionToken};
use narvik_redis::RedisStore;
use time::Duration;

use crate::app::{alice, clock_now, create, narvik_with, validate, validates_to_none, AppData};
use crate::asserts::assert_indexes_match_sessions;
use crate::server::Server;

/// How many sign-ins of one user race each other.
const SIGN_INS: usize = 50;
/// The limit they race against.
const MAX: u32 = 5;
/// How many app servers (connections) the sign-ins are spread over.
const APP_SERVERS: usize = 5;

/// 50 sign-ins of one user at once, spread over five app servers, under a
/// limit of 5 with `policy`: what each returned, and the store.
async fn sign_in_at_once(
    server: &Server,
    policy: SessionLimitPolicy,
) -> (
    Vec<narvik::Result<CreatedSession<AppData>>>,
    RedisStore<AppData>,
) {
    let mut app_servers = Vec::new();
    for _ in 0..APP_SERVERS {
        let (narvik, _clock) = narvik_with(server.store().await, |builder| {
            builder
                .max_sessions_per_user(MAX)
                .session_limit_policy(policy)
        });
        app_servers.push(narvik);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for sign_in in 0..SIGN_INS {
        let narvik = app_servers[sign_in % APP_SERVERS].clone();
        tasks.spawn(async move { narvik.create_session("user-1", alice()).await });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.expect("no task panics"));
    }
    (results, server.store().await)
}

/// Under the default policy, all 50 sign-ins succeed and exactly 5 sessions are
/// left, indexed.
pub(crate) async fn fifty_sign_ins_at_once_under_a_limit_of_5_leave_exactly_5_ending_the_oldest(
    server: Server,
) {
    let (results, store) = sign_in_at_once(&server, SessionLimitPolicy::default()).await;
    let (narvik, _clock) = narvik_with(store.clone(), |builder| builder);
    let mut valid = 0;
    for result in results {
        let created = result.expect("every sign-in succeeds: the oldest sessions give way");
        if !validates_to_none(&narvik, &created).await {
            valid += 1;
        }
    }
    assert_eq!(valid, MAX as usize);
    assert_eq!(
        server.index_members(&store, "user-1").await.len(),
        MAX as usize
    );
    assert_eq!(
        server.keys().await.len(),
        MAX as usize + 1,
        "5 sessions, 1 index"
    );
    assert_indexes_match_sessions(&server, &store).await;
}

/// Under `RefuseNew`, exactly 5 of 50 sign-ins at once succeed, the other 45 are
/// refused with `TooManySessions` and store nothing.
pub(crate) async fn fifty_sign_ins_at_once_under_a_limit_of_5_leave_exactly_5_refusing_new_ones(
    server: Server,
) {
    let (results, store) = sign_in_at_once(&server, SessionLimitPolicy::RefuseNew).await;
    let (narvik, _clock) = narvik_with(store.clone(), |builder| builder);
    let mut signed_in = Vec::new();
    for result in results {
        match result {
            Ok(created) => signed_in.push(created),
            Err(Error::TooManySessions { max }) => assert_eq!(max, MAX),
            Err(error) => panic!("a sign-in failed otherwise: {error:?}"),
        }
    }
    assert_eq!(signed_in.len(), MAX as usize);
    for created in &signed_in {
        validate(&narvik, created).await;
    }
    assert_eq!(
        server.keys().await.len(),
        MAX as usize + 1,
        "5 sessions, 1 index"
    );
    assert_indexes_match_sessions(&server, &store).await;
}

/// The default policy ends the session with the earliest `expires_at`, read from
/// the frame in either layout (a 0.1 session counts, and goes first here);
/// validation's extension makes a session the last to go.
pub(crate) async fn the_limit_ends_the_least_recently_extended_session_of_either_layout(
    server: Server,
) {
    let store = server.store().await;
    let (narvik, clock) = narvik_with(store.clone(), |builder| builder.max_sessions_per_user(3));
    let first = create(&narvik, "user-1").await;
    clock.advance(Duration::seconds(1));
    let second = create(&narvik, "user-1").await;
    // Stored by 0.1, ending soonest.
    let of_0_1 = SessionToken::generate().session_id();
    let data = r#"{"username":"alice"}"#;
    let ends_soonest = clock_now(&clock) + Duration::days(10);
    server
        .plant_session_of_0_1(&store, &of_0_1, "user-1", ends_soonest, data)
        .await;

    clock.advance(Duration::seconds(1));
    let third = create(&narvik, "user-1").await;
    assert!(
        !server.exists(&store.session_key(&of_0_1)).await,
        "the 0.1 session ended soonest: it went"
    );
    validate(&narvik, &first).await;
    validate(&narvik, &second).await;

    // The first session, extended, now ends last: the second goes.
    clock.advance(Duration::days(16));
    assert!(validate(&narvik, &first).await.is_extended());
    let fourth = create(&narvik, "user-1").await;
    assert!(validates_to_none(&narvik, &second).await);
    for kept in [&first, &third, &fourth] {
        validate(&narvik, kept).await;
    }
    assert_eq!(server.index_members(&store, "user-1").await.len(), 3);
    assert_indexes_match_sessions(&server, &store).await;
}

/// Sessions over by narvik's clock, members whose session is gone, and another
/// user's session listed in the index never count; the sessions that are over
/// are deleted on the way.
pub(crate) async fn the_limit_counts_neither_sessions_that_are_over_nor_stale_or_foreign_members(
    server: Server,
) {
    let store = server.store().await;
    let (narvik, clock) = narvik_with(store.clone(), |builder| {
        builder
            .max_sessions_per_user(2)
            .session_limit_policy(SessionLimitPolicy::RefuseNew)
    });
    let first = create(&narvik, "user-1").await;
    let second = create(&narvik, "user-1").await;
    let refused = narvik.create_session("user-1", alice()).await;
    assert!(
        matches!(refused, Err(Error::TooManySessions { max: 2 })),
        "{refused:?}"
    );

    // Over by narvik's clock, though Redis still holds them.
    clock.advance(Duration::days(31));
    let others = create(&narvik, "user-2").await;
    let index = store.user_index_key("user-1");
    let score = crate::frame::unix_ms(clock_now(&clock) + Duration::days(30));
    server
        .add_index_members(&index, score, &["0000gone", others.session.id.as_str()])
        .await;
    let third = create(&narvik, "user-1").await;
    let fourth = create(&narvik, "user-1").await;
    for over in [&first, &second] {
        assert!(
            !server.exists(&store.session_key(&over.session.id)).await,
            "a session that is over is deleted"
        );
    }
    validate(&narvik, &third).await;
    validate(&narvik, &fourth).await;
    validate(&narvik, &others).await;
    let mut members = server.index_members(&store, "user-1").await;
    members.sort();
    let mut expected = vec![third.session.id.to_string(), fourth.session.id.to_string()];
    expected.sort();
    assert_eq!(members, expected);
}
