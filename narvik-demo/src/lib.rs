//! The narvik demo app: sign up and sign in with a password, see your session and
//! its custom data, list your sessions, sign another one out or every other one
//! (after confirming the password, when its last check is older than five
//! minutes), change the password, sign out.
//!
//! The binary (`cargo run -p narvik-demo`) parses its flags into a [`Config`] and
//! serves [`app()`]; the browser tests build the same router in-process:
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let router = narvik_demo::app(narvik_demo::Config::default()).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! // With the peer's address, which the rate limits count attempts by.
//! let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
//! axum::serve(listener, service).await?;
//! # Ok(())
//! # }
//! ```
//!
//! - [`config`]: what the app is made from (store URL, session length, absolute
//!   lifetime, cap per user, how long a password check counts, cookies, the limits
//!   on password hashing and attempts).
//! - `hashing`: [`HashingPool`], at most so many argon2 hashes at once, a bounded
//!   wait for the others.
//! - `rate_limit`: [`RateLimits`] of password attempts per username and per client
//!   address.
//! - `store`: turns the store URL into a session store and a user table in the
//!   same backend (SQLite, PostgreSQL, MySQL/MariaDB or Redis).
//! - `users`: accounts and their argon2id password hashes.
//! - `app`: the router, its layers and handlers; `pages`: the HTML.
//!
//! See `narvik-demo/README.md` for the routes and flags.

mod app;
pub mod config;
mod error;
mod hashing;
mod pages;
mod rate_limit;
mod store;
mod users;

use narvik::SessionData;

pub use crate::app::{app, FORM_LIMIT_BYTES, MAX_USER_AGENT_LEN};
pub use crate::config::{
    Config, DEFAULT_ABSOLUTE_LIFETIME, DEFAULT_MAX_SESSIONS_PER_USER, DEFAULT_REAUTHENTICATE_AFTER,
};
pub use crate::error::Error;
pub use crate::hashing::{HashingPool, DEFAULT_HASH_QUEUE_TIMEOUT};
pub use crate::rate_limit::RateLimits;
pub use crate::store::DemoStore;

/// The custom data of every session of the demo: who and from where.
///
/// When is narvik's to keep: a session's `issued_at` (sign-in) and
/// `authenticated_at` (the last proof of the password).
#[derive(SessionData, Clone, Debug)]
pub struct DemoSession {
    /// The account's username, so pages need no user lookup.
    pub username: String,
    /// The `User-Agent` the session was started from, cut to
    /// [`MAX_USER_AGENT_LEN`] bytes.
    pub user_agent: Option<String>,
}
