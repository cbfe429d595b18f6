//! The narvik demo app: sign up and sign in with a password, see your session and
//! its custom data, list your sessions, sign another one out or every other one
//! (after confirming the password, when its last check is older than five
//! minutes), change the password, choose this session's theme, sign out.
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
use serde::{Deserialize, Serialize};

pub use crate::app::{app, FORM_LIMIT_BYTES, MAX_USER_AGENT_LEN};
pub use crate::config::{
    Config, DEFAULT_ABSOLUTE_LIFETIME, DEFAULT_MAX_SESSIONS_PER_USER, DEFAULT_REAUTHENTICATE_AFTER,
};
pub use crate::error::Error;
pub use crate::hashing::{HashingPool, DEFAULT_HASH_QUEUE_TIMEOUT};
pub use crate::rate_limit::RateLimits;
pub use crate::store::DemoStore;

/// The custom data of every session of the demo: who and from where, and the
/// session's own preference, which the user changes on the account page.
///
/// When is narvik's to keep: a session's `issued_at` (sign-in) and
/// `authenticated_at` (the last proof of the password).
///
/// `theme` and `theme_changes` came after the first sessions were stored: both
/// are `#[session(default)]`, so a session stored without them still decodes
/// (light, no change yet) rather than being thrown away as undecodable.
#[derive(SessionData, Clone, Debug)]
pub struct DemoSession {
    /// The account's username, so pages need no user lookup.
    pub username: String,
    /// The `User-Agent` the session was started from, cut to
    /// [`MAX_USER_AGENT_LEN`] bytes.
    pub user_agent: Option<String>,
    /// The colours of the pages, for this session only (another browser of the
    /// same user keeps its own).
    #[session(default)]
    pub theme: Theme,
    /// How many times this session's theme was set, counted in the same update
    /// as the theme: two tabs changing it at once both count, none is lost.
    #[session(default)]
    pub theme_changes: u64,
}

/// The colours of the pages: a preference of each session.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Dark text on light backgrounds, the default.
    #[default]
    Light,
    /// Light text on dark backgrounds.
    Dark,
}

impl Theme {
    /// The theme a form value names (`light`, `dark`); anything else names none.
    pub fn from_form_value(value: &str) -> Option<Self> {
        match value {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            _ => None,
        }
    }

    /// The form value naming this theme, also the page's `data-theme`.
    pub fn as_form_value(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}
