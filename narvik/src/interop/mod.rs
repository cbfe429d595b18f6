//! Conversions of [`Cookie`](crate::Cookie) into the types of the `cookie` and `http`
//! crates, for apps that set the session cookie by hand. Each is behind the feature of
//! the same name, off by default.

#[cfg(feature = "cookie")]
mod cookie_crate;
#[cfg(feature = "http")]
mod http_types;
