//! [`SessionRejection`]: why a session extractor refused a request.

use std::sync::Arc;

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// Why [`CurrentSession`](crate::CurrentSession), [`MaybeSession`](crate::MaybeSession)
/// or [`SessionManager`](crate::SessionManager) refused a request; an actix-web
/// [`ResponseError`].
///
/// As a response, the statuses of `narvik-axum`'s rejection: `401 Unauthorized`
/// for [`Unauthenticated`](Self::Unauthenticated); `503 Service Unavailable` when
/// the store could not answer ([`narvik::Error::Store`]: down, unreachable, timed
/// out), so load balancers and clients may retry; `403 Forbidden` for a sign-in that
/// [`max_sessions_per_user`](narvik::NarvikBuilder::max_sessions_per_user) refused
/// ([`narvik::Error::TooManySessions`]); `409 Conflict` for a data update that lost
/// a race ([`narvik::Error::Conflict`]); `500 Internal Server Error` for anything
/// else. The short plain-text body reveals nothing about the store; a failure is
/// logged with `tracing` at error level.
///
/// To answer differently (a redirect to the sign-in page, a JSON body), extract
/// `Result<CurrentSession<D>, SessionRejection>` and match on it, or wrap the
/// extractor in your own; see the [crate documentation](crate#customising-the-rejection).
/// Since `From<narvik::Error>` is implemented, `?` turns the errors of
/// [`SessionManager`](crate::SessionManager)'s methods into a rejection in handlers
/// that return `Result<_, SessionRejection>`.
/// ([`RequireFresh`](crate::RequireFresh) has a rejection of its own,
/// [`NotFresh`](crate::NotFresh).)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionRejection {
    /// The request has no session: no token, or one whose session is malformed,
    /// unknown, expired or was ended.
    #[error("no valid session: sign in first")]
    Unauthenticated,

    /// The session store failed, so whether the user is signed in is unknown. This
    /// is never treated as a sign-out: no blank cookie is sent.
    ///
    /// An `Arc`, because every extractor of the request reports the one failure of
    /// its one validation.
    #[error(transparent)]
    Store(Arc<narvik::Error>),

    /// The request did not pass through a [`NarvikMiddleware`](crate::NarvikMiddleware)
    /// whose store has this session data (for [`CurrentSession`](crate::CurrentSession))
    /// or is of this type (for [`SessionManager`](crate::SessionManager)): a
    /// mistake in the app's set-up, or a type that differs from the middleware's.
    #[error(
        "narvik session middleware missing: no `{type_name}` in the request extensions; \
         add `.wrap(NarvikMiddleware::new(narvik))` to the app or scope of every route \
         that extracts a session, with a `Narvik` whose store is of the type the \
         handler names"
    )]
    MissingMiddleware {
        /// The type the extractor looked for, as [`std::any::type_name`] writes it.
        type_name: &'static str,
    },
}

impl SessionRejection {
    /// The response status: `401` for [`Unauthenticated`](Self::Unauthenticated),
    /// `503` for a store that could not answer ([`narvik::Error::Store`]), `403`
    /// for a sign-in refused by the session limit
    /// ([`narvik::Error::TooManySessions`]), `409` for a data update that lost a
    /// race ([`narvik::Error::Conflict`]), `500` otherwise
    /// ([`narvik_http::error_status`]).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Store(error) => to_actix_status(narvik_http::error_status(error)),
            Self::MissingMiddleware { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// [`MissingMiddleware`](Self::MissingMiddleware), naming `T`, the type looked
    /// for.
    pub(crate) fn missing_middleware<T: ?Sized>() -> Self {
        Self::MissingMiddleware {
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

impl ResponseError for SessionRejection {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let (status, body) = match self {
            Self::Unauthenticated => (self.status(), "sign-in required"),
            Self::Store(error) => {
                let (status, body) = narvik_http::answer_error(error);
                (to_actix_status(status), body)
            }
            Self::MissingMiddleware { .. } => {
                tracing::error!("{self}");
                (self.status(), "internal server error")
            }
        };
        text_response(status, body)
    }
}

/// `status` with a short plain-text `body`.
pub(crate) fn text_response(status: StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::plaintext())
        .body(body)
}

/// A status of the `http` crate's 1.x (narvik-http's) as actix-web's (`http` 0.2):
/// the same number.
pub(crate) fn to_actix_status(status: narvik_http::http::StatusCode) -> StatusCode {
    StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
