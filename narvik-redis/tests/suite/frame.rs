//! A session's value as the crate documents it, written out (and read) here
//! independently of the store's encoder, and times in the Unix milliseconds it
//! keeps.

use narvik::SessionTimes;
use time::OffsetDateTime;

/// A session value as this version writes it, of data version 0 (never updated):
/// `v2:{expires_at}:{issued_at}:{authenticated_at}:{data_version}:{user_id_len}:{user_id}{data}`.
pub(crate) fn frame(times: SessionTimes, user_id: &str, data: &str) -> String {
    versioned_frame(times, 0, user_id, data)
}

/// [`frame`] of data version `data_version`.
pub(crate) fn versioned_frame(
    times: SessionTimes,
    data_version: u64,
    user_id: &str,
    data: &str,
) -> String {
    format!(
        "v2:{}:{}:{}:{data_version}:{}:{user_id}{data}",
        unix_ms(times.expires_at),
        unix_ms(times.issued_at),
        unix_ms(times.authenticated_at),
        user_id.len()
    )
}

/// [`frame`] with each time in Unix ms as given (any text, to spoil one).
pub(crate) fn frame_of_ms(
    expires_at: impl std::fmt::Display,
    issued_at: impl std::fmt::Display,
    authenticated_at: impl std::fmt::Display,
    user_id: &str,
    data: &str,
) -> String {
    format!(
        "v2:{expires_at}:{issued_at}:{authenticated_at}:0:{}:{user_id}{data}",
        user_id.len()
    )
}

/// A session value as 0.1 wrote it: `{expires_at}:{user_id_len}:{user_id}{data}`.
pub(crate) fn frame_of_0_1(expires_at_ms: i64, user_id: &str, data: &str) -> String {
    format!("{expires_at_ms}:{}:{user_id}{data}", user_id.len())
}

/// The user id a value of either layout names; `None` when it is not framed.
pub(crate) fn user_id_of(value: &[u8]) -> Option<String> {
    // The numbers before the user id length: four after the mark (the times and
    // the data version), one in 0.1.
    let (numbers, rest) = match value.strip_prefix(b"v2:") {
        Some(rest) => (4, rest),
        None => (1, value),
    };
    let mut parts = rest.splitn(numbers + 2, |&byte| byte == b':');
    for _ in 0..numbers {
        parts.next()?;
    }
    let length: usize = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    let rest = parts.next()?;
    let user_id = rest.get(..length)?;
    String::from_utf8(user_id.to_vec()).ok()
}

/// `at` in Unix milliseconds, the precision the store keeps.
pub(crate) fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000)).expect("within i64")
}
