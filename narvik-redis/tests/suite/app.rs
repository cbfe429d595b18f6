//! The application under test: its session data, and narvik over a Redis store on
//! a clock near Redis's own, with the calls the checks make.

use narvik::{
    CreatedSession, FetchUserSessions, ManualClock, Narvik, NarvikBuilder, Session, SessionData,
    SessionId, SessionStore,
};
use narvik_redis::RedisStore;
use narvik_tests::sessions_of;
use time::{Duration, OffsetDateTime};

use crate::server::Server;

/// Narvik over a Redis store.
pub(crate) type RedisNarvik = Narvik<RedisStore<AppData>>;

/// The application's session data.
#[derive(SessionData, Clone, Debug, PartialEq)]
pub(crate) struct AppData {
    /// Required: data stored without it does not decode.
    pub(crate) username: String,
    /// Optional: data stored without it reads `None`.
    pub(crate) theme: Option<String>,
    /// Defaulted: data stored without it reads 0.
    #[session(default)]
    pub(crate) visits: u32,
}

/// The data every check's sessions carry.
pub(crate) fn alice() -> AppData {
    AppData {
        username: "alice".into(),
        theme: Some("dark".into()),
        visits: 3,
    }
}

/// Narvik over `store` with a [`ManualClock`] at the real time: Redis sets each
/// key's expiry from `expires_at` by its own clock, so a clock far from it would
/// make keys expire at once (or never). Cut to the millisecond, the precision the
/// store keeps.
pub(crate) fn narvik_over<S: SessionStore<Data = AppData>>(store: S) -> (Narvik<S>, ManualClock) {
    narvik_with(store, |builder| builder)
}

/// [`narvik_over`] with more `settings` (an absolute lifetime, a limit…).
pub(crate) fn narvik_with<S: SessionStore<Data = AppData>>(
    store: S,
    settings: impl FnOnce(NarvikBuilder<S>) -> NarvikBuilder<S>,
) -> (Narvik<S>, ManualClock) {
    let now = OffsetDateTime::now_utc();
    let clock = ManualClock::new(
        now.replace_millisecond(now.millisecond())
            .expect("a whole millisecond"),
    );
    let narvik = settings(Narvik::builder(store).clock(clock.clone()))
        .build()
        .expect("valid settings");
    (narvik, clock)
}

/// A new store under the test's prefix (see [`Server::store`]), and narvik over it
/// on a clock near Redis's (see [`narvik_over`]).
pub(crate) async fn store_and_narvik(
    server: &Server,
) -> (RedisStore<AppData>, RedisNarvik, ManualClock) {
    let store = server.store().await;
    let (narvik, clock) = narvik_over(store.clone());
    (store, narvik, clock)
}

/// Narvik over `store` on the real clock, which Redis's expiries follow, with
/// sessions `expires_in` long.
pub(crate) fn expiring_in(store: &RedisStore<AppData>, expires_in: Duration) -> RedisNarvik {
    Narvik::builder(store.clone())
        .session_expires_in(expires_in)
        .build()
        .expect("valid settings")
}

/// The time of `clock`.
pub(crate) fn clock_now(clock: &ManualClock) -> OffsetDateTime {
    narvik::Clock::now(clock)
}

/// A new session of `user_id` carrying [`alice`].
pub(crate) async fn create<S: SessionStore<Data = AppData>>(
    narvik: &Narvik<S>,
    user_id: &str,
) -> CreatedSession<AppData> {
    narvik_tests::create(narvik, user_id, alice()).await
}

/// The live session `created` validates to.
pub(crate) async fn validate<S: SessionStore<Data = AppData>>(
    narvik: &Narvik<S>,
    created: &CreatedSession<AppData>,
) -> Session<AppData> {
    narvik_tests::validate(narvik, &created.token)
        .await
        .expect("a live session")
}

/// Whether `created` no longer validates.
pub(crate) async fn validates_to_none<S: SessionStore<Data = AppData>>(
    narvik: &Narvik<S>,
    created: &CreatedSession<AppData>,
) -> bool {
    narvik_tests::validate(narvik, &created.token)
        .await
        .is_none()
}

/// The ids of `user_id`'s sessions, as `fetch_sessions_for_user` lists them.
pub(crate) async fn listed_ids<S>(narvik: &Narvik<S>, user_id: &str) -> Vec<SessionId>
where
    S: FetchUserSessions<Data = AppData>,
{
    sessions_of(narvik, user_id)
        .await
        .into_iter()
        .map(|session| session.id)
        .collect()
}
