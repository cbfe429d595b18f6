// The examples are in `examples/`; this library exists so the package is valid, and
// carries the README as its documentation so every Rust block of the README is
// compiled as a doctest against narvik, narvik-sqlx and narvik-redis. It also holds
// what several examples share.
#![doc = include_str!("../README.md")]

use std::error::Error;

/// `error` and each of its causes, `: `-separated, for an example's error message:
/// narvik's errors, and those of narvik-sqlx and narvik-redis, keep their cause
/// (sqlx's or Redis's own error) as their source, not in their message. Some sqlx
/// and Redis errors print their own cause too: a cause the message already ends
/// with is said once.
pub fn with_causes(error: &(dyn Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.ends_with(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    message
}
