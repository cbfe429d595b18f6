//! [`Config`]: what the app is made from.

use std::fmt;
use std::sync::Arc;

use narvik::{Clock, SystemClock};
use time::Duration;

/// The store used when none is given: SQLite in memory, nothing to set up (and
/// nothing kept after the app stops).
pub const DEFAULT_STORE_URL: &str = "sqlite::memory:";

/// The namespace used when none is given; see [`Config::namespace`].
pub const DEFAULT_NAMESPACE: &str = "narvik_demo";

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
    /// Whether the session cookie carries `Secure` (default: yes, narvik's default).
    ///
    /// Chromium treats `http://127.0.0.1` and `http://localhost` as secure contexts
    /// and keeps a `Secure` cookie they set (the browser tests check it). A browser
    /// that does not would drop the cookie, and signing in would seem to do nothing;
    /// turn it off (`--insecure-cookies`) for such a browser, or to reach the demo
    /// over plain HTTP by another host name.
    pub secure_cookies: bool,
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
            secure_cookies: true,
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
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
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
