//! The usual case of the two frequent writes, sign-in and extension, in plain
//! commands or in a script of a few lines, without the helpers of
//! `lua/common.lua`: on Redis a script's invocation costs the server several
//! times a plain `SET`, and defining those helpers on every call costs more than
//! the body (issues 11 and 12 measured it). The rare cases (a session already
//! over, a frame of 0.1) still go to the full scripts.

use std::time::{SystemTime, UNIX_EPOCH};

/// How long ago, by this app server's clock, a member must have expired to be
/// dropped by a save: Redis's clock and the app servers' may disagree, and a
/// member dropped while its session still lives would leave that session out of
/// "sign out everywhere".
const PRUNE_MARGIN_MS: i64 = 60_000;

/// Whether the save of session `session_id` prunes its user's index: when the
/// id, the hex of a SHA-256 (every digit as likely), ends in `0`. One save in 16,
/// with no counter to share between tasks or app servers; an index then holds the
/// live sessions of its user plus the few that expired since one of its saves
/// last pruned it (or since a sign-out, a listing or
/// `delete_all_expired_sessions`, which prune every time).
fn prunes_index(session_id: &str) -> bool {
    session_id.ends_with('0')
}

/// Adds to `commands`, in the save of session `session_id` that
/// [`prunes_index`], the `ZREMRANGEBYSCORE` that drops the members of `index`
/// expired a minute before now (see [`prune_below`]).
pub(crate) fn prune_on_some_saves(commands: &mut redis::Pipeline, index: &str, session_id: &str) {
    if prunes_index(session_id) {
        commands
            .cmd("ZREMRANGEBYSCORE")
            .arg(index)
            .arg("-inf")
            .arg(prune_below(now_ms()))
            .ignore();
    }
}

/// The `max` of a `ZREMRANGEBYSCORE` that drops the members expired
/// [`PRUNE_MARGIN_MS`] before `now_ms`: exclusive, as Redis keeps a key through
/// its expiry millisecond.
fn prune_below(now_ms: i64) -> String {
    format!("({}", now_ms.saturating_sub(PRUNE_MARGIN_MS))
}

/// This app server's clock, in Unix milliseconds.
fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Whether a session that expires at `expires_at_ms` is, by this app server's
/// clock, over already or nearly: such a save or extension goes to the full
/// script, which decides by Redis's clock and leaves nothing behind. The margin
/// covers clocks that disagree; a real session lasts far longer.
pub(crate) fn is_near_over(expires_at_ms: i64) -> bool {
    expires_at_ms <= now_ms().saturating_add(PRUNE_MARGIN_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_save_in_sixteen_prunes() {
        let pruning = "0123456789abcdef"
            .chars()
            .filter(|digit| prunes_index(&format!("{}{digit}", "c6".repeat(31))))
            .count();
        assert_eq!(pruning, 1, "one of the 16 hex digits");
        assert!(!prunes_index(""));
    }

    #[test]
    fn prunes_only_well_past_expiries() {
        assert_eq!(prune_below(1_000_000), "(940000");
        assert_eq!(prune_below(i64::MIN), format!("({}", i64::MIN));
    }

    #[test]
    fn a_session_about_to_end_takes_the_full_script() {
        let now = now_ms();
        assert!(is_near_over(now - 1));
        assert!(is_near_over(now + 1_000));
        assert!(!is_near_over(now + 3_600_000));
    }
}
