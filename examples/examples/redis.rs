//! Sessions in Redis, shared by two app servers: sign in on one, validate on the
//! other, see how the keys expire by themselves, sign out everywhere.
//!
//! Needs a Redis server: `REDIS_URL` (default `redis://127.0.0.1:6379`).
//! Run with `cargo run --example redis`.

use std::process::ExitCode;

use narvik::{Narvik, SessionData};
use narvik_examples::with_causes;
use narvik_redis::redis;
use narvik_redis::RedisStore;

/// What this app keeps in each session beside the user id.
#[derive(SessionData, Clone, Debug)]
struct AppData {
    username: String,
    device: Option<String>,
}

const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    // Its own prefix, so the example never touches another app's keys.
    let prefix = format!("narvik-example:{}:", std::process::id());
    // Two app servers: each its own store and connection.
    let first = match connect(&url, &prefix).await {
        Ok(narvik) => narvik,
        Err(error) => return unreachable_redis(&error),
    };
    let second = match connect(&url, &prefix).await {
        Ok(narvik) => narvik,
        Err(error) => return unreachable_redis(&error),
    };
    match run(first, second).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", with_causes(&error));
            ExitCode::FAILURE
        }
    }
}

fn unreachable_redis(error: &narvik::Error) -> ExitCode {
    // Not the URL itself: it may hold a password.
    eprintln!(
        "error: cannot reach Redis at REDIS_URL (default {DEFAULT_URL}): {}",
        with_causes(error)
    );
    eprintln!("start a server (`redis-server`) or set REDIS_URL to one");
    ExitCode::FAILURE
}

/// One app server's narvik: a store on a connection of its own.
async fn connect(url: &str, prefix: &str) -> narvik::Result<Narvik<RedisStore<AppData>>> {
    let store = RedisStore::connect(url).await?.with_key_prefix(prefix);
    Ok(Narvik::new(store))
}

async fn run(
    first: Narvik<RedisStore<AppData>>,
    second: Narvik<RedisStore<AppData>>,
) -> narvik::Result<()> {
    println!("1. user 123 signs in on a laptop and a phone, through app server 1");
    let mut tokens = Vec::new();
    for device in ["laptop", "phone"] {
        let created = first
            .create_session(
                "123",
                AppData {
                    username: "johnsmith".into(),
                    device: Some(device.into()),
                },
            )
            .await?;
        println!("   {device}: session {}", created.session.id);
        tokens.push(created.token);
    }

    let store = first.store();
    let session_id = tokens[0].session_id();
    let session_key = store.session_key(&session_id);
    let mut connection = store.connection().clone();
    let time_to_live: i64 = redis::cmd("PTTL")
        .arg(&session_key)
        .query_async(&mut connection)
        .await
        .map_err(narvik::Error::store)?;
    println!("2. in Redis: the string {session_key}");
    println!(
        "   expires by itself in {} days; the index {} lists the user's sessions",
        (time_to_live + 43_200_000) / 86_400_000,
        store.user_index_key("123")
    );

    println!("3. the laptop's next request lands on app server 2: its token validates there");
    let session = second
        .validate_session(tokens[0].as_str())
        .await?
        .ok_or_else(|| narvik::Error::store("the session just created is missing"))?;
    println!(
        "   signed in as {} on the {}",
        session.username,
        session.device.as_deref().unwrap_or("unknown device")
    );

    let listed = second.fetch_sessions_for_user("123").await?;
    println!("4. user 123 has {} sessions", listed.len());

    println!("5. \"sign out everywhere\" on app server 2");
    second.delete_sessions_for_user("123").await?;
    for (device, token) in ["laptop", "phone"].iter().zip(&tokens) {
        let session = first.validate_session(token.as_str()).await?;
        println!("   app server 1, {device}: {session:?}");
    }

    // Not needed for expiry (Redis deletes each key at its expiry); it tidies the
    // user indexes. Run it now and then, from one app server.
    first.delete_all_expired_sessions().await?;
    println!("6. done; nothing is left under {}", store.key_prefix());
    Ok(())
}
