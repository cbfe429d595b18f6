//! [`RateLimits`]: how many password attempts (sign-ins and sign-ups) a username
//! and a client address get, and the limiter that counts them.
//!
//! Only attempts that reach the password hasher count: a form refused for an
//! empty field or an invalid name costs nothing and is not counted. Each limit is
//! a GCRA bucket (`governor`): a burst of the limit, then one more attempt each
//! minute / limit.
//!
//! The counts live in the process: each instance of the app keeps its own, and a
//! restart forgets them.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::users::USERNAME_MAX_CHARS;

/// How many password attempts a minute a username and a client address get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Attempts a minute for one username, from any address: bounds password
    /// guessing against one account, however many addresses the guesser has.
    /// Default: 5.
    pub per_username_per_minute: NonZeroU32,
    /// Attempts a minute from one client address (an IPv6 client's whole `/64`),
    /// for any usernames: bounds what one client makes the hasher do, and how many
    /// usernames it can lock. Default: 20.
    pub per_address_per_minute: NonZeroU32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_username_per_minute: NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN),
            per_address_per_minute: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// Which limit an attempt ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// The username's.
    Username,
    /// The client address's.
    Address,
}

/// An attempt refused by a limit: which one, and when the next would be allowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TooManyAttempts {
    pub(crate) exceeded: Exceeded,
    /// Whole seconds, at least 1: what `Retry-After` and the page say.
    pub(crate) retry_after_secs: u64,
}

/// Where an attempt came from, as the limits count it: an IPv4 address, an IPv6
/// `/64` (one client is commonly given a whole one), or unknown (the app was
/// served without the peer address; then every client shares one limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4([u8; 4]),
    V6Network([u8; 8]),
    Unknown,
}

impl ClientKey {
    fn of(client: Option<IpAddr>) -> Self {
        match client.map(|address| address.to_canonical()) {
            Some(IpAddr::V4(address)) => Self::V4(address.octets()),
            Some(IpAddr::V6(address)) => {
                let octets = address.octets();
                let mut network = [0; 8];
                network.copy_from_slice(&octets[..8]);
                Self::V6Network(network)
            }
            None => Self::Unknown,
        }
    }
}

/// How many checks between two sweeps of the keys whose buckets are full again,
/// which bounds the memory the counts take.
const SWEEP_EVERY: u64 = 1024;

/// Counts password attempts per username and per client address.
pub(crate) struct AttemptLimiter {
    by_username: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<ClientKey>,
    checks: AtomicU64,
}

impl AttemptLimiter {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self {
            by_username: RateLimiter::keyed(Quota::per_minute(limits.per_username_per_minute)),
            by_address: RateLimiter::keyed(Quota::per_minute(limits.per_address_per_minute)),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one attempt for `username` (normalized) from `client`, or refuses it.
    /// The address is checked first, so that a client over its own limit spends
    /// no more of the username's.
    pub(crate) fn check(
        &self,
        client: Option<IpAddr>,
        username: &str,
    ) -> Result<(), TooManyAttempts> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        check_key(&self.by_address, &ClientKey::of(client), Exceeded::Address)?;
        // Valid usernames are at most this long; a longer key would only cost memory.
        let username: String = username.chars().take(USERNAME_MAX_CHARS + 1).collect();
        check_key(&self.by_username, &username, Exceeded::Username)
    }

    /// Forgets the keys whose buckets are full again.
    fn sweep(&self) {
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
        self.by_username.retain_recent();
        self.by_username.shrink_to_fit();
    }
}

/// Counts one attempt for `key` in `limiter`, or says when the next is allowed.
fn check_key<K: Clone + Eq + std::hash::Hash>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    exceeded: Exceeded,
) -> Result<(), TooManyAttempts> {
    limiter.check_key(key).map_err(|not_until| TooManyAttempts {
        exceeded,
        retry_after_secs: whole_seconds(not_until.wait_time_from(limiter.clock().now())),
    })
}

/// `wait` rounded up to whole seconds, at least 1.
fn whole_seconds(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::Duration;

    use super::{whole_seconds, ClientKey};

    fn key(address: &str) -> ClientKey {
        ClientKey::of(Some(address.parse::<IpAddr>().unwrap_or_else(|error| {
            panic!("{address}: {error}");
        })))
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        assert_eq!(key("2001:db8::1"), key("2001:db8::ffff:1"));
        assert_ne!(key("2001:db8::1"), key("2001:db8:0:1::1"));
        // An IPv4 address mapped into IPv6 is that IPv4 address.
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert_eq!(ClientKey::of(None), ClientKey::Unknown);
    }

    #[test]
    fn waits_are_whole_seconds_rounded_up() {
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(12)), 12);
        assert_eq!(whole_seconds(Duration::from_millis(12_001)), 13);
    }
}
