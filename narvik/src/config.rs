//! Settings, their defaults, and the checks that refuse broken or unsafe cookies.

use std::num::NonZeroU32;
use std::sync::Arc;

use time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::cookie::{CookieAttributes, SameSite};
use crate::store::{LimitUserSessions, SessionLimit, SessionLimitPolicy, StoreFuture};
use crate::{Error, Narvik, Result, Session, SessionStore};

/// The default session length: 30 days.
pub const DEFAULT_SESSION_EXPIRES_IN: Duration = Duration::days(30);
/// The default cookie name.
pub const DEFAULT_COOKIE_NAME: &str = "narvik_session";
/// The longest session and cookie `build()` accepts: the 400 days to which
/// browsers cut a cookie's lifetime (RFC 6265bis). Bounding every length also
/// keeps each time narvik computes from it far inside `OffsetDateTime`'s range.
pub const MAX_LIFETIME: Duration = Duration::days(400);

/// Checked settings, shared by every clone of a [`Narvik`].
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) session_expires_in: Duration,
    pub(crate) cookie_name: String,
    /// Whole seconds, at least one.
    pub(crate) cookie_max_age: i64,
    pub(crate) secure: bool,
    pub(crate) domain: Option<String>,
    pub(crate) path: String,
    pub(crate) same_site: SameSite,
    pub(crate) clock: Arc<dyn Clock>,
    /// Off (`None`) by default, as in the original.
    pub(crate) absolute_lifetime: Option<Duration>,
}

/// How `create_session` stores a session under a per-user limit: the store's
/// [`LimitUserSessions`], captured where the builder knew the store has it.
pub(crate) type SaveLimited<S> = for<'a> fn(
    &'a S,
    &'a mut Session<<S as SessionStore>::Data>,
    SessionLimit,
) -> StoreFuture<'a, bool>;

/// The per-user session limit of a [`Narvik`], with the store operation that
/// enforces it.
pub(crate) struct Limit<S: SessionStore> {
    pub(crate) max: NonZeroU32,
    pub(crate) policy: SessionLimitPolicy,
    pub(crate) save: SaveLimited<S>,
}

impl Default for Config {
    /// The original's defaults, which pass every check of `build()`.
    fn default() -> Self {
        Self {
            session_expires_in: DEFAULT_SESSION_EXPIRES_IN,
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            cookie_max_age: DEFAULT_SESSION_EXPIRES_IN.whole_seconds(),
            secure: true,
            domain: None,
            path: "/".to_owned(),
            same_site: SameSite::Lax,
            clock: Arc::new(SystemClock),
            absolute_lifetime: None,
        }
    }
}

impl Config {
    /// The expiry of a session created or extended at `now` that was issued at
    /// `issued_at`: a session length from now, cut to the absolute deadline.
    pub(crate) fn expiry_from(
        &self,
        now: time::OffsetDateTime,
        issued_at: time::OffsetDateTime,
    ) -> time::OffsetDateTime {
        let expires_at = now.saturating_add(self.session_expires_in);
        match self.absolute_lifetime {
            Some(lifetime) => expires_at.min(issued_at.saturating_add(lifetime)),
            None => expires_at,
        }
    }

    /// Whether `session` is neither expired nor past its absolute deadline at
    /// `now_unix_nanos`.
    pub(crate) fn is_live<D>(&self, session: &Session<D>, now_unix_nanos: i128) -> bool {
        session.expires_at.unix_timestamp_nanos() > now_unix_nanos
            && self
                .absolute_deadline_nanos(session)
                .is_none_or(|deadline| deadline > now_unix_nanos)
    }

    /// The absolute deadline of `session` in Unix nanoseconds, when an absolute
    /// lifetime is set.
    #[inline]
    pub(crate) fn absolute_deadline_nanos<D>(&self, session: &Session<D>) -> Option<i128> {
        self.absolute_lifetime
            .map(|lifetime| session.issued_at.unix_timestamp_nanos() + lifetime.whole_nanoseconds())
    }

    pub(crate) fn cookie_attributes(&self, max_age: i64) -> CookieAttributes {
        CookieAttributes {
            domain: self.domain.clone(),
            max_age,
            path: self.path.clone(),
            same_site: self.same_site,
            secure: self.secure,
            http_only: true,
        }
    }
}

/// Configures a [`Narvik`]; made by [`Narvik::builder`].
///
/// Every setting starts at the original's default: sessions of 30 days, a cookie
/// named `narvik_session` living as long as the session, `Secure`, `HttpOnly`,
/// `Path=/`, `SameSite=Lax`, no `Domain`. [`build`](Self::build) refuses settings
/// that would produce a broken or unsafe cookie.
#[must_use = "call `build()` to get a `Narvik`"]
pub struct NarvikBuilder<S: SessionStore> {
    store: S,
    /// Unchecked until `build()`; `cookie_max_age` is set there.
    config: Config,
    cookie_expires_in: Option<Duration>,
    /// The limit as given, and the store's operation enforcing it; checked and
    /// joined with `policy` by `build()`.
    max_sessions: Option<(u32, SaveLimited<S>)>,
    policy: SessionLimitPolicy,
}

