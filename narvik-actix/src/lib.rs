//! actix-web integration of [narvik]: the session of every request, validated once
//! by a middleware, extractors for handlers, bearer tokens for API clients, and a
//! CSRF guard; actix-web 4's idiom over the request logic `narvik-axum` shares
//! ([`narvik_http`]), so both adapters behave alike.
//!
//! - [`NarvikMiddleware`] (an actix-web `Transform`) validates the session token
//!   of each request once, before the handler runs, and writes the headers the
//!   response needs: `Set-Cookie` with the cookie again when the session is new or
//!   was extended, the blank cookie when the token was invalid or the session was
//!   ended. A store failure sends no cookie: an outage is not a sign-out.
//! - [`CurrentSession<D>`] extracts the request's session and answers `401`
//!   without one; [`MaybeSession<D>`] gives `None` instead. Both answer `503` when
//!   the store could not answer ([`SessionRejection`]). Take `MaybeSession`, not
//!   `Option<CurrentSession<D>>`: actix-web's `Option` extractor turns every
//!   rejection into `None`, a store outage included.
//! - [`SessionManager<S>`] starts, rotates, updates and ends the session from a
//!   handler; `S` is the store type, as in [`Narvik<S>`](narvik::Narvik). Signing in
//!   ends the session the request presented, so every sign-in gets a new token
//!   (OWASP ASVS V7.2.4).
//! - [`RequireFresh<D, MAX_AGE_SECS>`] extracts the session only when the user
//!   proved a credential at most `MAX_AGE_SECS` seconds ago ("sudo mode", V7.5);
//!   its rejection [`NotFresh`] tells a stale session (`403`) from a missing one
//!   (`401`).
//! - [`CsrfMiddleware`] refuses state-changing requests (and WebSocket handshakes)
//!   that another site made: by `Sec-Fetch-Site`, or an `Origin` that is not the
//!   request's own host with the site's scheme (`https` unless set).
//!
//! # Example
//!
//! ```
//! use actix_web::http::{header, StatusCode};
//! use actix_web::{test, web, App, HttpResponse};
//! use narvik::{MemoryStore, Narvik, SessionData};
//! use narvik_actix::{
//!     CsrfMiddleware, CurrentSession, MaybeSession, NarvikMiddleware, SessionManager,
//!     SessionRejection,
//! };
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
//! async fn home(MaybeSession(session): MaybeSession<AppData>) -> String {
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
//! async fn sign_out(sessions: Sessions) -> Result<HttpResponse, SessionRejection> {
//!     sessions.end().await?;
//!     Ok(HttpResponse::NoContent().finish())
//! }
//!
//! # #[actix_web::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let narvik = Narvik::new(Store::new());
//! let app = test::init_service(
//!     App::new()
//!         .route("/", web::get().to(home))
//!         .route("/account", web::get().to(account))
//!         .route("/sign-in", web::post().to(sign_in))
//!         .route("/sign-out", web::post().to(sign_out))
//!         .wrap(NarvikMiddleware::new(narvik))
//!         // The last `wrap` runs first: cross-site requests never reach the store.
//!         .wrap(CsrfMiddleware::new()),
//! )
//! .await;
//!
//! // Sign in: the response sets the session cookie.
//! let request = test::TestRequest::post()
//!     .uri("/sign-in")
//!     .insert_header((header::HOST, "example.com"))
//!     .insert_header((header::ORIGIN, "https://example.com"))
//!     .to_request();
//! let response = test::call_service(&app, request).await;
//! let set_cookie = response.headers().get(header::SET_COOKIE).ok_or("no cookie")?.to_str()?;
//! assert!(set_cookie.ends_with("; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly"));
//!
//! // The browser sends the cookie back: `narvik_session=<token>`.
//! let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
//! let request = test::TestRequest::get()
//!     .uri("/account")
//!     .insert_header((header::COOKIE, cookie.as_str()))
//!     .to_request();
//! assert_eq!(test::call_service(&app, request).await.status(), StatusCode::OK);
//!
//! // Without it, `CurrentSession` refuses the request.
//! let request = test::TestRequest::get().uri("/account").to_request();
//! assert_eq!(test::call_service(&app, request).await.status(), StatusCode::UNAUTHORIZED);
//!
//! // Sign out: the response clears the cookie.
//! let request = test::TestRequest::post()
//!     .uri("/sign-out")
//!     .insert_header((header::HOST, "example.com"))
//!     .insert_header((header::ORIGIN, "https://example.com"))
//!     .insert_header((header::COOKIE, cookie.as_str()))
//!     .to_request();
//! let response = test::call_service(&app, request).await;
//! let blank = response.headers().get(header::SET_COOKIE).ok_or("no cookie")?.to_str()?;
//! assert!(blank.starts_with("narvik_session=; Max-Age=0;"));
//! # Ok(())
//! # }
//! ```
//!
//! # What the middleware does
//!
//! On every request, [`NarvikService`] reads the session token, validates it once
//! with [`Narvik::validate_session`](narvik::Narvik::validate_session) through
//! [`narvik_http::validate_request`], and stores the outcome in the request's
//! extensions. However many extractors a handler uses, the store is asked once.
//! Requests without a token, or with a malformed one, never reach the store.
//!
//! | the request's token | extractors see | the response gets |
//! | --- | --- | --- |
//! | none (or an empty cookie) | no session | no `Set-Cookie` |
//! | a valid session | the session | no `Set-Cookie` |
//! | a session just extended | the session | the cookie again (by header: the [expiry header](NarvikMiddleware::expiry_header), when set) |
//! | malformed, unknown, expired | no session | the blank cookie (by header: nothing) |
//! | the store failed | `503` ([`SessionRejection::Store`]) | no `Set-Cookie` |
//! | (handler called `start`) | | the new session's cookie |
//! | (handler called `start_bearer`) | | no cookie: the handler puts the token in the body |
//! | (handler called `reauthenticate` or `rotate`) | | the rotated session's cookie (by header: the handler sends the new token) |
//! | (handler called `end`) | | the blank cookie (by header: nothing) |
//!
//! When the cookie's name repeats (another site on the domain may have set a
//! cookie of the same name: "cookie tossing"), each well-formed token is tried in
//! order, up to [`MAX_SESSION_COOKIES_TRIED`] store lookups, the first valid one
//! wins, and the middleware writes no cookie of its own accord. Name the cookie
//! with the `__Host-` prefix, which browsers keep other sites from setting. A
//! response that carries a cookie gets `Cache-Control: no-store` unless the handler
//! set its own `Cache-Control`. Tokens never appear in `Debug` output or logs, and
//! the `Set-Cookie` value is marked sensitive.
//!
//! # API clients: bearer tokens
//!
//! With [`NarvikMiddleware::token_source`] set to [`TokenSource::Bearer`] or
//! [`TokenSource::CookieOrBearer`] (cookie first), the token may come in
//! `Authorization: Bearer <token>`, never in the URL or a form field. Such a
//! request never gets `Set-Cookie`: the client signs in through
//! [`start_bearer`](narvik_http::SessionHandle::start_bearer), whose token the
//! handler returns in the body, and learns its session's new expiry from the
//! [`expiry_header`](NarvikMiddleware::expiry_header) when one is set.
//! [`CsrfMiddleware`] lets requests with an `Authorization` header and no `Cookie`
//! header pass: CSRF abuses the cookie a browser adds by itself, and a page cannot
//! make a browser send another site's token in a header.
//!
//! # Customising the rejection
//!
//! [`SessionRejection`] is a [`ResponseError`](actix_web::ResponseError) that
//! answers `401`, `503`, `403`, `409` or `500` with a short text body. To answer
//! otherwise, extract `Result<CurrentSession<D>, SessionRejection>` in the handler,
//! or wrap the extractor once for the whole app:
//!
//! ```
//! use std::future::Future;
//! use std::pin::Pin;
//!
//! use actix_web::dev::Payload;
//! use actix_web::http::header::LOCATION;
//! use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
//! use narvik_actix::{CurrentSession, SessionRejection};
//!
//! /// A signed-in user; others are sent to the sign-in page.
//! struct SignedIn(CurrentSession<()>);
//!
//! /// Why [`SignedIn`] refused: a redirect, or the rejection's own answer.
//! #[derive(Debug, thiserror::Error)]
//! #[error(transparent)]
//! struct SignInFirst(SessionRejection);
//!
//! impl ResponseError for SignInFirst {
//!     fn error_response(&self) -> HttpResponse {
//!         match self.0 {
//!             SessionRejection::Unauthenticated => {
//!                 HttpResponse::SeeOther().insert_header((LOCATION, "/sign-in")).finish()
//!             }
//!             ref other => other.error_response(),
//!         }
//!     }
//! }
//!
//! impl FromRequest for SignedIn {
//!     type Error = SignInFirst;
//!     type Future = Pin<Box<dyn Future<Output = Result<Self, SignInFirst>>>>;
//!
//!     fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
//!         let session = CurrentSession::from_request(request, payload);
//!         Box::pin(async move { session.await.map(SignedIn).map_err(SignInFirst) })
//!     }
//! }
//!
//! async fn page(session: Result<CurrentSession<()>, SessionRejection>) -> HttpResponse {
//!     match session {
//!         Ok(session) => HttpResponse::Ok().body(format!("hello, {}", session.user_id)),
//!         Err(SessionRejection::Unauthenticated) => {
//!             HttpResponse::SeeOther().insert_header((LOCATION, "/sign-in")).finish()
//!         }
//!         Err(other) => other.error_response(),
//!     }
//! }
//!
//! async fn account(SignedIn(session): SignedIn) -> String {
//!     format!("hello, {}", session.user_id)
//! }
//! # let _ = actix_web::App::new()
//! #     .route("/", actix_web::web::get().to(page))
//! #     .route("/account", actix_web::web::get().to(account));
//! ```
//!
//! Or rewrite every `401` of the app with actix-web's `ErrorHandlers` middleware,
//! which finds the rejection in the response:
//!
//! ```
//! use actix_web::dev::ServiceResponse;
//! use actix_web::http::header::LOCATION;
//! use actix_web::http::StatusCode;
//! use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
//! use actix_web::{test, web, App, HttpResponse};
//! use narvik::{MemoryStore, Narvik};
//! use narvik_actix::{CurrentSession, NarvikMiddleware, SessionRejection};
//!
//! /// Sends the sign-in rejection to the sign-in page; other `401`s pass.
//! fn to_sign_in<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
//!     let rejection = response.response().error().and_then(|error| error.as_error());
//!     if !matches!(rejection, Some(SessionRejection::Unauthenticated)) {
//!         return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
//!     }
//!     let (request, _) = response.into_parts();
//!     let redirect = HttpResponse::SeeOther().insert_header((LOCATION, "/sign-in")).finish();
//!     Ok(ErrorHandlerResponse::Response(
//!         ServiceResponse::new(request, redirect).map_into_right_body(),
//!     ))
//! }
//!
//! async fn account(session: CurrentSession<()>) -> String {
//!     format!("hello, {}", session.user_id)
//! }
//!
//! # #[actix_web::main]
//! # async fn main() {
//! let app = App::new()
//!     .route("/account", web::get().to(account))
//!     .wrap(NarvikMiddleware::new(Narvik::new(MemoryStore::<()>::new())))
//!     .wrap(ErrorHandlers::new().handler(StatusCode::UNAUTHORIZED, to_sign_in));
//! let app = test::init_service(app).await;
//! let request = test::TestRequest::get().uri("/account").to_request();
//! let response = test::call_service(&app, request).await;
//! assert_eq!(response.status(), StatusCode::SEE_OTHER);
//! # }
//! ```
//!
//! # Setting the cookie by hand
//!
//! narvik's [`Cookie`](narvik::Cookie) writes the `Set-Cookie` value with
//! `Display` (`cookie.to_string()`); [`ActixHeaders`] reads actix-web's headers
//! the way the middleware does, for [`find_cookie`] and [`find_cookies`].

mod csrf;
mod extract;
mod fresh;
mod headers;
mod manager;
mod middleware;
mod rejection;

pub use narvik_http::{
    find_cookie, find_cookies, http, CsrfPolicy, CsrfRejection, ForwardedProto, SessionHandle,
    TokenSource, Transport, MAX_SESSION_COOKIES_TRIED,
};

pub use crate::csrf::{CsrfFuture, CsrfMiddleware, CsrfService, DefaultCsrfRejection, RejectCsrf};
pub use crate::extract::{CurrentSession, MaybeSession};
pub use crate::fresh::{NotFresh, RequireFresh};
pub use crate::headers::ActixHeaders;
pub use crate::manager::SessionManager;
pub use crate::middleware::{NarvikFuture, NarvikMiddleware, NarvikService};
pub use crate::rejection::SessionRejection;
