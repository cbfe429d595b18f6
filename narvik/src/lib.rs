#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

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

pub use crate::auth::Narvik;
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::config::{NarvikBuilder, DEFAULT_COOKIE_NAME, DEFAULT_SESSION_EXPIRES_IN};
pub use crate::cookie::{Cookie, CookieAttributes, SameSite};
pub use crate::data::SessionData;
pub use crate::error::{BoxError, Error, Result};
pub use crate::session::{CreatedSession, Session};
pub use crate::store::callbacks::CallbackStore;
pub use crate::store::memory::MemoryStore;
pub use crate::store::{
    DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions, SessionStore,
};
pub use crate::token::SessionToken;
pub use narvik_macros::SessionData;