impl<S: SessionStore> NarvikBuilder<S> {
    pub(crate) fn new(store: S) -> Self {
        Self {
            store,
            config: Config::default(),
            cookie_expires_in: None,
            max_sessions: None,
            policy: SessionLimitPolicy::default(),
        }
    }

    /// The absolute lifetime of a session (OWASP ASVS V7.3.2): however active,
    /// a session ends this long after sign-in ([`Session::issued_at`]).
    /// Validation deletes a session past it; extension never moves `expires_at`
    /// past it, so the cookie's `Max-Age` never outlives it either. Default: off,
    /// as in the original (an active session lives on).
    ///
    /// Sessions stored before narvik 0.2 kept no sign-in time: each store's
    /// upgrade documents the time its deadline counts from.
    pub fn absolute_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.absolute_lifetime = Some(lifetime);
        self
    }

    /// At most `max` live sessions per user (OWASP ASVS V7.1.2), enforced
    /// atomically by the store: 50 simultaneous sign-ins of one user under a
    /// limit of 5 leave exactly 5. What gives way is
    /// [`session_limit_policy`](Self::session_limit_policy): by default the
    /// user's least recently extended session ends. Needs a store with
    /// [`LimitUserSessions`]. Default: no limit.
    pub fn max_sessions_per_user(mut self, max: u32) -> Self
    where
        S: LimitUserSessions,
    {
        let save: SaveLimited<S> =
            |store, session, limit| store.save_session_limited(session, limit);
        self.max_sessions = Some((max, save));
        self
    }

    /// What happens when a sign-in would exceed
    /// [`max_sessions_per_user`](Self::max_sessions_per_user). Default:
    /// [`SessionLimitPolicy::EndLeastRecentlyExtended`].
    pub fn session_limit_policy(mut self, policy: SessionLimitPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How long a session lasts; validation extends it by this much again once less
    /// than half is left. Default: 30 days.
    pub fn session_expires_in(mut self, length: Duration) -> Self {
        self.config.session_expires_in = length;
        self
    }

    /// The cookie's name: an RFC 6265 token. Default: `narvik_session`.
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.config.cookie_name = name.into();
        self
    }

    /// The cookie's `Max-Age`, in whole seconds. Default: the session length.
    pub fn cookie_expires_in(mut self, lifetime: Duration) -> Self {
        self.cookie_expires_in = Some(lifetime);
        self
    }

    /// The `Secure` attribute. Default: on. Turn it off only for plain-HTTP
    /// development servers.
    pub fn secure(mut self, secure: bool) -> Self {
        self.config.secure = secure;
        self
    }

    /// The `Domain` attribute. Default: none (the cookie goes to the exact host).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.config.domain = Some(domain.into());
        self
    }

    /// The `Path` attribute. Default: `/`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.path = path.into();
        self
    }

    /// The `SameSite` attribute. Default: `Lax`.
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.config.same_site = same_site;
        self
    }

    /// Where narvik reads the time. Default: [`SystemClock`]; tests pass a
    /// [`ManualClock`](crate::ManualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.config.clock = Arc::new(clock);
        self
    }

    /// Checks the settings and makes the [`Narvik`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`], naming the setting, when a length is not positive
    /// or longer than [`MAX_LIFETIME`] (400 days), the cookie would live less than
    /// a second, the cookie name is not an RFC 6265
    /// token, the domain or path holds `;`, whitespace or control characters (or the
    /// path does not start with `/`), `SameSite=None` comes without `Secure`, or the
    /// name's `__Host-` or `__Secure-` prefix is not honoured.
    pub fn build(self) -> Result<Narvik<S>> {
        let mut config = self.config;
        if config.session_expires_in <= Duration::ZERO {
            return Err(Error::config("session_expires_in", "must be positive"));
        }
        if config.session_expires_in > MAX_LIFETIME {
            return Err(Error::config(
                "session_expires_in",
                "must be at most 400 days: browsers keep a cookie no longer (RFC 6265bis), \
                 so a longer session could not be reached",
            ));
        }
        let cookie_expires_in = self.cookie_expires_in.unwrap_or(config.session_expires_in);
        if cookie_expires_in < Duration::SECOND {
            return Err(Error::config(
                "cookie_expires_in",
                "must be at least one second (Max-Age is whole seconds)",
            ));
        }
        if cookie_expires_in > MAX_LIFETIME {
            return Err(Error::config(
                "cookie_expires_in",
                "must be at most 400 days: browsers cut a longer Max-Age to 400 days \
                 (RFC 6265bis)",
            ));
        }
        check_cookie_name(&config.cookie_name)?;
        if let Some(domain) = &config.domain {
            check_attribute_value("domain", domain)?;
        }
        check_attribute_value("path", &config.path)?;
        if !config.path.starts_with('/') {
            return Err(Error::config("path", "must start with `/`"));
        }
        if config.same_site == SameSite::None && !config.secure {
            return Err(Error::config(
                "same_site",
                "`SameSite=None` requires `secure(true)`; browsers drop such cookies otherwise",
            ));
        }
        check_cookie_prefix(&config)?;
        if let Some(lifetime) = config.absolute_lifetime {
            if lifetime < Duration::SECOND {
                return Err(Error::config(
                    "absolute_lifetime",
                    "must be at least one second",
                ));
            }
            if lifetime > MAX_LIFETIME {
                return Err(Error::config(
                    "absolute_lifetime",
                    "must be at most 400 days: browsers keep a cookie no longer (RFC 6265bis)",
                ));
            }
        }
        let limit = match self.max_sessions {
            None => None,
            Some((max, save)) => Some(Limit {
                max: NonZeroU32::new(max).ok_or_else(|| {
                    Error::config(
                        "max_sessions_per_user",
                        "must be at least 1: with 0 no user could sign in",
                    )
                })?,
                policy: self.policy,
                save,
            }),
        };
        config.cookie_max_age = cookie_expires_in.whole_seconds();
        Ok(Narvik::from_parts(self.store, config, limit))
    }
}

