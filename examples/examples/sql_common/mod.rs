//! What the SQL examples (`sqlite`, `postgres`, `mysql`) do once they have a store:
//! the same calls whatever the database.

#![allow(dead_code, reason = "the SQLite example has no server to reach")]

use std::future::Future;
use std::process::ExitCode;

use narvik::{Narvik, SessionData};
use narvik_examples::with_causes;
use narvik_sqlx::{Backend, SqlStore};

/// What these apps keep in each session beside the user id.
#[derive(SessionData, Clone, Debug)]
pub(crate) struct AppData {
    pub(crate) username: String,
    pub(crate) device: Option<String>,
}

/// The table the server examples use, beside whatever else the database holds.
pub(crate) const TABLE: &str = "narvik_example_sessions";

/// Opens a store with `open` on the server at the URL in `url_var` (else
/// `default_url`) and runs the example on it. A server that cannot be reached is a
/// clear message and a failing exit code.
pub(crate) async fn run_on_server<B, F, Fut>(
    server: &str,
    url_var: &str,
    default_url: &str,
    open: F,
) -> ExitCode
where
    B: Backend,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = narvik_sqlx::Result<SqlStore<B, AppData>>>,
{
    let url = std::env::var(url_var).unwrap_or_else(|_| default_url.to_owned());
    let store = match open(url).await {
        Ok(store) => store,
        Err(error @ narvik_sqlx::Error::Connect { .. }) => {
            // Not the URL itself: it may hold a password.
            eprintln!(
                "error: cannot connect to {server} at {url_var} (default {default_url}): {}",
                with_causes(&error)
            );
            eprintln!("start a server or set {url_var} to one");
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("error: {}", with_causes(&error));
            return ExitCode::FAILURE;
        }
    };
    match run(&Narvik::new(store)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", with_causes(&error));
            ExitCode::FAILURE
        }
    }
}

/// Signs user 123 in on two devices, validates, lists the user's sessions, signs
/// one device out, then every device, and cleans up expired sessions: the same
/// code for every backend `B`.
pub(crate) async fn run<B: Backend>(narvik: &Narvik<SqlStore<B, AppData>>) -> narvik::Result<()> {
    println!("1. user 123 signs in on a laptop and a phone");
    let mut tokens = Vec::new();
    for device in ["laptop", "phone"] {
        let data = AppData {
            username: "johnsmith".into(),
            device: Some(device.into()),
        };
        let created = narvik.create_session("123", data).await?;
        println!(
            "   {device}: session {} (the token's hash; the token is never stored)",
            created.session.id
        );
        tokens.push(created.token);
    }

    println!("2. a request from the laptop: validate its token (one SELECT)");
    let session = narvik
        .validate_session(tokens[0].as_str())
        .await?
        .ok_or_else(|| narvik::Error::store("the session just created is missing"))?;
    println!(
        "   signed in as {} on the {}, expires at {}",
        session.username,
        session.device.as_deref().unwrap_or("?"),
        session.expires_at
    );

    println!("3. the sessions of user 123");
    for session in narvik.fetch_sessions_for_user("123").await? {
        let device = session.device.as_deref().unwrap_or("?");
        println!("   {device}: expires at {}", session.expires_at);
    }

    println!("4. the laptop signs out");
    narvik.invalidate_session(&session.id).await?;
    let laptop = narvik.validate_session(tokens[0].as_str()).await?;
    let phone = narvik.validate_session(tokens[1].as_str()).await?;
    println!(
        "   laptop signed in: {}, phone signed in: {}",
        laptop.is_some(),
        phone.is_some()
    );

    println!("5. \"sign out everywhere\", then the periodic clean-up of expired sessions");
    narvik.delete_sessions_for_user("123").await?;
    narvik.delete_all_expired_sessions().await?;
    let left = narvik.fetch_sessions_for_user("123").await?.len();
    println!("   sessions left for user 123: {left}");
    Ok(())
}
