//! [`SessionManager`]: start and end the request's session from a handler.

use std::fmt;
use std::future::Future;

use narvik::{Narvik, SessionData, SessionStore};

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
/// # Trait-object stores
///
/// A handler over a trait-object store (`SessionManager<Arc<dyn SessionStore<Data =
/// D>>>`) is `Send`, as axum requires, thanks to two choices that look odd
/// otherwise. Inside a handler's future rustc forgets the `'static` of
/// `dyn ... + 'static`, and then cannot prove `Send` for anything that names the
/// store's [`Data`](SessionStore::Data) through the store ("implementation of
/// `Send` is not general enough", rust-lang/rust#110338). So:
///
/// - `D`, the store's data, is a type parameter of its own, defaulted to
///   `S::Data`: never write it. The manager's fields name `D`, not `S::Data`.
/// - [`start`](Self::start) returns `impl Future + Send` rather than being an
///   `async fn`: its future (which holds narvik's `create_session` future) is
///   proved `Send` here, once, not again in every handler.
pub struct SessionManager<S: SessionStore, D = <S as SessionStore>::Data> {
    narvik: Narvik<S>,
    slot: SessionSlot<D>,
}

impl<S: SessionStore<Data = D>, D> SessionManager<S, D> {
    pub(crate) fn new(narvik: Narvik<S>, slot: SessionSlot<D>) -> Self {
        Self { narvik, slot }
    }

    /// The [`Narvik`] the layer was made with, for the operations not tied to this
    /// request (signing a user out everywhere, listing their sessions).
    pub fn narvik(&self) -> &Narvik<S> {
        &self.narvik
    }
}

impl<S, D> SessionManager<S, D>
where
    S: SessionStore<Data = D>,
    D: SessionData + Clone,
{
    /// The request's session: the one its cookie presented (validated once by the
    /// layer), or the one [`start`](Self::start) made; `None` when there is none or
    /// it was [ended](Self::end).
    ///
    /// # Errors
    ///
    /// [`SessionRejection::Store`] when the store failed validating the cookie.
    pub fn session(&self) -> Result<Option<narvik::Session<D>>, SessionRejection> {
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
    pub fn start(
        &self,
        user_id: impl Into<String>,
        data: D,
    ) -> impl Future<Output = narvik::Result<narvik::Session<D>>> + Send + '_ {
        let user_id = user_id.into();
        async move {
            let created = self.narvik.create_session(user_id, data).await?;
            let mut state = self.slot.lock();
            state.validation = Validation::Valid(created.session.clone());
            state.response_cookie = ResponseCookie::Set(created.token);
            Ok(created.session)
        }
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

impl<S: SessionStore, D> Clone for SessionManager<S, D> {
    fn clone(&self) -> Self {
        Self {
            narvik: self.narvik.clone(),
            slot: self.slot.clone(),
        }
    }
}

/// Prints the settings and the state of the request's session, never its token.
impl<S: SessionStore, D> fmt::Debug for SessionManager<S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("narvik", &self.narvik)
            .field("request", &self.slot)
            .finish()
    }
}
