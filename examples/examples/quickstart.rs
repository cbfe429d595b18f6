//! The main job, step by step: sign in (create a session and its cookie), validate
//! the token on a request, watch validation extend an ageing session, sign out.
//!
//! Run with `cargo run --example quickstart`.

use narvik::{ManualClock, MemoryStore, Narvik, SessionData, SessionToken};
use time::Duration;

/// What this app keeps in each session beside the user id.
#[derive(SessionData, Clone, Debug)]
struct AppData {
    username: String,
    created_at: Option<time::OffsetDateTime>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A clock we can move, so the example shows extension without waiting 15 days.
    let clock = ManualClock::default();
    let store = MemoryStore::<AppData>::new();
    let narvik = Narvik::builder(store.clone())
        .session_expires_in(Duration::days(30))
        .clock(clock.clone())
        .build()?;

    println!("1. sign in: create a session for user 123");
    let created = narvik
        .create_session(
            "123",
            AppData {
                username: "johnsmith".into(),
                created_at: Some(narvik::Clock::now(&clock)),
            },
        )
        .await?;
    let token = created.token;
    println!("   session id (stored): {}", created.session.id);
    println!("   expires at:          {}", created.session.expires_at);
    println!("   is new:              {}", created.session.is_new());
    println!("   sessions in store:   {}", store.len());

    let cookie = narvik.create_cookie(&token, &created.session);
    println!("2. send the cookie: Set-Cookie: {cookie}");

    println!("3. a request arrives with the cookie: validate its token");
    // What the request carries is text: `validate_session` takes it as it is.
    let from_request = cookie.value.as_str();
    let session = narvik
        .validate_session(from_request)
        .await?
        .ok_or("the session just created is missing")?;
    println!(
        "   signed in as {} (user {}), extended: {}",
        session.username,
        session.user_id,
        session.is_extended()
    );

    println!("4. 20 days later (less than half of 30 days left): validation extends it");
    clock.advance(Duration::days(20));
    let session = narvik
        .validate_session(from_request)
        .await?
        .ok_or("the session should still be valid")?;
    println!(
        "   extended: {}, new expiry: {}",
        session.is_extended(),
        session.expires_at
    );
    if session.is_extended() {
        // A cookie carries only a parsed token, so a string with `;` in it could
        // never add attributes to the header.
        let presented: SessionToken = from_request.parse()?;
        println!(
            "   so send the cookie again: Set-Cookie: {}",
            narvik.create_cookie(&presented, &session)
        );
    }

    println!("5. a forged token is refused without a store lookup");
    let forged = narvik.validate_session("not-a-token").await?;
    println!("   forged token gives: {forged:?}");

    println!("6. sign out: invalidate the session, clear the cookie");
    narvik.invalidate_session(&session.id).await?;
    println!("   Set-Cookie: {}", narvik.create_blank_cookie());
    let after = narvik.validate_session(token.as_str()).await?;
    println!("   the old token now gives: {after:?}");
    println!("   sessions in store: {}", store.len());
    Ok(())
}
