//! The request logic of narvik's web adapters, once and framework-free, on the
//! [`http`] crate's types: `narvik-axum` and `narvik-actix` are thin translations
//! of it into their framework's middleware, extractors and responses, so both
//! behave alike by construction.
//!
//! Per request, an adapter:
//!
//! 1. calls [`validate_request`] with the request's headers (anything that
//!    implements [`HeaderSource`]; [`http::HeaderMap`] does): the session token is
//!    read from the session cookie, from `Authorization: Bearer`, or from both
//!    ([`TokenSource`], cookie first), and validated once. The outcome is a
//!    [`RequestSession`], which the adapter's extractors read;
//! 2. gives the handler a [`SessionHandle`] to start, rotate, update and end the
//!    session;
//! 3. appends the [`ResponseHeaders`] that [`response_headers`] decides: the
//!    session's cookie when it is new, rotated or was extended, the blank cookie
//!    when the token was invalid or the session ended, nothing after a store
//!    failure (an outage is not a sign-out), and never a cookie for a request that
//!    authenticated by header.
//!
//! [`CsrfPolicy`] is the CSRF guard's decision, which applies to cookie-
//! authenticated requests only: see its documentation for why.
//!
//! # Example
//!
//! What an adapter does, here without a framework:
//!
//! ```
//! use http::header::{HeaderMap, HeaderValue, AUTHORIZATION};
//! use narvik::{MemoryStore, Narvik};
//! use narvik_http::{
//!     response_headers, validate_request, RequestConfig, SessionHandle, TokenSource, Transport,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> narvik::Result<()> {
//! let narvik = Narvik::builder(MemoryStore::<()>::new()).build()?;
//! let config = RequestConfig::new().token_source(TokenSource::CookieOrBearer);
//!
//! // An API client signs in: the token goes into the response body, no cookie.
//! let request = validate_request(&narvik, &HeaderMap::new(), &config).await;
//! let sessions = SessionHandle::new(narvik.clone(), request.clone());
//! let created = sessions.start_bearer("user-1", ()).await?;
//! assert!(response_headers(&narvik, &request, &config).set_cookie.is_none());
//!
//! // Its next request presents the token in `Authorization: Bearer`.
//! let mut headers = HeaderMap::new();
//! let bearer = format!("Bearer {}", created.token.as_str());
//! headers.insert(AUTHORIZATION, HeaderValue::try_from(bearer).map_err(narvik::Error::store)?);
//! let request = validate_request(&narvik, &headers, &config).await;
//! assert_eq!(request.transport(), Some(Transport::Bearer));
//! let session = request.current().map_err(|error| narvik::Error::store(error))?;
//! assert_eq!(session.map(|session| session.user_id), Some("user-1".to_owned()));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod cookie_header;
mod csrf;
mod error_answer;
mod handle;
mod headers;
mod response;
mod state;
#[cfg(feature = "testing")]
pub mod testing;
mod token_source;
mod validate;

pub use http;

pub use crate::config::RequestConfig;
pub use crate::cookie_header::{find_cookie, find_cookies};
pub use crate::csrf::{CsrfPolicy, CsrfRejection, ForwardedProto};
pub use crate::error_answer::{answer_error, error_status};
pub use crate::handle::SessionHandle;
pub use crate::headers::HeaderSource;
pub use crate::response::{response_headers, ResponseHeaders};
pub use crate::state::RequestSession;
pub use crate::token_source::{bearer_token, BearerHeader, TokenSource, Transport};
pub use crate::validate::{validate_request, MAX_SESSION_COOKIES_TRIED};
