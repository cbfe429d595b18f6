//! The axum extractors: [`CurrentSession`], `Option<CurrentSession>` and
//! [`SessionManager`](crate::SessionManager).

use std::ops::{Deref, DerefMut};

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use narvik::{SessionData, SessionStore};

use narvik_http::RequestSession;

use crate::{SessionManager, SessionRejection};

/// The signed-in user's session, the one the request's cookie presented; as an
/// extractor, it refuses requests without one.
///
/// A newtype around [`narvik::Session`] (axum's traits cannot be implemented on
/// narvik's type here), named apart from it so the two never meet in one `use`;
/// `Deref` reaches its fields and, through it, your data: `session.user_id`,
/// `session.username`.
///
/// | extractor | no session | store failed |
/// | --- | --- | --- |
/// | `CurrentSession<D>` | rejects: [`SessionRejection::Unauthenticated`], `401` | rejects: [`SessionRejection::Store`], `503` |
/// | `Option<CurrentSession<D>>` | `None` | rejects: [`SessionRejection::Store`], `503` |
/// | `Result<CurrentSession<D>, SessionRejection>` | `Err(Unauthenticated)` | `Err(Store(..))` |
///
/// Every one reads what [`NarvikLayer`](crate::NarvikLayer) found, so a handler may
/// use several and the store is still asked once. Without a layer whose store
/// carries `D` they reject with [`SessionRejection::MissingLayer`], naming
/// `narvik::Session<D>`.
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

/// The required extractor: the optional one's session, or
/// [`SessionRejection::Unauthenticated`] without one.
impl<D, AppState> FromRequestParts<AppState> for CurrentSession<D>
where
    AppState: Send + Sync,
    Self: OptionalFromRequestParts<AppState, Rejection = SessionRejection>,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session =
            <Self as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state);
        session.await?.ok_or(SessionRejection::Unauthenticated)
    }
}

/// The request's session as the layer left it, `None` when there is none.
impl<D, AppState> OptionalFromRequestParts<AppState> for CurrentSession<D>
where
    D: SessionData + Clone,
    AppState: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let request = parts
            .extensions
            .get::<RequestSession<D>>()
            .ok_or_else(SessionRejection::missing_layer::<narvik::Session<D>>)?;
        let session = request.current().map_err(SessionRejection::Store)?;
        Ok(session.map(CurrentSession))
    }
}

impl<S, AppState> FromRequestParts<AppState> for SessionManager<S>
where
    S: SessionStore + 'static,
    AppState: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or_else(SessionRejection::missing_layer::<Self>)
    }
}
