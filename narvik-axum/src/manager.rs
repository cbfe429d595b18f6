//! [`SessionManager`]: start and end the request's session from a handler.

use std::fmt;

use narvik::{Narvik, SessionData, SessionStore};

use crate::state::{ResponseCookie, SessionSlot, Validation};
use crate::SessionRejection;

/// The handle to start and end the session of the current request.
///
/// An axum extractor; with plain `tower`, take it from the request's extensions
/// (`request.extensions().get::<SessionManager<D, S>>()`), where
/// [`NarvikLayer`](crate::NarvikLayer) puts it. The layer writes the cookie that
/// follows: the new session's cookie after [`start`](Self::start), the blank cookie
/// after [`end`](Self::end).
///
/// A type alias keeps handler signatures short:
/// `type Sessions = SessionManager<AppData, MemoryStore<AppData>>;`.
pub struct SessionManager<D, S> {
    narvik: Narvik<D, S>,
    slot: SessionSlot<D>,
}

impl<D, S> SessionManager<D, S> {
    pub(crate) fn new(narvik: Narvik<D, S>, slot: SessionSlot<D>) -> Self {
        Self { narvik, slot }
    }

    /// The [`Narvik`] the layer was made with, for the operations not tied to this
    /// request (signing a user out everywhere, listing their sessions).
    pub fn narvik(&self) -> &Narvik<D, S> {
        &self.narvik
    }
}

impl<D: Clone, S> SessionManager<D, S> {
    /// The request's session: the one its cookie presented (validated once by the
    /// layer), or the one [`start`](Self::start) made; `None` when there is none or
    /// it was [ended](Self::end).
    ///
    /// # Errors
    ///
    /// [`SessionRejection::Store`] when the store failed validating the cookie.
    pub fn session(&self) -> Result<Option<narvik::Session<D>>, SessionRejection> {
        match &self.slot.lock().validation {
            Validation::Valid(session) => Ok(Some(session.clone())),
            Validation::Absent | Validation::Invalid => Ok(None),
            Validation::StoreFailed { error, .. } => {
                Err(SessionRejection::Store(std::sync::Arc::clone(error)))
            }
        }
    }
}

impl<D: SessionData + Clone, S: SessionStore<D>> SessionManager<D, S> {
    /// Signs `user_id` in: creates a session carrying `data`, and has the layer set
    /// its cookie on the response. Call it once the user's credentials are checked.
    ///
    /// A session the request presented is left as it was; call [`end`](Self::end)
    /// first to delete it too.
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Store`] when the store fails; the response's cookie is then
    /// left as it was.
    pub async fn start(
        &self,
        user_id: impl Into<String>,
        data: D,
    ) -> narvik::Result<narvik::Session<D>> {
        let created = self.narvik.create_session(user_id, data).await?;
        let mut state = self.slot.lock();
        state.validation = Validation::Valid(created.session.clone());
        state.response_cookie = ResponseCookie::Set(created.token.into_string());
        Ok(created.session)
    }

    /// Signs out: deletes the request's session (or the one [`start`](Self::start)
    /// made) and has the layer send the blank cookie. Without a session it only sends
    /// the blank cookie.
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Store`] when the store fails; the session then still exists,
    /// and the response's cookie is left as it was.
    pub async fn end(&self) -> narvik::Result<()> {
        let session_id = self.slot.lock().validation.session_id().map(str::to_owned);
        if let Some(session_id) = session_id {
            self.narvik.invalidate_session(&session_id).await?;
        }
        let mut state = self.slot.lock();
        state.validation = Validation::Absent;
        state.response_cookie = ResponseCookie::Clear;
        Ok(())
    }
}

impl<D, S> Clone for SessionManager<D, S> {
    fn clone(&self) -> Self {
        Self {
            narvik: self.narvik.clone(),
            slot: self.slot.clone(),
        }
    }
}

/// Prints the settings and the state of the request's session, never its token.
impl<D, S> fmt::Debug for SessionManager<D, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("narvik", &self.narvik)
            .field("request", &self.slot)
            .finish()
    }
}
