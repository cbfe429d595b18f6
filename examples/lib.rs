// The examples are in `examples/`; this library exists so the package is valid, and
// carries the README as its documentation so every Rust block of the README is
// compiled as a doctest against narvik, narvik-sqlx and narvik-redis.
#![doc = include_str!("../README.md")]
