//! The router: routes, layers, and the state handlers share.
//!
//! | route | does |
//! | --- | --- |
//! | `GET /` | to `/account` when signed in, else to `/sign-in` |
//! | `GET /sign-up`, `POST /sign-up` | the form; creates the account and signs in |
//! | `GET /sign-in`, `POST /sign-in` | the form; checks the password and signs in |
//! | `GET /account` | the user, this session's data, every session of the user |
//! | `POST /account/theme` | sets this session's theme (`theme`: `light` or `dark`) and counts the change, without losing one made at the same time |
//! | `POST /sign-out` | ends this session |
//! | `POST /sessions/sign-out` | ends one session of the user (`session_id`; another than this one after [confirming the password](password) when its last check is stale) |
//! | `POST /sessions/sign-out-others` | ends every session of the user but this one (after [confirming the password](password) when its last check is stale) |
//! | `GET /confirm-password`, `POST /confirm-password` | asks for the password again, then goes on with what the user was doing (`then`, `session_id`) |
//! | `GET /account/password`, `POST /account/password` | changes the password (the page after confirming it when stale), optionally signing out every other session |
//!
//! Layers, outermost first: [`explain_and_harden`] (the page of a handler's
//! [`Problem`], or of a bare error response; security headers), [`CsrfLayer`]
//! (state-changing requests from another origin never get further),
//! [`NarvikLayer`] (the session), and the form size limit.
//!
//! Every `POST` that checks a password (`/sign-up`, `/sign-in`,
//! `/confirm-password`, `/account/password`) passes the [rate limits](crate::RateLimits)
//! (`429`) and waits for a [password hasher](crate::HashingPool) (`503` when none
//! frees up in time); see [the handlers](handlers).

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header::{self, HeaderValue};
use axum::http::uri::Scheme;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use narvik::{Clock, Narvik, Session};
use narvik_axum::{CsrfLayer, NarvikLayer, SessionManager};
use time::Duration;

use self::problem::Problem;
use crate::rate_limit::AttemptLimiter;
use crate::store::{self, SharedStore};
use crate::users::Accounts;
use crate::{Config, DemoSession, Error};

mod client_address;
mod handlers;
mod password;
mod problem;

/// The largest form body accepted: far above any valid sign-in, far below what
/// would cost memory. Larger bodies get `413 Payload Too Large`.
pub const FORM_LIMIT_BYTES: usize = 4 * 1024;

/// The longest `User-Agent` kept in a session, in bytes.
pub const MAX_USER_AGENT_LEN: usize = 256;

/// The session manager the handlers extract.
type Sessions = SessionManager<SharedStore>;

/// What every handler may use.
#[derive(Clone)]
struct AppState {
    accounts: Accounts,
    clock: Arc<dyn Clock>,
    /// Where sessions and accounts live, for the footer of the signed-in.
    store_label: Arc<str>,
    /// Counts password attempts per username and per client address.
    attempts: Arc<AttemptLimiter>,
    /// How long a proof of the password counts for the sensitive actions.
    reauthenticate_after: Duration,
}

impl AppState {
    /// Whether the user of `session` proved their password within
    /// [`reauthenticate_after`](Config::reauthenticate_after), by the clock
    /// narvik validated the session with. A session stored before narvik kept
    /// the time never is.
    ///
    /// Not narvik-axum's `RequireFresh<D, SECS>` extractor: its window is a
    /// constant of the type, and the demo's comes from a flag.
    fn is_fresh(&self, session: &Session<DemoSession>) -> bool {
        session.authenticated_within(self.reauthenticate_after)
    }
}

/// The demo app for `config`: connects to its store, creates the tables it needs,
/// and returns the router, ready for `axum::serve`.
///
/// # Errors
///
/// [`Error`] when the store cannot be reached or set up, or the settings are
/// refused.
pub async fn app(config: Config) -> Result<Router, Error> {
    let backend = store::connect(&config).await?;
    let mut narvik = Narvik::builder(backend.sessions)
        .session_expires_in(config.session_length)
        .cookie_name(config.cookie_name())
        .secure(config.secure_cookies)
        .clock(Arc::clone(&config.clock));
    if let Some(lifetime) = config.absolute_lifetime {
        narvik = narvik.absolute_lifetime(lifetime);
    }
    if let Some(max) = config.max_sessions_per_user {
        // The default policy: a sign-in beyond the cap ends the user's least
        // recently extended session, rather than refusing the user.
        narvik = narvik.max_sessions_per_user(max.get());
    }
    let narvik = narvik.build()?;
    let accounts = Accounts::new(backend.users, config.hashing.clone())
        .await
        .map_err(|source| Error::Setup {
            what: "password hasher",
            store: backend.label.clone(),
            source: source.into(),
        })?;
    let site_scheme = if config.https {
        Scheme::HTTPS
    } else {
        Scheme::HTTP
    };
    let state = AppState {
        accounts,
        clock: config.clock,
        store_label: backend.label.into(),
        attempts: Arc::new(AttemptLimiter::new(config.rate_limits)),
        reauthenticate_after: config.reauthenticate_after,
    };
    let router = Router::new()
        .route("/", get(handlers::home))
        .route(
            "/sign-up",
            get(handlers::sign_up_page).post(handlers::sign_up),
        )
        .route(
            "/sign-in",
            get(handlers::sign_in_page).post(handlers::sign_in),
        )
        .route("/account", get(handlers::account))
        .route(
            "/account/password",
            get(password::change_password_page).post(password::change_password),
        )
        .route(
            "/confirm-password",
            get(password::confirm_password_page).post(password::confirm_password),
        )
        .route("/account/theme", post(handlers::set_theme))
        .route("/sign-out", post(handlers::sign_out))
        .route("/sessions/sign-out", post(handlers::sign_out_session))
        .route(
            "/sessions/sign-out-others",
            post(handlers::sign_out_other_sessions),
        )
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(FORM_LIMIT_BYTES))
        .layer(NarvikLayer::new(narvik))
        // Outside the session layer: a cross-site form never reaches the store. Its
        // forms come from `http://` origins unless a TLS proxy fronts it (`https`).
        .layer(CsrfLayer::new().site_scheme(site_scheme))
        .layer(middleware::from_fn(explain_and_harden))
        .with_state(state);
    Ok(router)
}

/// Renders the page of a handler's [`Problem`], or of an error response without a
/// body (such as [`CsrfLayer`]'s `403`, or axum's `405`), and adds the headers
/// every page wants: no caching (pages show private data), no framing, no scripts,
/// no sniffing.
///
/// The pages are made here, not by the handlers, so that a layer's bare refusal
/// gets the same page as a handler's.
async fn explain_and_harden(request: axum::extract::Request, next: middleware::Next) -> Response {
    let mut response = next.run(request).await;
    let problem = response.extensions_mut().remove::<Problem>().or_else(|| {
        let status = response.status();
        let bare_error = (status.is_client_error() || status.is_server_error())
            && !response.headers().contains_key(header::CONTENT_TYPE);
        bare_error.then(|| Problem::of_status(status))
    });
    if let Some(problem) = problem {
        let (mut parts, body) = problem.render().into_parts();
        // Keep what the inner layers set: a blank session cookie, axum's `Allow`,
        // the problem's `Retry-After`.
        for (name, value) in response.headers() {
            if name != header::CONTENT_LENGTH {
                parts.headers.append(name, value.clone());
            }
        }
        response = Response::from_parts(parts, body);
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
