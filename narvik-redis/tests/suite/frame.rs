//! A session's value as the crate documents it, written out here independently of
//! the store's encoder, and expiries in the Unix milliseconds it keeps.

use time::OffsetDateTime;

/// A session value: `{expires_at}:{user_id_len}:{user_id}{data}`.
pub(crate) fn frame(expires_at_ms: i64, user_id: &str, data: &str) -> String {
    format!("{expires_at_ms}:{}:{user_id}{data}", user_id.len())
}

/// `at` in Unix milliseconds, the precision the store keeps.
pub(crate) fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).expect("within i64")
}
