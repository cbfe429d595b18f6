//! The actix-web extractors: [`CurrentSession`], [`MaybeSession`] and
//! [`SessionManager`](crate::SessionManager).

use std::future::{ready, Ready};
use std::ops::{Deref, DerefMut};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use narvik::{SessionData, SessionStore};
use narvik_http::RequestSession;

use crate::{SessionManager, SessionRejection};

/// The signed-in user's session, the one the request's token presented; as an
/// extractor, it refuses requests without one.
///
/// A newtype around [`narvik::Session`] (actix-web's traits cannot be implemented
/// on narvik's type here); `Deref` reaches its fields and, through it, your data:
/// `session.user_id`, `session.username`.
///
/// | extractor | no session | store failed |
/// | --- | --- | --- |
/// | `CurrentSession<D>` | rejects: [`SessionRejection::Unauthenticated`], `401` | rejects: [`SessionRejection::Store`], `503` |
/// | [`MaybeSession<D>`] | `MaybeSession(None)` | rejects: [`SessionRejection::Store`], `503` |
/// | `Result<CurrentSession<D>, SessionRejection>` | `Err(Unauthenticated)` | `Err(Store(..))` |
/// | `Option<CurrentSession<D>>` (**avoid**) | `None` | `None`: actix-web's `Option` swallows every error |
///
/// actix-web implements its extractor trait for every `Option<T>` by turning any
/// rejection into `None`, so `Option<CurrentSession<D>>` would take a store outage
/// for a signed-out user; take [`MaybeSession<D>`] for the optional session.
///
/// Every one reads what [`NarvikMiddleware`](crate::NarvikMiddleware) found, so a
/// handler may use several and the store is still asked once. Without a middleware
/// whose store carries `D` they reject with
/// [`SessionRejection::MissingMiddleware`], naming `narvik::Session<D>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentSession<D>(pub narvik::Session<D>);

impl<D> CurrentSession<D> {
    /// narvik's session.
    pub fn into_inner(self) -> narvik::Session<D> {
        self.0
    }
}

impl<D> Deref for CurrentSession<D> {
    type Target = narvik::Session<D>;

    fn deref(&self) -> &narvik::Session<D> {
        &self.0
    }
}

impl<D> DerefMut for CurrentSession<D> {
    fn deref_mut(&mut self) -> &mut narvik::Session<D> {
        &mut self.0
    }
}

impl<D> From<narvik::Session<D>> for CurrentSession<D> {
    fn from(session: narvik::Session<D>) -> Self {
        Self(session)
    }
}

impl<D> From<CurrentSession<D>> for narvik::Session<D> {
    fn from(session: CurrentSession<D>) -> Self {
        session.0
    }
}

/// The request's session, or [`SessionRejection::Unauthenticated`] without one.
impl<D: SessionData + Clone> FromRequest for CurrentSession<D> {
    type Error = SessionRejection;
    type Future = Ready<Result<Self, SessionRejection>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let session = current_session(request)
            .and_then(|session| session.ok_or(SessionRejection::Unauthenticated));
        ready(session.map(CurrentSession))
    }
}

/// The signed-in user's session when there is one: the optional
/// [`CurrentSession`], which still answers `503` when the store failed
/// ([`SessionRejection::Store`]): an outage is not a signed-out user.
///
/// ```
/// use narvik_actix::MaybeSession;
///
/// # #[derive(narvik::SessionData, Clone, Debug)]
/// # struct AppData { username: String }
/// async fn home(MaybeSession(session): MaybeSession<AppData>) -> String {
///     match session {
///         Some(session) => format!("hello, {}", session.username),
///         None => "hello, stranger".to_owned(),
///     }
/// }
/// # let _ = actix_web::App::new().route("/", actix_web::web::get().to(home));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeSession<D>(pub Option<narvik::Session<D>>);

impl<D> MaybeSession<D> {
    /// narvik's session, `None` without one.
    pub fn into_inner(self) -> Option<narvik::Session<D>> {
        self.0
    }
}

impl<D> Deref for MaybeSession<D> {
    type Target = Option<narvik::Session<D>>;

    fn deref(&self) -> &Option<narvik::Session<D>> {
        &self.0
    }
}

impl<D> From<MaybeSession<D>> for Option<narvik::Session<D>> {
    fn from(session: MaybeSession<D>) -> Self {
        session.0
    }
}

/// The request's session as the middleware left it, `None` without one.
impl<D: SessionData + Clone> FromRequest for MaybeSession<D> {
    type Error = SessionRejection;
    type Future = Ready<Result<Self, SessionRejection>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(current_session(request).map(MaybeSession))
    }
}

/// The session the middleware found (or a handler started) for `request`.
pub(crate) fn current_session<D: SessionData + Clone>(
    request: &HttpRequest,
) -> Result<Option<narvik::Session<D>>, SessionRejection> {
    let extensions = request.extensions();
    let state = extensions
        .get::<RequestSession<D>>()
        .ok_or_else(SessionRejection::missing_middleware::<narvik::Session<D>>)?;
    state.current().map_err(SessionRejection::Store)
}

impl<S: SessionStore + 'static> FromRequest for SessionManager<S> {
    type Error = SessionRejection;
    type Future = Ready<Result<Self, SessionRejection>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let manager = request.extensions().get::<Self>().cloned();
        ready(manager.ok_or_else(SessionRejection::missing_middleware::<Self>))
    }
}
