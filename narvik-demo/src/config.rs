//! [`Config`]: what the app is made from.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;

use narvik::{Clock, SystemClock};
use time::Duration;

use crate::{HashingPool, RateLimits};

/// The store used when none is given: SQLite in memory, nothing to set up (and
/// nothing kept after the app stops).
pub const DEFAULT_STORE_URL: &str = "sqlite::memory:";

/// The namespace used when none is given; see [`Config::namespace`].
pub const DEFAULT_NAMESPACE: &str = "narvik_demo";

/// The absolute lifetime of a session when none is given: 12 hours. However
/// active, a session ends this long after sign-in (OWASP ASVS V7.3.2).
pub const DEFAULT_ABSOLUTE_LIFETIME: Duration = Duration::hours(12);

/// The most sessions one user may have at once when no other cap is given: a
/// sign-in beyond it ends the user's least recently extended session (OWASP ASVS
/// V7.1.2).
pub const DEFAULT_MAX_SESSIONS_PER_USER: NonZeroU32 = match NonZeroU32::new(10) {
    Some(max) => max,
    // Evaluated at compile time, where 10 is not 0: never reached.
    None => unreachable!(),
};

/// How long a proof of the password counts when none is given: five minutes.
/// Signing other sessions out and the change-password page ask for the password
/// again past it (OWASP ASVS V7.5).
pub const DEFAULT_REAUTHENTICATE_AFTER: Duration = Duration::minutes(5);

/// The session cookie's name while it is `Secure` (the default): browsers let no
/// other host (a sibling subdomain) set a `__Host-` cookie, so none can toss its
/// own session at the demo's users or hide theirs.
pub const SECURE_COOKIE_NAME: &str = "__Host-narvik_session";

/// The session cookie's name without `Secure` ([`Config::secure_cookies`] off):
/// browsers refuse a `__Host-` cookie that is not `Secure`.
pub const INSECURE_COOKIE_NAME: &str = "narvik_session";

