//! [`RequireFresh`]: a route that needs a recent proof of a credential ("sudo
//! mode"), and its rejection [`NotFresh`].

use std::future::{ready, Ready};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use narvik::time::{Duration, OffsetDateTime};
use narvik::SessionData;

use crate::extract::current_session;
use crate::rejection::text_response;
use crate::{CurrentSession, SessionRejection};

/// The signed-in user's session, when the user proved a credential at most
/// `MAX_AGE_SECS` seconds ago; as an extractor, it refuses other requests with
/// [`NotFresh`].
///
/// "Sudo mode" (OWASP ASVS V7.5.1 to V7.5.3): before a sensitive change (the
/// password, the e-mail address, signing out every other session), ask for the
/// password again unless the user gave it a moment ago. Take this extractor in
/// the handler of such a route; it yields the session when
/// [`session.authenticated_within(MAX_AGE_SECS seconds)`](narvik::Session::authenticated_within),
/// measured by narvik's clock when the middleware validated the request.
///
/// Its rejection answers `401` without a session, `403` with a stale one and
/// `503` when the store failed ([`NotFresh`]). To send the user to a "confirm your
/// password" page instead, take `Result<RequireFresh<D, N>, NotFresh>`; that
/// page checks the password and calls
/// [`SessionManager::reauthenticate`](narvik_http::SessionHandle::reauthenticate),
/// which stamps the proof, gives the session a new token and sends its cookie:
///
/// ```
/// use actix_web::http::header::LOCATION;
/// use actix_web::{web, App, HttpResponse, ResponseError};
/// use narvik::{MemoryStore, Narvik, SessionData};
/// use narvik_actix::{NarvikMiddleware, NotFresh, RequireFresh, SessionManager};
///
/// #[derive(SessionData, Clone, Debug)]
/// struct AppData {
///     username: String,
/// }
///
/// type Store = MemoryStore<AppData>;
///
/// /// Five minutes since the last proof of the password, at most.
/// type Fresh = RequireFresh<AppData, 300>;
///
/// fn redirect(to: &str) -> HttpResponse {
///     HttpResponse::SeeOther().insert_header((LOCATION, to)).finish()
/// }
///
/// async fn change_password_page(session: Result<Fresh, NotFresh>) -> HttpResponse {
///     match session {
///         Ok(session) => HttpResponse::Ok().body(format!("new password for {}", session.username)),
///         Err(NotFresh::Stale { .. }) => redirect("/confirm-password?next=/change-password"),
///         Err(NotFresh::Unauthenticated) => redirect("/sign-in"),
///         Err(other) => other.error_response(),
///     }
/// }
///
/// async fn confirm_password(sessions: SessionManager<Store>, form: String) -> HttpResponse {
///     // Check the password in `form` against the user's password hash here, and
///     // answer the form again with an error when it is wrong.
///     let _ = form;
///     match sessions.reauthenticate().await {
///         // The middleware sends the rotated session's cookie with the redirect.
///         Ok(Some(_fresh)) => redirect("/change-password"),
///         Ok(None) => redirect("/sign-in"),
///         Err(error) => narvik_actix::SessionRejection::from(error).error_response(),
///     }
/// }
///
/// let narvik = Narvik::new(Store::new());
/// let app = App::new()
///     .route("/change-password", web::get().to(change_password_page))
///     .route("/confirm-password", web::post().to(confirm_password))
///     .wrap(NarvikMiddleware::new(narvik));
/// # let _ = app;
/// ```
///
/// Like [`CurrentSession`], it reads what
/// [`NarvikMiddleware`](crate::NarvikMiddleware) found (no store lookup of its own)
/// and `Deref`s to [`narvik::Session`], and through it to your data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireFresh<D, const MAX_AGE_SECS: u64>(pub narvik::Session<D>);

impl<D, const MAX_AGE_SECS: u64> RequireFresh<D, MAX_AGE_SECS> {
    /// The longest time since the last proof of a credential that this extractor
    /// accepts: `MAX_AGE_SECS` seconds (at most [`i64::MAX`] seconds).
    pub const MAX_AGE: Duration = max_age(MAX_AGE_SECS);

    /// narvik's session.
    pub fn into_inner(self) -> narvik::Session<D> {
        self.0
    }
}

/// `secs` seconds as a [`Duration`], saturating where `i64` ends.
const fn max_age(secs: u64) -> Duration {
    let secs = if secs > i64::MAX as u64 {
        i64::MAX
    } else {
        // In range: checked on the line above.
        secs as i64
    };
    Duration::seconds(secs)
}

impl<D, const MAX_AGE_SECS: u64> Deref for RequireFresh<D, MAX_AGE_SECS> {
    type Target = narvik::Session<D>;

    fn deref(&self) -> &narvik::Session<D> {
        &self.0
    }
}

impl<D, const MAX_AGE_SECS: u64> From<RequireFresh<D, MAX_AGE_SECS>> for narvik::Session<D> {
    fn from(session: RequireFresh<D, MAX_AGE_SECS>) -> Self {
        session.0
    }
}

