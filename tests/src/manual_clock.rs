//! A [`Narvik`] on a [`ManualClock`] at [`START`]: the time is the test's to set.

use narvik::{ManualClock, Narvik, NarvikBuilder, SessionStore};

use crate::START;

/// Narvik over `store`, with the default settings, on a [`ManualClock`] at
/// [`START`].
pub fn narvik_over<S: SessionStore>(store: S) -> (Narvik<S>, ManualClock) {
    with_manual_clock(Narvik::builder(store))
}

/// Narvik from `builder`, with the settings given to it, on a [`ManualClock`] at
/// [`START`].
pub fn with_manual_clock<S: SessionStore>(builder: NarvikBuilder<S>) -> (Narvik<S>, ManualClock) {
    let clock = ManualClock::new(START);
    let narvik = builder
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|error| panic!("valid settings: {error}"));
    (narvik, clock)
}