/// Everything [`app`](fn@crate::app) needs.
///
/// `Config::default()` is what `cargo run -p narvik-demo` uses without flags.
#[derive(Clone)]
pub struct Config {
    /// Where sessions and user accounts live:
    ///
    /// - `sqlite::memory:` (the default), or a file: `sqlite://demo.db`;
    /// - `postgres://user:password@host:5432/database`;
    /// - `mysql://user:password@host:3306/database` (MySQL 8, MariaDB 10.5+);
    /// - `redis://host:6379`.
    ///
    /// Instances given the same shared store (and [`namespace`](Self::namespace))
    /// serve the same users and sessions.
    pub store_url: String,
    /// Names the tables (`{namespace}_sessions`, `{namespace}_users`) or prefixes the
    /// Redis keys (`{namespace}:`): 1 to 32 lower-case ASCII letters, digits and `_`,
    /// starting with a letter. Tests give each run its own.
    pub namespace: String,
    /// How long a session lasts without use; narvik extends a session in use once
    /// half of it has passed. Default: 30 days.
    pub session_length: Duration,
    /// How long a session lasts at most after sign-in, however active
    /// (`--absolute-lifetime-secs`); `None` for no limit. Extension never moves
    /// a session's expiry past it, and the cookie's `Max-Age` never outlives it.
    /// Default: [`DEFAULT_ABSOLUTE_LIFETIME`], 12 hours.
    pub absolute_lifetime: Option<Duration>,
    /// The most sessions one user may have at once (`--max-sessions-per-user`);
    /// `None` for no cap. A sign-in beyond it ends the user's least recently
    /// extended session, atomically in every store. Default:
    /// [`DEFAULT_MAX_SESSIONS_PER_USER`], 10.
    pub max_sessions_per_user: Option<NonZeroU32>,
    /// How long after the user last proved their password signing other sessions
    /// out and the change-password page still trust it, without asking again
    /// (`--reauthenticate-after-secs`), by the [`clock`](Self::clock). Default:
    /// [`DEFAULT_REAUTHENTICATE_AFTER`], five minutes; tests move a
    /// [`ManualClock`](narvik::ManualClock) past it rather than wait.
    pub reauthenticate_after: Duration,
    /// Whether the session cookie carries `Secure` (default: yes, narvik's default),
    /// and with it the `__Host-` prefix ([`SECURE_COOKIE_NAME`]); without it the
    /// cookie is [`INSECURE_COOKIE_NAME`].
    ///
    /// Chromium treats `http://127.0.0.1` and `http://localhost` as secure contexts
    /// and keeps a `Secure`, `__Host-` cookie they set (the browser tests check it).
    /// A browser that does not would drop the cookie, and signing in would seem to
    /// do nothing; turn it off (`--insecure-cookies`) for such a browser, or to
    /// reach the demo over plain HTTP by another host name. Behind HTTPS keep it on.
    pub secure_cookies: bool,
    /// Whether clients reach the demo over HTTPS, through a proxy in front of it
    /// that terminates TLS (`--https`). The demo itself serves plain HTTP, so this
    /// is off by default. It sets the one scheme a form's `Origin` may have
    /// ([`CsrfLayer::site_scheme`](narvik_axum::CsrfLayer::site_scheme)): on an
    /// HTTPS site a form from `http://` the same host is an attacker's, injected
    /// into some plain-HTTP response.
    pub https: bool,
    /// How many password hashes run at once, and how long a request waits for its
    /// turn before it gets `503`. Default: one per core, 5 seconds.
    pub hashing: HashingPool,
    /// How many password attempts (sign-in, sign-up, confirming or changing the
    /// password) a username and a client address get each minute before they get
    /// `429`. Default: 5 and 20.
    ///
    /// The client address is the TCP peer's, which the app sees only when served
    /// with `into_make_service_with_connect_info::<SocketAddr>()` (as the binary
    /// does); without it every client shares one address limit. Behind a reverse
    /// proxy the peer is the proxy: see the README.
    pub rate_limits: RateLimits,
    /// Where the app and narvik read the time. Tests pass a
    /// [`ManualClock`](narvik::ManualClock) to expire sessions without waiting.
    pub clock: Arc<dyn Clock>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            store_url: DEFAULT_STORE_URL.to_owned(),
            namespace: DEFAULT_NAMESPACE.to_owned(),
            session_length: narvik::DEFAULT_SESSION_EXPIRES_IN,
            absolute_lifetime: Some(DEFAULT_ABSOLUTE_LIFETIME),
            max_sessions_per_user: Some(DEFAULT_MAX_SESSIONS_PER_USER),
            reauthenticate_after: DEFAULT_REAUTHENTICATE_AFTER,
            secure_cookies: true,
            https: false,
            hashing: HashingPool::default(),
            rate_limits: RateLimits::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for Config {
    /// Shows the store's kind and host only: its URL may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("store", &crate::store::describe_url(&self.store_url))
            .field("namespace", &self.namespace)
            .field("session_length", &self.session_length)
            .field("absolute_lifetime", &self.absolute_lifetime)
            .field("max_sessions_per_user", &self.max_sessions_per_user)
            .field("reauthenticate_after", &self.reauthenticate_after)
            .field("secure_cookies", &self.secure_cookies)
            .field("https", &self.https)
            .field("hashing", &self.hashing)
            .field("rate_limits", &self.rate_limits)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The session cookie's name: [`SECURE_COOKIE_NAME`] while the cookie is
    /// `Secure`, else [`INSECURE_COOKIE_NAME`].
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            SECURE_COOKIE_NAME
        } else {
            INSECURE_COOKIE_NAME
        }
    }
}

/// Whether `namespace` may name tables and key prefixes; see
/// [`Config::namespace`].
pub(crate) fn is_valid_namespace(namespace: &str) -> bool {
    let mut bytes = namespace.bytes();
    matches!(bytes.next(), Some(first) if first.is_ascii_lowercase())
        && namespace.len() <= 32
        && bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_valid_namespace;

    #[test]
    fn namespaces_are_checked_before_they_reach_sql_text() {
        assert!(is_valid_namespace("narvik_demo"));
        assert!(is_valid_namespace("demo_123_456"));
        for refused in ["", "1demo", "Demo", "demo-x", "demo;drop", &"d".repeat(33)] {
            assert!(!is_valid_namespace(refused), "{refused:?}");
        }
    }
}
