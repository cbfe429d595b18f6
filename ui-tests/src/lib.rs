//! Compile-fail and compile-pass cases of `#[derive(SessionData)]`, run by
//! `tests/ui.rs` with trybuild. The crate has no code of its own; this file only
//! gives Cargo a target to hang the tests on.
