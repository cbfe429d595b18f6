//! [`SessionManager`]: start and end the request's session from a handler.

use std::fmt;

use narvik::{Narvik, SessionStore};

use crate::state::{ResponseCookie, SessionSlot, Validation};
use crate::SessionRejection;

/// The handle to start and end the session of the current request.
///
/// An axum extractor; with plain `tower`, take it from the request's extensions
/// (`request.extensions().get::<SessionManager<S>>()`), where
/// [`NarvikLayer`](crate::NarvikLayer) puts it. The layer writes the cookie that
/// follows: the new session's cookie after [`start`](Self::start), the blank cookie
/// after [`end`](Self::end).
///
/// `S` is the layer's store type; a type alias keeps handler signatures short:
/// `type Sessions = SessionManager<MemoryStore<AppData>>;`.
///
/// A trait-object store (`SessionManager<Arc<dyn SessionStore<Data = D>>>`) serves
/// as well as a concrete one.
pub struct SessionManager<S: SessionStore> {
    narvik: Narvik<S>,
    slot: SessionSlot<S::Data>,
}

impl<S: SessionStore> SessionManager<S> {
    pub(crate) fn new(narvik: Narvik<S>, slot: SessionSlot<S::Data>) -> Self {
        Self { narvik, slot }
    }

    /// The [`Narvik`] the layer was made with, for the operations not tied to this
    /// request (signing a user out everywhere, listing their sessions).
    pub fn narvik(&self) -> &Narvik<S> {
        &self.narvik
    }
}

impl<S> SessionManager<S>
where
    S: SessionStore,
    S::Data: Clone,
{
    /// The request's session: the one its cookie presented (validated once by the
    /// layer), or the one [`start`](Self::start) made; `None` when there is none or
    /// it was [ended](Self::end).
    ///
    /// # Errors
    ///
    /// [`SessionRejection::Store`] when the store failed validating the cookie.
    pub fn session(&self) -> Result<Option<narvik::Session<S::Data>>, SessionRejection> {
        self.slot.lock().validation.current_session()
    }

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
        data: S::Data,
    ) -> narvik::Result<narvik::Session<S::Data>> {
        let created = self.narvik.create_session(user_id, data).await?;
        let mut state = self.slot.lock();
        state.validation = Validation::Valid(created.session.clone());
        state.response_cookie = ResponseCookie::Set(created.token);
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
        // Copied out: the lock is not held across the store's `.await`.
        let session_id = self.slot.lock().validation.session_id();
        if let Some(session_id) = session_id {
            self.narvik.invalidate_session(&session_id).await?;
        }
        let mut state = self.slot.lock();
        state.validation = Validation::Absent;
        state.response_cookie = ResponseCookie::Clear;
        Ok(())
    }
}

impl<S: SessionStore> Clone for SessionManager<S> {
    fn clone(&self) -> Self {
        Self {
            narvik: self.narvik.clone(),
            slot: self.slot.clone(),
        }
    }
}

/// Prints the settings and the state of the request's session, never its token.
impl<S: SessionStore> fmt::Debug for SessionManager<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("narvik", &self.narvik)
            .field("request", &self.slot)
            .finish()
    }
}
