//! Runnable examples of narvik: see the `examples/` folder.
