//! Shared support of the integration tests: a TCP proxy that counts round trips and
//! can cut the connection. Reaching the test servers is `narvik_tests::servers`.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support"
)]

pub mod proxy;
