//! An error printed with its causes, as a log shows it.

use std::error::Error;

/// `error` and every cause in its [`source`](Error::source) chain, outermost first,
/// joined by `": "`: what anyhow's `{:#}`, or a loop over `source()` in a logger,
/// prints. A message that repeats its source shows that cause twice here, so a test
/// can check that each cause is printed once.
///
/// ```
/// use narvik::testing::error_chain;
///
/// let error = narvik::Error::store(std::io::Error::other("connection refused"));
/// assert_eq!(error_chain(&error), "session store failed: connection refused");
/// ```
pub fn error_chain(error: &dyn Error) -> String {
    std::iter::successors(Some(error), |&error| error.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}
