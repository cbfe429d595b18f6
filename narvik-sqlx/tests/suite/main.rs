//! Integration tests of narvik-sqlx: every check of a SQL store, run against each
//! backend whose feature is on.
//!
//! [`fixture`] holds what differs between the databases under test (the
//! [`SqlFixture`](fixture::SqlFixture) trait) and the test-generating macro
//! [`sql_store_tests!`]; each topic module holds checks written once, generic over
//! the fixture; each backend module implements the fixture for its database,
//! generates its tests from the checks, and adds the tests of its own schema.
//!
//! SQLite needs no server. PostgreSQL (`NARVIK_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`) and MySQL or MariaDB
//! (`NARVIK_TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306/test`) do: without
//! one, its tests print a notice and pass, except under `CI=true`, where they fail.
//! Each test works in tables of its own, dropped when it passes (a failing test
//! leaves its table, uniquely named, to look at).

#![cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking; `expect` says which step broke"
)]

mod conformance;
mod fixture;
mod instances;
mod lifecycle;
mod schema;
mod stored_values;
mod undecodable;
mod upgrade;

#[cfg(any(feature = "postgres", feature = "mysql"))]
mod lock_waits;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod outage;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod round_trips;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod server_ended;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
