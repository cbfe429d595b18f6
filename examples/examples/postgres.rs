//! Sessions in PostgreSQL: creates the table (`narvik_example_sessions`), then signs in,
//! validates, lists, signs out.
//!
//! Needs a server: `NARVIK_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! Run with `cargo run --example postgres`.

mod sql_common;

use std::process::ExitCode;

use narvik_sqlx::PostgresStore;

use crate::sql_common::{AppData, TABLE};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    sql_common::run_on_server(
        "PostgreSQL",
        "NARVIK_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
        |url| async move {
            let store = PostgresStore::<AppData>::connect(&url)
                .await?
                .with_table_name(TABLE)?;
            // Creates the table and its indexes unless they exist: runs at every start.
            store.migrate().await?;
            Ok(store)
        },
    )
    .await
}
