//! Sessions in MySQL or MariaDB: creates the table (`narvik_example_sessions`), then signs in,
//! validates, lists, signs out.
//!
//! Needs a server: `NARVIK_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`).
//! Run with `cargo run --example mysql`.

mod sql_common;

use std::process::ExitCode;

use narvik_sqlx::MySqlStore;

use crate::sql_common::{AppData, TABLE};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    sql_common::run_on_server(
        "MySQL",
        "NARVIK_TEST_MYSQL_URL",
        "mysql://root@127.0.0.1:3306/test",
        |url| async move {
            let store = MySqlStore::<AppData>::connect(&url)
                .await?
                .with_table_name(TABLE)?;
            // Creates the table and its indexes unless they exist: runs at every start.
            store.migrate().await?;
            Ok(store)
        },
    )
    .await
}
