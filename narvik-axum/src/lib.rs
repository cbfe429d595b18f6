//! axum and tower integration of [narvik]: the three helpers every guide of
//! the original wrote for its framework (get the user from the cookie, start a
//! session, end it), as a tower layer and axum extractors, plus a CSRF guard.
//!
//! - [`NarvikLayer`] validates the session cookie of each request once, before the
//!   handler runs, and writes the `Set-Cookie` header the response needs: the cookie
//!   again when the session is new or was extended, the blank cookie when the token
//!   was invalid or the session was ended. A store failure sends no cookie: an outage
//!   is not a sign-out.
//! - [`CurrentSession<D>`] extracts the request's session and answers `401` without
//!   one; `Option<CurrentSession<D>>` gives `None` instead. Both answer `503` when
//!   the store could not answer ([`SessionRejection`]). (Named apart from
//!   [`narvik::Session`], which it wraps.)
//! - [`SessionManager<S>`] starts ([`start`](crate::SessionHandle::start)) and ends
//!   ([`end`](crate::SessionHandle::end)) the session from a handler; `S` is the store
//!   type, as in [`Narvik<S>`](narvik::Narvik). Signing in ends the session the
//!   request presented, so every sign-in gets a new token (OWASP ASVS V7.2.4).
//!   [`reauthenticate`](crate::SessionHandle::reauthenticate) records a fresh proof of
//!   the password and [`rotate`](crate::SessionHandle::rotate) gives the session a new
//!   token; the layer sends the new cookie.
//!   [`update_data`](crate::SessionHandle::update_data) and
//!   [`modify_data`](crate::SessionHandle::modify_data) change the session's data
//!   without losing a concurrent change (a stale update is a `409`); the rest of
//!   the request sees the new data at once, and the cookie stays as it is.
//! - [`RequireFresh<D, MAX_AGE_SECS>`] extracts the session only when the user
//!   proved a credential at most `MAX_AGE_SECS` seconds ago ("sudo mode", V7.5);
//!   its rejection [`NotFresh`] tells a stale session (`403`, or a redirect to a
//!   "confirm your password" page of your own) from a missing one (`401`).
//! - [`CsrfLayer`] refuses state-changing requests (and WebSocket handshakes) that
//!   another site made: by `Sec-Fetch-Site`, or an `Origin` that is not the
//!   request's own host with the site's scheme (`https` unless set).
//!
//! - API clients: with [`NarvikLayer::token_source`] reading
//!   `Authorization: Bearer`, a client signs in through
//!   [`SessionHandle::start_bearer`] (the token comes back for the response body),
//!   presents the token in the header, and never gets a cookie.
//!
//! The request logic behind all of this (reading the token, the cookie to write,
//! the CSRF decision) is [`narvik_http`]'s, shared with `narvik-actix`.
//!
//! The extractors implement the traits of `axum-core` 0.5, which axum 0.8
//! re-exports; the layers wrap any tower `Service<http::Request<B>>`.
//!
//! # Example
//!
//! ```
//! use axum::body::Body;
//! use axum::http::{header, Request, StatusCode};
//! use axum::routing::{get, post};
//! use axum::Router;
//! use narvik::{MemoryStore, Narvik, SessionData};
//! use narvik_axum::{CsrfLayer, CurrentSession, NarvikLayer, SessionManager, SessionRejection};
//! use tower::ServiceExt; // for `oneshot`
//!
//! #[derive(SessionData, Clone, Debug)]
//! struct AppData {
//!     username: String,
//! }
//!
//! type Store = MemoryStore<AppData>;
//! type Sessions = SessionManager<Store>;
//!
//! async fn sign_in(sessions: Sessions) -> Result<&'static str, SessionRejection> {
//!     // Check the user's credentials here, then:
//!     sessions.start("user-1", AppData { username: "johnsmith".into() }).await?;
//!     Ok("signed in")
//! }
//!
//! async fn home(session: Option<CurrentSession<AppData>>) -> String {
//!     match session {
//!         Some(session) => format!("hello, {}", session.username),
//!         None => "hello, stranger".to_owned(),
//!     }
//! }
//!
//! // Requests without a valid session get `401 Unauthorized`.
//! async fn account(session: CurrentSession<AppData>) -> String {
//!     format!("user {} until {}", session.user_id, session.expires_at)
//! }
//!
//! async fn sign_out(sessions: Sessions) -> Result<StatusCode, SessionRejection> {
//!     sessions.end().await?;
//!     Ok(StatusCode::NO_CONTENT)
//! }
//!
//! fn app(narvik: Narvik<Store>) -> Router {
//!     Router::new()
//!         .route("/", get(home))
//!         .route("/account", get(account))
//!         .route("/sign-in", post(sign_in))
//!         .route("/sign-out", post(sign_out))
//!         .layer(NarvikLayer::new(narvik))
//!         // The last layer runs first: cross-site requests never reach the store.
//!         .layer(CsrfLayer::new())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let app = app(Narvik::new(MemoryStore::new()));
//!
//! // Sign in: the response sets the session cookie.
//! let request = Request::post("/sign-in")
//!     .header(header::HOST, "example.com")
//!     .header(header::ORIGIN, "https://example.com")
//!     .body(Body::empty())?;
//! let response = app.clone().oneshot(request).await?;
//! let set_cookie = response.headers()[header::SET_COOKIE].to_str()?;
//! assert!(set_cookie.ends_with("; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly"));
//!
//! // The browser sends the cookie back: `narvik_session=<token>`.
//! let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
//! let request = Request::get("/account").header(header::COOKIE, &cookie).body(Body::empty())?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! // Without it, `CurrentSession` refuses the request.
//! let response = app.clone().oneshot(Request::get("/account").body(Body::empty())?).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//!
//! // Sign out: the response clears the cookie.
//! let request = Request::post("/sign-out")
//!     .header(header::HOST, "example.com")
//!     .header(header::ORIGIN, "https://example.com")
//!     .header(header::COOKIE, &cookie)
//!     .body(Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert!(response.headers()[header::SET_COOKIE].to_str()?.starts_with("narvik_session=; Max-Age=0;"));
//! # Ok(())
//! # }
//! ```
//!
//! # What the layer does
//!
//! On every request, [`NarvikService`] reads the cookie named
//! [`Narvik::cookie_name`](narvik::Narvik::cookie_name) from the `Cookie` headers
//! (several headers, several cookies each; [`find_cookie`] and [`find_cookies`] read
//! them the same way for an app's own use), validates it once with
//! [`Narvik::validate_session`](narvik::Narvik::validate_session), and stores the
//! outcome in the request's extensions. However many extractors a handler uses, the
//! store is asked once. Requests without the cookie, or with a malformed token, never
//! reach the store.
//!
//! When the name repeats (another site on the domain may have set a cookie of the
//! same name: "cookie tossing"), each well-formed token is tried in order, up to
//! [`MAX_SESSION_COOKIES_TRIED`] store lookups, the first valid one wins, and the
//! layer writes no cookie of its own accord; see
//! [`NarvikLayer`](NarvikLayer#several-cookies-of-the-name), and name the cookie
//! with the `__Host-` prefix, which browsers keep other sites from setting.
//!
//! | the request's cookie | extractors see | the response gets |
//! | --- | --- | --- |
//! | none (or empty) | no session | no `Set-Cookie` |
//! | a valid session | the session | no `Set-Cookie` |
//! | a session just extended | the session | the cookie again |
//! | malformed, unknown, expired | no session | the blank cookie |
//! | the store failed | `503` ([`SessionRejection::Store`]) | no `Set-Cookie` |
//! | (handler called [`start`](crate::SessionHandle::start)) | | the new session's cookie |
//! | (handler called [`reauthenticate`](crate::SessionHandle::reauthenticate) or [`rotate`](crate::SessionHandle::rotate)) | | the rotated session's cookie |
//! | (handler called [`end`](crate::SessionHandle::end)) | | the blank cookie |
//! | (handler called [`update_data`](crate::SessionHandle::update_data) or [`modify_data`](crate::SessionHandle::modify_data)) | the new data | no `Set-Cookie` (the blank cookie if the session was gone) |
//!
//! With several cookies of the name, the rows "malformed, unknown, expired" and "a
//! session just extended" send no cookie. With an
//! [`absolute_lifetime`](narvik::NarvikBuilder::absolute_lifetime), every cookie's
//! `Max-Age` is cut to the time left until the session's absolute deadline, on
//! sign-in, extension and rotation alike. The `Set-Cookie` header is appended to
//! those the handler set, with `Cache-Control: no-store` unless the handler set a
//! `Cache-Control` itself, so shared caches never keep a token. The token never
//! appears in `Debug` output or logs: [`SessionManager`]'s `Debug` shows the state,
//! and the header value is marked sensitive.
//!
//! # Customising the rejection
//!
//! [`SessionRejection`] answers `401`, `503` or `500` with a short text body. To answer
//! otherwise, extract `Result<CurrentSession<D>, SessionRejection>` in the handler,
//! or wrap the extractor once for the whole app:
//!
//! ```
//! use axum::extract::FromRequestParts;
//! use axum::http::request::Parts;
//! use axum::response::{IntoResponse, Redirect, Response};
//! use narvik_axum::{CurrentSession, SessionRejection};
//!
//! /// A signed-in user; others are sent to the sign-in page.
//! struct SignedIn(CurrentSession<()>);
//!
//! impl<AppState: Send + Sync> FromRequestParts<AppState> for SignedIn {
//!     type Rejection = Response;
//!
//!     async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
//!         match CurrentSession::from_request_parts(parts, state).await {
//!             Ok(session) => Ok(SignedIn(session)),
//!             Err(SessionRejection::Unauthenticated) => Err(Redirect::to("/sign-in").into_response()),
//!             Err(other) => Err(other.into_response()),
//!         }
//!     }
//! }
//!
//! async fn page(session: Result<CurrentSession<()>, SessionRejection>) -> Response {
//!     match session {
//!         Ok(session) => format!("hello, {}", session.user_id).into_response(),
//!         Err(SessionRejection::Unauthenticated) => Redirect::to("/sign-in").into_response(),
//!         Err(other) => other.into_response(),
//!     }
//! }
//! # let _ = axum::Router::<()>::new().route("/", axum::routing::get(page));
//! ```
//!
//! # Plain tower
//!
//! [`NarvikLayer`] wraps any `Service<http::Request<B>, Response = http::Response<B2>>`.
//! Without axum, take the [`SessionManager`] from the request's extensions:
//!
//! ```
//! use std::convert::Infallible;
//!
//! use http::{header, Request, Response, StatusCode};
//! use narvik::{MemoryStore, Narvik};
//! use narvik_axum::{NarvikLayer, SessionManager};
//! use tower::{service_fn, Layer, ServiceExt};
//!
//! type Sessions = SessionManager<MemoryStore<()>>;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let service = NarvikLayer::new(Narvik::new(MemoryStore::<()>::new())).layer(service_fn(
//!     |request: Request<String>| async move {
//!         let Some(sessions) = request.extensions().get::<Sessions>() else {
//!             return Ok::<_, Infallible>(Response::new("no layer".to_owned()));
//!         };
//!         let mut response = Response::new(String::new());
//!         match sessions.session() {
//!             Ok(Some(session)) => *response.body_mut() = session.user_id,
//!             Ok(None) => *response.status_mut() = StatusCode::UNAUTHORIZED,
//!             Err(_) => *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR,
//!         }
//!         Ok(response)
//!     },
//! ));
//! let response = service.oneshot(Request::new(String::new())).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! assert!(response.headers().get(header::SET_COOKIE).is_none());
//! # Ok(())
//! # }
//! ```
//!
//! # Setting the cookie by hand
//!
//! narvik's [`Cookie`](narvik::Cookie) converts into an `http::HeaderValue`
//! (`HeaderValue::try_from(&cookie)`, narvik's feature `http`, on with this crate),
//! and into a `cookie::Cookie<'static>` with this crate's feature `cookie` (narvik's
//! feature of the same name), for apps that manage cookies with the `cookie` crate.

mod csrf;
mod extract;
mod fresh;
mod layer;
mod manager;
mod rejection;

pub use narvik_http::{
    find_cookie, find_cookies, CsrfPolicy, CsrfRejection, ForwardedProto, SessionHandle,
    TokenSource, Transport, MAX_SESSION_COOKIES_TRIED,
};

pub use crate::csrf::{CsrfFuture, CsrfLayer, CsrfService, DefaultCsrfRejection, RejectCsrf};
pub use crate::extract::CurrentSession;
pub use crate::fresh::{NotFresh, RequireFresh};
pub use crate::layer::{NarvikFuture, NarvikLayer, NarvikService};
pub use crate::manager::SessionManager;
pub use crate::rejection::SessionRejection;
