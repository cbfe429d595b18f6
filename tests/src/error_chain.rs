//! An error with its causes, as a chain printer writes it: what a user of narvik
//! sees in a log through anyhow's `{:#}` or `tracing`'s error recording.

use std::error::Error;

/// `error` and every cause in its [`source`](Error::source) chain, outermost
/// first, joined by `": "` (anyhow's `{:#}` format). A cause that an outer
/// message repeats shows up twice here.
pub fn error_chain(error: &(dyn Error + 'static)) -> String {
    let mut printed = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        printed.push_str(": ");
        printed.push_str(&cause.to_string());
        source = cause.source();
    }
    printed
}
