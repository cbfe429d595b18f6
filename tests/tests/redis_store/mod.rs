//! The checks of `narvik-redis` against a real Redis, by topic, each an `async fn`
//! over a [`Server`](server::Server) that `test_store_redis.rs` turns into a
//! `#[tokio::test]`; and what they share:
//!
//! - [`server`]: reaching the test server, and this test's key prefix, cleaned up
//!   when the test ends; [`raw`]: reading and planting keys beside the store.
//! - [`app`]: the application's data, and narvik over a store on a clock near
//!   Redis's; [`frame`]: a session's value as the crate documents it;
//!   [`asserts`]: the checks of errors, values and expiries the tests repeat.

pub(crate) mod app;
pub(crate) mod asserts;
pub(crate) mod frame;
pub(crate) mod raw;
pub(crate) mod server;

pub(crate) mod conformance;
pub(crate) mod connections;
pub(crate) mod corruptions;
pub(crate) mod expiry;
pub(crate) mod key_layout;
pub(crate) mod round_trips;
pub(crate) mod sharing;
pub(crate) mod undecodable;
pub(crate) mod user_index;

pub(crate) use server::with_server;
