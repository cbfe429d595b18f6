//! Server-side session authentication that stays out of the way: create a session
//! when a user signs in, validate it on every request, end it on sign-out.
//!
//! ```
//! use narvik::{MemoryStore, Narvik, SessionData};
//!
//! #[derive(SessionData, Clone, Debug)]
//! struct AppData {
//!     username: String,
//!     created_at: Option<time::OffsetDateTime>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> narvik::Result<()> {
//! let narvik = Narvik::new(MemoryStore::<AppData>::new());
//!
//! // Sign-in: create a session, send its cookie.
//! let created = narvik
//!     .create_session("123", AppData { username: "johnsmith".into(), created_at: None })
//!     .await?;
//! let set_cookie = narvik.create_cookie(&created.token, &created.session).to_string();
//!
//! // Every request: validate the token from the cookie.
//! let session = narvik.validate_session(created.token.as_str()).await?;
//! assert_eq!(session.map(|session| session.username.clone()).as_deref(), Some("johnsmith"));
//!
//! // Sign-out: end the session, clear the cookie.
//! narvik.invalidate_session(&created.session.id).await?;
//! let clear_cookie = narvik.create_blank_cookie().to_string();
//! # let _ = (set_cookie, clear_cookie);
//! # Ok(())
//! # }
//! ```
//!
//! - [`Narvik`]: the operations, configured by [`NarvikBuilder`] with the original's
//!   defaults; [`Cookie`] writes the `Set-Cookie` value.
//! - [`SessionData`]: the derive for your custom session fields.
//! - [`store`]: the store traits, [`MemoryStore`] (embedded default) and
//!   [`CallbackStore`] (the original's callbacks). SQL and Redis stores live in the
//!   `narvik-sqlx` and `narvik-redis` crates.
//! - [`token`]: tokens and session ids; [`codec`]: serde glue for store authors;
//!   [`clock`]: an injectable clock for tests; `testing` (feature `testing`): the
//!   store conformance suite.
//!
//! The repository's README has the guide: the TypeScript-to-Rust map, custom data,
//! every store, and the security model.

// The derive's generated code names `::narvik::...`, which must resolve inside this
// crate too (for its own tests and the conformance suite).
extern crate self as narvik;

mod auth;
pub mod clock;
pub mod codec;
mod config;
mod cookie;
mod data;
mod error;
mod interop;
mod session;
pub mod store;
pub mod token;

#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use async_trait::async_trait;
pub use time;

pub use crate::auth::{Narvik, MODIFY_ATTEMPTS};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::config::{
    NarvikBuilder, DEFAULT_COOKIE_NAME, DEFAULT_SESSION_EXPIRES_IN, MAX_LIFETIME,
};
pub use crate::cookie::{Cookie, CookieAttributes, SameSite};
pub use crate::data::SessionData;
pub use crate::error::{BoxError, Error, Result};
pub use crate::session::{CreatedSession, Session, SessionTimes, MAX_USER_ID_LEN, UNKNOWN_TIME};
pub use crate::store::callbacks::{AllCallbacks, CallbackStore, OptionalCallbacks};
pub use crate::store::memory::MemoryStore;
pub use crate::store::{
    DataUpdate, DeleteAllSessions, DeleteExpiredSessions, DeleteOtherUserSessions,
    DeleteUserSessions, FetchUserSessions, LimitUserSessions, RotateSessions, SessionLimit,
    SessionLimitPolicy, SessionStore, StoreFuture, UpdateSessionData,
};
pub use crate::token::{SessionId, SessionToken};
pub use narvik_macros::SessionData;
