//! The axum extractors: [`Session`], `Option<Session>` and
//! [`SessionManager`](crate::SessionManager).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use narvik::{SessionData, SessionStore};

use crate::state::{SessionSlot, Validation};
use crate::{SessionManager, SessionRejection};

/// The signed-in user's session; as an extractor, it refuses requests without one.
///
/// A newtype around [`narvik::Session`] (axum's traits cannot be implemented on
/// narvik's type here); `Deref` reaches its fields and, through it, your data:
/// `session.user_id`, `session.username`.
///
/// | extractor | no session | store failed |
/// | --- | --- | --- |
/// | `Session<D>` | rejects: [`SessionRejection::Unauthenticated`], `401` | rejects: [`SessionRejection::Store`], `503` |
/// | `Option<Session<D>>` | `None` | rejects: [`SessionRejection::Store`], `503` |
/// | `Result<Session<D>, SessionRejection>` | `Err(Unauthenticated)` | `Err(Store(..))` |
///
/// Every one reads what [`NarvikLayer`](crate::NarvikLayer) found, so a handler may
/// use several and the store is still asked once. Without the layer they reject with
/// [`SessionRejection::MissingLayer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session<D>(pub narvik::Session<D>);

impl<D> Session<D> {
    /// narvik's session.
    pub fn into_inner(self) -> narvik::Session<D> {
        self.0
    }
}

impl<D> Deref for Session<D> {
    type Target = narvik::Session<D>;

    fn deref(&self) -> &narvik::Session<D> {
        &self.0
    }
}

impl<D> DerefMut for Session<D> {
    fn deref_mut(&mut self) -> &mut narvik::Session<D> {
        &mut self.0
    }
}

impl<D> From<narvik::Session<D>> for Session<D> {
    fn from(session: narvik::Session<D>) -> Self {
        Self(session)
    }
}

impl<D> From<Session<D>> for narvik::Session<D> {
    fn from(session: Session<D>) -> Self {
        session.0
    }
}

/// The request's session as the layer left it, `None` when there is none.
fn current_session<D: SessionData + Clone>(
    parts: &Parts,
) -> Result<Option<Session<D>>, SessionRejection> {
    let slot = parts
        .extensions
        .get::<SessionSlot<D>>()
        .ok_or(SessionRejection::MissingLayer)?;
    let state = slot.lock();
    match &state.validation {
        Validation::Valid(session) => Ok(Some(Session(session.clone()))),
        Validation::Absent | Validation::Invalid => Ok(None),
        Validation::StoreFailed { error, .. } => Err(SessionRejection::Store(Arc::clone(error))),
    }
}

impl<D, AppState> FromRequestParts<AppState> for Session<D>
where
    D: SessionData + Clone,
    AppState: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        current_session(parts)?.ok_or(SessionRejection::Unauthenticated)
    }
}

impl<D, AppState> OptionalFromRequestParts<AppState> for Session<D>
where
    D: SessionData + Clone,
    AppState: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        current_session(parts)
    }
}

impl<D, S, AppState> FromRequestParts<AppState> for SessionManager<D, S>
where
    D: SessionData,
    S: SessionStore<D>,
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
            .ok_or(SessionRejection::MissingLayer)
    }
}
