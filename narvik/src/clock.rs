//! Where narvik reads the time, so tests can move it instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> OffsetDateTime;

    /// The current time as nanoseconds since the Unix epoch: what
    /// [`validate_session`](crate::Narvik::validate_session) compares an expiry with
    /// on every request. It must agree with [`now`](Self::now) to within the clock's
    /// resolution. The default converts `now()`; override it when your clock can
    /// answer faster, as [`SystemClock`] does.
    fn now_unix_nanos(&self) -> i128 {
        self.now().unix_timestamp_nanos()
    }
}

/// A shared clock is a clock: an app can hand narvik the `Arc<dyn Clock>` it keeps
/// for itself, and every method (the fast [`now_unix_nanos`](Clock::now_unix_nanos)
/// too) reaches the clock inside.
impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }

    fn now_unix_nanos(&self) -> i128 {
        (**self).now_unix_nanos()
    }
}

/// The system's wall clock in UTC; the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    /// On Linux, the coarse wall clock (`CLOCK_REALTIME_COARSE`): the time at the
    /// last timer tick, read without touching a hardware counter and without
    /// building a calendar date. It runs at most one tick (1 to 10 ms by kernel
    /// configuration, 4 ms on most) behind [`now`](Self::now), so a session may
    /// pass validation up to one tick after its expiry; in exchange every
    /// validation reads the time in about 3 ns instead of 46. Elsewhere, the same
    /// clock as `now()`.
    fn now_unix_nanos(&self) -> i128 {
        wall_clock_unix_nanos()
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn wall_clock_unix_nanos() -> i128 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    i128::from(now.tv_sec) * 1_000_000_000 + i128::from(now.tv_nsec)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn wall_clock_unix_nanos() -> i128 {
    use std::time::{SystemTime, UNIX_EPOCH};

    // `as_nanos` of any `SystemTime` fits `i128`; the fallback is unreachable.
    let nanos = |since: std::time::Duration| i128::try_from(since.as_nanos()).unwrap_or(i128::MAX);
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => nanos(since),
        Err(before) => -nanos(before.duration()),
    }
}

/// A clock that stands still until moved: for tests of expiry and extension.
///
/// Clones share one time, so a test keeps a clone and advances the one inside
/// [`Narvik`](crate::Narvik).
///
/// ```
/// use narvik::ManualClock;
/// use time::Duration;
///
/// let clock = ManualClock::new(time::macros::datetime!(2026-01-01 0:00 UTC));
/// let handle = clock.clone();
/// handle.advance(Duration::days(1));
/// assert_eq!(narvik::Clock::now(&clock), time::macros::datetime!(2026-01-02 0:00 UTC));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Moves the clock by `by` (backwards when negative).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock to `now`.
    pub fn set(&self, now: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}

impl Default for ManualClock {
    /// A clock showing the system time at its creation.
    fn default() -> Self {
        Self::new(OffsetDateTime::now_utc())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_nanos_agree_with_its_now_to_within_a_tick() {
        // The longest tick of a Linux kernel (HZ=100), with room for a slow machine.
        const TICK: i128 = 20_000_000;
        let clock = SystemClock;
        let before = clock.now().unix_timestamp_nanos();
        let nanos = clock.now_unix_nanos();
        let after = clock.now().unix_timestamp_nanos();
        assert!(
            before - TICK <= nanos && nanos <= after,
            "{before} {nanos} {after}"
        );
    }

    /// Answers `now_unix_nanos` apart from `now`, as a clock with a fast path does.
    struct FastPath;

    impl Clock for FastPath {
        fn now(&self) -> OffsetDateTime {
            OffsetDateTime::UNIX_EPOCH
        }

        fn now_unix_nanos(&self) -> i128 {
            7
        }
    }

    #[test]
    fn a_shared_clock_reaches_every_method_of_the_clock_inside() {
        let shared: Arc<dyn Clock> = Arc::new(FastPath);
        assert_eq!(shared.now(), OffsetDateTime::UNIX_EPOCH);
        assert_eq!(shared.now_unix_nanos(), 7);
    }

    #[test]
    fn manual_clock_nanos_follow_its_now() {
        let clock = ManualClock::new(time::macros::datetime!(1969-12-31 23:59:59.5 UTC));
        assert_eq!(clock.now_unix_nanos(), -500_000_000);
        clock.advance(Duration::seconds(1));
        assert_eq!(clock.now_unix_nanos(), 500_000_000);
    }
}
