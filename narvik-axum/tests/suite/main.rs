//! Integration tests of narvik-axum: an axum `Router` (and one plain tower
//! `service_fn`) driven with `tower::ServiceExt::oneshot`, no socket.

// A failed expectation is how a test reports the failure.
#![allow(clippy::expect_used)]

mod adapter_suite;
mod common;

mod absolute_lifetime;
mod cache_control;
mod cookie_header;
mod csrf;
mod csrf_hardening;
mod data_updates;
mod dyn_store;
mod hostile_cookies;
mod plain_tower;
mod reauthenticate;
mod rejection;
mod require_fresh;
mod session_flow;
mod sign_in_again;
mod store_failure;
mod validation_once;
