//! Sessions in SQLite, the embedded default: a database file in a temporary folder,
//! nothing to install or run. Creates the table, then signs in, validates, lists,
//! signs out.
//!
//! Run with `cargo run --example sqlite`.

mod sql_common;

use narvik::Narvik;
use narvik_sqlx::SqliteStore;

use crate::sql_common::AppData;

#[tokio::main(flavor = "current_thread")]
async fn main() -> narvik::Result<()> {
    let folder = std::env::temp_dir().join(format!("narvik-example-{}", std::process::id()));
    std::fs::create_dir_all(&folder).map_err(narvik::Error::store)?;
    let file = folder.join("sessions.db");
    println!("database file: {}", file.display());

    // Created if missing; `migrate` creates the table and its indexes unless they
    // exist, so it runs at every start.
    let store = SqliteStore::<AppData>::connect(&format!("sqlite://{}", file.display())).await?;
    store.migrate().await?;
    println!("table `{}` ready", store.table_name());

    let result = sql_common::run(&Narvik::new(store)).await;
    // The example leaves nothing behind; an app keeps its file.
    std::fs::remove_dir_all(&folder).map_err(narvik::Error::store)?;
    result
}
