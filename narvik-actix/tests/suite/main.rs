//! Integration tests of narvik-actix: an actix-web `App` driven with
//! `actix_web::test`, no socket.

// A failed expectation is how a test reports the failure.
#![allow(clippy::expect_used)]

mod common;

mod adapter_suite;

mod bearer;
mod csrf;
mod data_updates;
mod hostile_cookies;
mod rejection;
mod require_fresh;
mod session_flow;
mod store_failure;
