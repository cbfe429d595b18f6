//! A [`Narvik`] on a [`ManualClock`] at [`START`]: the time is the test's to set.

use narvik::{ManualClock, Narvik, NarvikBuilder, SessionData, SessionStore};

use crate::START;

/// Narvik over `store`, with the default settings, on a [`ManualClock`] at
/// [`START`].
pub fn narvik_over<D: SessionData, S: SessionStore<D>>(store: S) -> (Narvik<D, S>, ManualClock) {
    with_manual_clock(Narvik::builder(store))
}

/// Narvik from `builder`, with the settings given to it, on a [`ManualClock`] at
/// [`START`].
pub fn with_manual_clock<D: SessionData, S: SessionStore<D>>(
    builder: NarvikBuilder<D, S>,
) -> (Narvik<D, S>, ManualClock) {
    let clock = ManualClock::new(START);
    let narvik = builder
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|error| panic!("valid settings: {error}"));
    (narvik, clock)
}