/// RFC 6265 `token`: visible ASCII except separators.
fn check_cookie_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::config("cookie_name", "must not be empty"));
    }
    let invalid = name
        .chars()
        .find(|&ch| !ch.is_ascii_graphic() || "()<>@,;:\\\"/[]?={}".contains(ch));
    match invalid {
        Some(ch) => Err(Error::config(
            "cookie_name",
            format!(
                "{name:?} contains {ch:?}; a cookie name is letters, digits and \
                 !#$%&'*+-.^_`|~ only (an RFC 6265 token)"
            ),
        )),
        None => Ok(()),
    }
}

fn check_attribute_value(setting: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::config(setting, "must not be empty"));
    }
    match value
        .chars()
        .find(|&ch| ch == ';' || ch.is_whitespace() || ch.is_control())
    {
        Some(ch) => Err(Error::config(
            setting,
            format!("{value:?} contains {ch:?}; `;`, whitespace and control characters would break the cookie"),
        )),
        None => Ok(()),
    }
}

/// The browsers' cookie-prefix rules, matched case-insensitively as browsers do.
fn check_cookie_prefix(config: &Config) -> Result<()> {
    let name = config.cookie_name.as_bytes();
    let has_prefix = |prefix: &str| {
        name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    if has_prefix("__Host-") {
        if !config.secure {
            return Err(Error::config(
                "cookie_name",
                "a `__Host-` cookie requires `secure(true)`",
            ));
        }
        if config.domain.is_some() {
            return Err(Error::config(
                "cookie_name",
                "a `__Host-` cookie must not set `domain`",
            ));
        }
        if config.path != "/" {
            return Err(Error::config(
                "cookie_name",
                "a `__Host-` cookie requires `path(\"/\")`",
            ));
        }
    } else if has_prefix("__Secure-") && !config.secure {
        return Err(Error::config(
            "cookie_name",
            "a `__Secure-` cookie requires `secure(true)`",
        ));
    }
    Ok(())
}

#[cfg(test)]
// A failed unwrap is how a test reports the failure.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    fn refused_setting(builder: NarvikBuilder<MemoryStore<()>>) -> &'static str {
        match builder.build() {
            Err(Error::InvalidConfig { setting, .. }) => setting,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// `Duration::MAX` once built and then panicked in `create_session` (the
    /// expiry overflowed); no length `build()` accepts can do that now.
    #[test]
    fn lengths_past_the_browsers_cap_are_refused() {
        let store = MemoryStore::<()>::new();
        for too_long in [Duration::MAX, MAX_LIFETIME + Duration::SECOND] {
            let session = Narvik::builder(store.clone()).session_expires_in(too_long);
            assert_eq!(refused_setting(session), "session_expires_in");
            let cookie = Narvik::builder(store.clone()).cookie_expires_in(too_long);
            assert_eq!(refused_setting(cookie), "cookie_expires_in");
        }
    }

    #[tokio::test]
    async fn the_longest_accepted_length_works_at_the_end_of_time() {
        let clock = crate::ManualClock::new(time::PrimitiveDateTime::MAX.assume_utc());
        let narvik = Narvik::builder(MemoryStore::<()>::new())
            .session_expires_in(MAX_LIFETIME)
            .clock(clock)
            .build()
            .unwrap();
        let created = narvik.create_session("user-1", ()).await.unwrap();
        assert_eq!(
            created.session.expires_at,
            time::PrimitiveDateTime::MAX.assume_utc()
        );
    }
}