/// The request's session when it is fresh enough; see [`RequireFresh`].
impl<D: SessionData + Clone, const MAX_AGE_SECS: u64> FromRequest
    for RequireFresh<D, MAX_AGE_SECS>
{
    type Error = NotFresh;
    type Future = Ready<Result<Self, NotFresh>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let fresh = current_session::<D>(request)
            .map_err(NotFresh::from)
            .and_then(|session| session.ok_or(NotFresh::Unauthenticated))
            .and_then(|session| CurrentSession(session).require_fresh(Self::MAX_AGE))
            .map(|session| Self(session.0));
        ready(fresh)
    }
}

impl<D> CurrentSession<D> {
    /// This session when the user proved a credential at most `max_age` ago,
    /// [`NotFresh::Stale`] otherwise: [`RequireFresh`]'s check for a window known
    /// only at run time (a setting, a flag), where `RequireFresh` fixes it in the
    /// type.
    ///
    /// # Errors
    ///
    /// [`NotFresh::Stale`], carrying the session's `authenticated_at` and
    /// `max_age`, when the last proof is older.
    pub fn require_fresh(self, max_age: Duration) -> Result<Self, NotFresh> {
        if self.authenticated_within(max_age) {
            Ok(self)
        } else {
            Err(NotFresh::Stale {
                authenticated_at: self.authenticated_at,
                max_age,
            })
        }
    }
}

/// Why [`RequireFresh`] refused a request; an actix-web [`ResponseError`].
///
/// As a response: `401 Unauthorized` for [`Unauthenticated`](Self::Unauthenticated),
/// `403 Forbidden` for [`Stale`](Self::Stale), `503 Service Unavailable` when the
/// store could not answer, `500` otherwise, each with a short plain-text body, as
/// [`SessionRejection`] answers. Match on it to answer otherwise, typically to
/// redirect a stale session to a "confirm your password" page (see
/// [`RequireFresh`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotFresh {
    /// The request has no session: no token, or one whose session is malformed,
    /// unknown, expired or was ended.
    #[error("no valid session: sign in first")]
    Unauthenticated,

    /// The user is signed in, but proved a credential longer ago than the route
    /// accepts: ask for the password again, then call
    /// [`SessionManager::reauthenticate`](narvik_http::SessionHandle::reauthenticate).
    #[error("the last proof of a credential is too old: confirm the password")]
    Stale {
        /// When the user last proved a credential
        /// ([`Session::authenticated_at`](narvik::Session::authenticated_at));
        /// [`UNKNOWN_TIME`](narvik::UNKNOWN_TIME) when it was never recorded.
        authenticated_at: OffsetDateTime,
        /// The longest age the route accepts.
        max_age: Duration,
    },

    /// The session store failed, so whether the user is signed in is unknown
    /// (see [`SessionRejection::Store`]).
    #[error(transparent)]
    Store(Arc<narvik::Error>),

    /// The request did not pass through a [`NarvikMiddleware`](crate::NarvikMiddleware)
    /// whose store has this session data (see
    /// [`SessionRejection::MissingMiddleware`]).
    #[error("narvik session middleware missing: no `{type_name}` in the request extensions")]
    MissingMiddleware {
        /// The type looked for, as [`std::any::type_name`] writes it.
        type_name: &'static str,
    },
}

impl NotFresh {
    /// The response status: `401` for [`Unauthenticated`](Self::Unauthenticated),
    /// `403` for [`Stale`](Self::Stale), `503` for a store that could not answer
    /// ([`narvik::Error::Store`]), `500` otherwise.
    pub fn status(&self) -> StatusCode {
        match self.as_session_rejection() {
            Some(rejection) => rejection.status(),
            None => StatusCode::FORBIDDEN,
        }
    }

    /// The session extractors' rejection of the same meaning; `None` for
    /// [`Stale`](Self::Stale), which is this one's own.
    fn as_session_rejection(&self) -> Option<SessionRejection> {
        Some(match self {
            Self::Stale { .. } => return None,
            Self::Unauthenticated => SessionRejection::Unauthenticated,
            Self::Store(error) => SessionRejection::Store(Arc::clone(error)),
            Self::MissingMiddleware { type_name } => {
                SessionRejection::MissingMiddleware { type_name }
            }
        })
    }
}

/// The session extractors' rejections, as [`RequireFresh`] reports them.
impl From<SessionRejection> for NotFresh {
    fn from(rejection: SessionRejection) -> Self {
        match rejection {
            SessionRejection::Unauthenticated => Self::Unauthenticated,
            SessionRejection::Store(error) => Self::Store(error),
            SessionRejection::MissingMiddleware { type_name } => {
                Self::MissingMiddleware { type_name }
            }
        }
    }
}

impl ResponseError for NotFresh {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        match self.as_session_rejection() {
            // Logged and worded as the session extractors do it.
            Some(rejection) => rejection.error_response(),
            None => text_response(self.status(), "re-authentication required"),
        }
    }
}
