//! [`RequireFresh`]: a route that needs a recent proof of a credential ("sudo
//! mode"), and its rejection [`NotFresh`].

use std::ops::Deref;
use std::sync::Arc;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;
use narvik::time::{Duration, OffsetDateTime};
use narvik::SessionData;

use crate::{CurrentSession, SessionRejection};
use narvik_http::RequestSession;

/// The signed-in user's session, when the user proved a credential at most
/// `MAX_AGE_SECS` seconds ago; as an extractor, it refuses other requests with
/// [`NotFresh`].
///
/// "Sudo mode" (OWASP ASVS V7.5.1 to V7.5.3): before a sensitive change (the
/// password, the e-mail address, signing out every other session), ask for the
/// password again unless the user gave it a moment ago. Take this extractor in
/// the handler of such a route; it yields the session when
/// [`session.authenticated_within(MAX_AGE_SECS seconds)`](narvik::Session::authenticated_within),
/// measured by narvik's clock when the layer validated the request. A session
/// stored before narvik 0.2 never counts as fresh (its
/// [`authenticated_at`](narvik::Session::authenticated_at) is
/// [`UNKNOWN_TIME`](narvik::UNKNOWN_TIME)).
///
/// Its rejection answers `401` without a session, `403` with a stale one and
/// `503` when the store failed ([`NotFresh`]). To send the user to a "confirm your
/// password" page instead, take `Result<RequireFresh<D, N>, NotFresh>`; that
/// page checks the password and calls
/// [`SessionManager::reauthenticate`](crate::SessionHandle::reauthenticate),
/// which stamps the proof, gives the session a new token and sends its cookie:
///
/// ```
/// use axum::response::{IntoResponse, Redirect, Response};
/// use axum::routing::{get, post};
/// use axum::Router;
/// use narvik::{MemoryStore, Narvik, SessionData};
/// use narvik_axum::{NarvikLayer, NotFresh, RequireFresh, SessionManager};
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
/// async fn change_password_page(session: Result<Fresh, NotFresh>) -> Response {
///     match session {
///         Ok(session) => format!("new password for {}", session.username).into_response(),
///         Err(NotFresh::Stale { .. }) => {
///             Redirect::to("/confirm-password?next=/change-password").into_response()
///         }
///         Err(NotFresh::Unauthenticated) => Redirect::to("/sign-in").into_response(),
///         Err(other) => other.into_response(),
///     }
/// }
///
/// async fn confirm_password(sessions: SessionManager<Store>, form: String) -> Response {
///     // Check the password in `form` against the user's password hash here, and
///     // answer the form again with an error when it is wrong.
///     let _ = form;
///     match sessions.reauthenticate().await {
///         // The layer sends the rotated session's cookie with the redirect.
///         Ok(Some(_fresh)) => Redirect::to("/change-password").into_response(),
///         Ok(None) => Redirect::to("/sign-in").into_response(),
///         Err(error) => narvik_axum::SessionRejection::from(error).into_response(),
///     }
/// }
///
/// fn app(narvik: Narvik<Store>) -> Router {
///     Router::new()
///         .route("/change-password", get(change_password_page))
///         .route("/confirm-password", post(confirm_password))
///         .layer(NarvikLayer::new(narvik))
/// }
/// # let _ = app(Narvik::new(MemoryStore::new()));
/// ```
///
/// Like [`CurrentSession`](crate::CurrentSession), it reads what
/// [`NarvikLayer`](crate::NarvikLayer) found (no store lookup of its own) and
/// `Deref`s to [`narvik::Session`], and through it to your data.
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
impl<D, AppState, const MAX_AGE_SECS: u64> FromRequestParts<AppState>
    for RequireFresh<D, MAX_AGE_SECS>
where
    D: SessionData + Clone,
    AppState: Send + Sync,
{
    type Rejection = NotFresh;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let request = parts
            .extensions
            .get::<RequestSession<D>>()
            .ok_or_else(SessionRejection::missing_layer::<narvik::Session<D>>)?;
        let session = request.current().map_err(SessionRejection::Store)?;
        let session = session.ok_or(NotFresh::Unauthenticated)?;
        let fresh = CurrentSession(session).require_fresh(Self::MAX_AGE)?;
        Ok(Self(fresh.0))
    }
}

impl<D> CurrentSession<D> {
    /// This session when the user proved a credential at most `max_age` ago,
    /// [`NotFresh::Stale`] otherwise: [`RequireFresh`]'s check for a window known
    /// only at run time (a setting, a flag), where `RequireFresh` fixes it in the
    /// type.
    ///
    /// ```
    /// use narvik::time::Duration;
    /// use narvik_axum::{CurrentSession, NotFresh};
    ///
    /// # #[derive(narvik::SessionData, Clone, Debug)]
    /// # struct AppData { username: String }
    /// async fn delete_account(
    ///     session: CurrentSession<AppData>,
    ///     // From the application's settings.
    ///     window: Duration,
    /// ) -> Result<String, NotFresh> {
    ///     let session = session.require_fresh(window)?;
    ///     Ok(format!("deleting the account of {}", session.username))
    /// }
    /// # let _ = delete_account;
    /// ```
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

/// Why [`RequireFresh`] refused a request.
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
    /// The request has no session: no session cookie, or one whose session is
    /// malformed, unknown, expired or was ended.
    #[error("no valid session: sign in first")]
    Unauthenticated,

    /// The user is signed in, but proved a credential longer ago than the route
    /// accepts: ask for the password again, then call
    /// [`SessionManager::reauthenticate`](crate::SessionHandle::reauthenticate).
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

    /// The request did not pass through a [`NarvikLayer`](crate::NarvikLayer)
    /// whose store has this session data (see [`SessionRejection::MissingLayer`]).
    #[error("narvik session layer missing: no `{type_name}` in the request extensions")]
    MissingLayer {
        /// The type looked for, as [`std::any::type_name`] writes it.
        type_name: &'static str,
    },
}

impl NotFresh {
    /// The response status: `401` for [`Unauthenticated`](Self::Unauthenticated),
    /// `403` for [`Stale`](Self::Stale), `503` for a store that could not answer
    /// ([`narvik::Error::Store`]), `500` otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Stale { .. } => StatusCode::FORBIDDEN,
            Self::Store(error) => SessionRejection::Store(Arc::clone(error)).status(),
            Self::MissingLayer { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The session extractors' rejections, as [`RequireFresh`] reports them.
impl From<SessionRejection> for NotFresh {
    fn from(rejection: SessionRejection) -> Self {
        match rejection {
            SessionRejection::Unauthenticated => Self::Unauthenticated,
            SessionRejection::Store(error) => Self::Store(error),
            SessionRejection::MissingLayer { type_name } => Self::MissingLayer { type_name },
        }
    }
}

impl IntoResponse for NotFresh {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthenticated => SessionRejection::Unauthenticated.into_response(),
            Self::Stale { .. } => (self.status(), "re-authentication required").into_response(),
            // Logged and worded as the session extractors do it.
            Self::Store(error) => SessionRejection::Store(error).into_response(),
            Self::MissingLayer { type_name } => {
                SessionRejection::MissingLayer { type_name }.into_response()
            }
        }
    }
}
