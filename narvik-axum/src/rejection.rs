//! [`SessionRejection`]: why a session extractor refused a request.

use std::sync::Arc;

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;

/// Why [`CurrentSession`](crate::CurrentSession), `Option<CurrentSession>` or
/// [`SessionManager`](crate::SessionManager) refused a request.
///
/// As a response: `401 Unauthorized` for [`Unauthenticated`](Self::Unauthenticated);
/// `503 Service Unavailable` when the store could not answer
/// ([`narvik::Error::Store`]: down, unreachable, timed out), so load balancers and
/// clients may retry; `403 Forbidden` for a sign-in that
/// [`max_sessions_per_user`](narvik::NarvikBuilder::max_sessions_per_user) refused
/// ([`narvik::Error::TooManySessions`]); `500 Internal Server Error` for anything
/// else. The short
/// plain-text body reveals nothing about the store; a failure is logged with
/// `tracing` at error level.
///
/// To answer differently (a redirect to the sign-in page, a JSON body), extract
/// `Result<CurrentSession<D>, SessionRejection>` and match on it, or wrap the
/// extractor in your own; see the [crate documentation](crate#customising-the-rejection).
/// Since `From<narvik::Error>` is implemented, `?` turns the errors of
/// [`SessionManager::start`](crate::SessionHandle::start),
/// [`end`](crate::SessionHandle::end) and
/// [`reauthenticate`](crate::SessionHandle::reauthenticate) into a rejection in
/// handlers that return `Result<_, SessionRejection>`.
/// ([`RequireFresh`](crate::RequireFresh) has a rejection of its own,
/// [`NotFresh`](crate::NotFresh).)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionRejection {
    /// The request has no session: no session cookie, or one whose session is
    /// malformed, unknown, expired or was ended.
    #[error("no valid session: sign in first")]
    Unauthenticated,

    /// The session store failed, so whether the user is signed in is unknown. This
    /// is never treated as a sign-out: no blank cookie is sent.
    ///
    /// An `Arc`, because every extractor of the request reports the one failure of
    /// its one validation.
    #[error(transparent)]
    Store(Arc<narvik::Error>),

    /// The request did not pass through a [`NarvikLayer`](crate::NarvikLayer) whose
    /// store has this session data (for [`CurrentSession`](crate::CurrentSession))
    /// or is of this type (for [`SessionManager`](crate::SessionManager)): a
    /// mistake in the router's set-up, or a type that differs from the layer's.
    #[error(
        "narvik session layer missing: no `{type_name}` in the request extensions; add \
         `.layer(NarvikLayer::new(narvik))` to the router, over every route that \
         extracts a session, with a `Narvik` whose store is of the type the handler names"
    )]
    MissingLayer {
        /// The type the extractor looked for, as [`std::any::type_name`] writes it:
        /// `narvik::session::Session<app::AppData>`, or
        /// `narvik_axum::manager::SessionManager<narvik::store::memory::MemoryStore<app::AppData>>`.
        type_name: &'static str,
    },
}

impl SessionRejection {
    /// The response status: `401` for [`Unauthenticated`](Self::Unauthenticated),
    /// `503` for a store that could not answer ([`narvik::Error::Store`]), `403`
    /// for a sign-in refused by the session limit
    /// ([`narvik::Error::TooManySessions`]), `409` for a data update that lost a
    /// race ([`narvik::Error::Conflict`]: the client can send the request again),
    /// `500` otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Store(error) => narvik_http::error_status(error),
            Self::MissingLayer { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// [`MissingLayer`](Self::MissingLayer), naming `T`, the type looked for.
    pub(crate) fn missing_layer<T: ?Sized>() -> Self {
        Self::MissingLayer {
            type_name: std::any::type_name::<T>(),
        }
    }
}

impl From<narvik::Error> for SessionRejection {
    fn from(error: narvik::Error) -> Self {
        Self::Store(Arc::new(error))
    }
}

/// The store's failure as [`SessionHandle::session`](narvik_http::SessionHandle::session)
/// reports it.
impl From<Arc<narvik::Error>> for SessionRejection {
    fn from(error: Arc<narvik::Error>) -> Self {
        Self::Store(error)
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            Self::Unauthenticated => (self.status(), "sign-in required"),
            Self::Store(error) => narvik_http::answer_error(error),
            Self::MissingLayer { .. } => {
                tracing::error!("{self}");
                (self.status(), "internal server error")
            }
        };
        (status, body).into_response()
    }
}
