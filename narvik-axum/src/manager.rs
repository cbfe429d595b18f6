//! [`SessionManager`]: start, rotate and end the request's session from a handler.

use std::fmt;

use narvik::{Narvik, RotateSessions, SessionStore};

use crate::state::{ResponseCookie, SessionSlot, Validation};
use crate::SessionRejection;

/// The handle to start, rotate and end the session of the current request.
///
/// An axum extractor; with plain `tower`, take it from the request's extensions
/// (`request.extensions().get::<SessionManager<S>>()`), where
/// [`NarvikLayer`](crate::NarvikLayer) puts it. The layer writes the cookie that
/// follows: the new session's cookie after [`start`](Self::start) (which ends the
/// session the request presented first), the rotated session's cookie after
/// [`reauthenticate`](Self::reauthenticate) and [`rotate`](Self::rotate) (stores
/// with [`RotateSessions`]), the blank cookie after [`end`](Self::end).
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

    /// Signs `user_id` in: ends the session the request presented, then creates a
    /// session carrying `data` and has the layer set its cookie on the response.
    /// Call it once the user's credentials are checked.
    ///
    /// Ending the presented session gives every sign-in a new token and leaves the
    /// old one dead (OWASP ASVS V7.2.4): a token planted before the sign-in
    /// ("session fixation"), or left behind by the previous user of a shared
    /// computer, signs no one in afterwards. Under
    /// [`max_sessions_per_user`](narvik::NarvikBuilder::max_sessions_per_user) it
    /// also frees that session's place first, so signing in again on one browser
    /// never counts twice. There is nothing to end when the request presented no
    /// session, or a token whose session did not validate (unknown, expired, ended);
    /// a second `start` in one request ends the first one's session. To keep the
    /// presented session alive, see [`start_alongside`](Self::start_alongside).
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Store`] when the store fails. When ending the presented
    /// session fails, nothing changed: that session still exists and the response's
    /// cookie is left as it was. When creating the new one fails
    /// ([`narvik::Error::Store`], or [`narvik::Error::TooManySessions`] under a
    /// limit that refuses new sign-ins), the presented session is already ended:
    /// the request has no session any more and the layer sends the blank cookie.
    pub async fn start(
        &self,
        user_id: impl Into<String>,
        data: S::Data,
    ) -> narvik::Result<narvik::Session<S::Data>> {
        // Copied out: the lock is not held across the store's `.await`.
        let presented = self.slot.lock().validation.session_id();
        if let Some(session_id) = presented {
            self.narvik.invalidate_session(&session_id).await?;
            let mut state = self.slot.lock();
            state.validation = Validation::Absent;
            state.response_cookie = ResponseCookie::Clear;
        }
        self.start_alongside(user_id, data).await
    }

    /// Signs `user_id` in like [`start`](Self::start), but leaves the session the
    /// request presented alive in the store (narvik 0.1's `start`). The response
    /// still carries the new session's cookie, so this browser holds only the new
    /// token; the old one stays valid for anyone else who holds it.
    ///
    /// That is what OWASP ASVS V7.2.4 forbids for an ordinary sign-in, so use it
    /// only when the presented session must outlive the sign-in and the
    /// application ends it itself: an administrator's "sign in as this user" whose
    /// own session stays listed (and revocable) on the administrator's account
    /// page, say, or a sign-in that first moves data out of the old session and
    /// then ends it with [`Narvik::invalidate_session`].
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Store`] when the store fails, and
    /// [`narvik::Error::TooManySessions`] under a limit that refuses new sign-ins;
    /// the response's cookie is then left as it was.
    pub async fn start_alongside(
        &self,
        user_id: impl Into<String>,
        data: S::Data,
    ) -> narvik::Result<narvik::Session<S::Data>> {
        let created = self.narvik.create_session(user_id, data).await?;
        let mut state = self.slot.lock();
        state.validation = Validation::Valid(created.session.clone());
        state.response_cookie = ResponseCookie::set(created.token, &created.session);
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

impl<S> SessionManager<S>
where
    S: RotateSessions,
    S::Data: Clone,
{
    /// Records that the user just proved a credential again ("sudo mode", OWASP
    /// ASVS V7.5): call it after checking the password anew, for instance on the
    /// "confirm your password" page that a [`RequireFresh`](crate::RequireFresh)
    /// rejection led to. Through [`Narvik::reauthenticate`], the request's session
    /// gets [`authenticated_at`](narvik::Session::authenticated_at) = now and a new
    /// token (V7.2.4); the old token is ended. The layer sends the new token's
    /// cookie, and the request's session (what [`session`](Self::session) and later
    /// extractors see) becomes the rotated one.
    ///
    /// `Ok(None)` when the request has no session. When the session is gone by the
    /// time of the call (signed out elsewhere, expired), also `Ok(None)`: the
    /// request then has no session and the layer sends the blank cookie.
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Store`] when the store fails; the request's session and
    /// the response's cookie are then left as they were.
    pub async fn reauthenticate(&self) -> narvik::Result<Option<narvik::Session<S::Data>>> {
        self.rotate_with(Rotation::Reauthenticate).await
    }

    /// Gives the request's session a new token with the same user, data and time
    /// stamps, and ends the old token, through [`Narvik::rotate_session`]: after a
    /// change of privilege (OWASP ASVS V7.2.4). The layer sends the new token's
    /// cookie, and the request's session becomes the rotated one.
    ///
    /// `Ok(None)` when the request has no session, or when the session is gone by
    /// the time of the call (then the layer sends the blank cookie).
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Store`] when the store fails; the request's session and
    /// the response's cookie are then left as they were.
    pub async fn rotate(&self) -> narvik::Result<Option<narvik::Session<S::Data>>> {
        self.rotate_with(Rotation::Plain).await
    }

    async fn rotate_with(
        &self,
        rotation: Rotation,
    ) -> narvik::Result<Option<narvik::Session<S::Data>>> {
        // Copied out: the lock is not held across the store's `.await`. After a
        // store failure during validation the id is still tried: the store may be
        // back, and the rotation checks expiry and the absolute deadline itself.
        let Some(session_id) = self.slot.lock().validation.session_id() else {
            return Ok(None);
        };
        let rotated = match rotation {
            Rotation::Plain => self.narvik.rotate_session(&session_id).await?,
            Rotation::Reauthenticate => self.narvik.reauthenticate(&session_id).await?,
        };
        let superseded = self.slot.lock().validation.session_id() != Some(session_id);
        if superseded {
            // A `start` or `end` ran meanwhile (from a clone of this manager) and
            // decided the request's session; the rotated one would be left alive
            // with no cookie pointing at it.
            if let Some(created) = rotated {
                self.narvik.invalidate_session(&created.session.id).await?;
            }
            return Ok(None);
        }
        let mut state = self.slot.lock();
        match rotated {
            Some(created) => {
                state.validation = Validation::Valid(created.session.clone());
                state.response_cookie = ResponseCookie::set(created.token, &created.session);
                Ok(Some(created.session))
            }
            None => {
                state.validation = Validation::Absent;
                state.response_cookie = ResponseCookie::Clear;
                Ok(None)
            }
        }
    }
}

/// Which of narvik's rotations [`SessionManager::rotate_with`] runs.
#[derive(Clone, Copy)]
enum Rotation {
    Plain,
    Reauthenticate,
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
