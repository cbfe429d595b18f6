//! A session's life to the OWASP ASVS 5.0 session chapter (V7): an absolute
//! lifetime, a new token on a privilege change, "sudo mode" before sensitive
//! changes, a cap on a user's sessions, and "sign out everywhere else".
//!
//! A manual clock moves time on, so nothing waits.
//!
//! Run with `cargo run --example lifecycle`.

use narvik::{ManualClock, MemoryStore, Narvik, SessionData, SessionLimitPolicy};
use time::Duration;

/// Which device a session belongs to, for the list of sessions.
#[derive(SessionData, Clone, Debug)]
struct AppData {
    device: String,
}

fn on(device: &str) -> AppData {
    AppData {
        device: device.to_owned(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock = ManualClock::default();
    let narvik = Narvik::builder(MemoryStore::<AppData>::new())
        // Idle timeout: a session unused for 30 minutes ends (V7.3.1).
        .session_expires_in(Duration::minutes(30))
        // Absolute timeout: however active, sign in again after 12 hours (V7.3.2).
        .absolute_lifetime(Duration::hours(12))
        // At most 3 sessions per user (V7.1.2); a 4th sign-in ends the least
        // recently extended one (the default policy; `RefuseNew` refuses it).
        .max_sessions_per_user(3)
        .session_limit_policy(SessionLimitPolicy::EndLeastRecentlyExtended)
        .clock(clock.clone())
        .build()?;

    println!("1. sign in on the laptop");
    let laptop = narvik.create_session("123", on("laptop")).await?;
    println!(
        "   issued at {}, last proof of the password at {}",
        laptop.session.issued_at, laptop.session.authenticated_at
    );

    println!("2. a minute later the user becomes an admin: a new token (V7.2.4)");
    clock.advance(Duration::minutes(1));
    let old_token = laptop.token;
    let laptop = narvik
        .rotate_session(&laptop.session.id)
        .await?
        .ok_or("the laptop's session is missing")?;
    let old_gives = narvik.validate_session(old_token.as_str()).await?;
    println!("   the old token now gives {old_gives:?}");
    println!(
        "   send the new cookie: {}",
        narvik.create_cookie(&laptop.token, &laptop.session)
    );

    println!("3. ten minutes on, the user opens \"change password\": sudo mode (V7.5)");
    clock.advance(Duration::minutes(9));
    let session = narvik
        .validate_session(laptop.token.as_str())
        .await?
        .ok_or("the laptop's session is missing")?;
    let fresh = session.authenticated_within(Duration::minutes(5));
    println!("   password proved in the last 5 minutes: {fresh}, so ask for it again");
    // ... the application checks the password the user typed, then records it.
    // Re-authentication rotates the token too: send the new cookie.
    let laptop = narvik
        .reauthenticate(&session.id)
        .await?
        .ok_or("the laptop's session is missing")?;
    println!(
        "   after reauthenticate: proved in the last 5 minutes: {}",
        laptop.session.authenticated_within(Duration::minutes(5))
    );

    println!("4. sign in on a phone and a tablet: 3 sessions, the cap");
    narvik.create_session("123", on("phone")).await?;
    clock.advance(Duration::minutes(1));
    narvik.create_session("123", on("tablet")).await?;
    clock.advance(Duration::minutes(10));
    // 20 minutes in: the laptop is in use, and validation extends it.
    narvik.validate_session(laptop.token.as_str()).await?;
    print_devices(&narvik).await?;

    println!("5. a 4th sign-in, on a desktop: the least recently extended (the phone) ends");
    narvik.create_session("123", on("desktop")).await?;
    print_devices(&narvik).await?;

    println!("6. from the laptop, \"sign out everywhere else\" (V7.4.3), in one step");
    narvik
        .delete_other_sessions_for_user("123", &laptop.session.id)
        .await?;
    print_devices(&narvik).await?;

    println!("7. the laptop stays active, a request every 10 minutes...");
    let mut minutes = 21;
    while narvik
        .validate_session(laptop.token.as_str())
        .await?
        .is_some()
    {
        if minutes == 11 * 60 + 51 {
            let session = narvik
                .validate_session(laptop.token.as_str())
                .await?
                .ok_or("the laptop's session is missing")?;
            // Near the deadline the cookie outlives it no more.
            println!(
                "   9 minutes before the 12-hour deadline: {}",
                narvik.create_cookie(&laptop.token, &session)
            );
        }
        clock.advance(Duration::minutes(10));
        minutes += 10;
    }
    println!(
        "   ...and the request {}h{:02} after sign-in finds it ended: 12 hours is its \
         absolute lifetime (V7.3.2)",
        minutes / 60,
        minutes % 60
    );
    Ok(())
}

/// Prints the devices user 123 is signed in on.
async fn print_devices(narvik: &Narvik<MemoryStore<AppData>>) -> narvik::Result<()> {
    let mut devices: Vec<String> = narvik
        .fetch_sessions_for_user("123")
        .await?
        .into_iter()
        .map(|session| session.data.device)
        .collect();
    devices.sort();
    println!("   signed in on: {}", devices.join(", "));
    Ok(())
}
