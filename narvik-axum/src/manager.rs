//! [`SessionManager`]: start, rotate and end the request's session from a handler.

use std::fmt;
use std::sync::Arc;

use narvik::{Narvik, RotateSessions, SessionId, SessionStore, UpdateSessionData};

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
/// with [`RotateSessions`]), the blank cookie after [`end`](Self::end). With a
/// store that has [`UpdateSessionData`], [`update_data`](Self::update_data) and
/// [`modify_data`](Self::modify_data) change the session's data without losing a
/// concurrent change (the token and its cookie stay as they are).
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

impl<S> SessionManager<S>
where
    S: UpdateSessionData,
    S::Data: Clone,
{
    /// Replaces the data of the request's session with `data`, through
    /// [`Narvik::update_session_data`], unless the stored data changed since the
    /// request's session was read (by another request, or another app server
    /// meanwhile): then nothing is written and the answer is
    /// [`narvik::Error::Conflict`], so no update is ever lost. Compute `data` from
    /// [`session`](Self::session) (or [`CurrentSession`](crate::CurrentSession)),
    /// the read this update is checked against; to apply a change to whatever is
    /// stored at the time, use [`modify_data`](Self::modify_data).
    ///
    /// Returns the session as now stored. The request's session becomes it, so
    /// [`session`](Self::session) and the extractors that run later in this
    /// request see the new data. The token does not change: the response carries
    /// no new cookie for it.
    ///
    /// `Ok(None)` when the request has no session. When the session is gone by
    /// the time of the call (signed out elsewhere, expired), also `Ok(None)`: the
    /// request then has no session and the layer sends the blank cookie.
    ///
    /// ```
    /// use narvik::{MemoryStore, SessionData};
    /// use narvik_axum::{SessionManager, SessionRejection};
    ///
    /// #[derive(SessionData, Clone)]
    /// struct AppData {
    ///     theme: String,
    /// }
    ///
    /// type Sessions = SessionManager<MemoryStore<AppData>>;
    ///
    /// async fn choose_dark_theme(sessions: Sessions) -> Result<&'static str, SessionRejection> {
    ///     let Some(session) = sessions.session()? else {
    ///         return Ok("sign in first");
    ///     };
    ///     let mut data = session.data;
    ///     data.theme = "dark".to_owned();
    ///     // `Err(narvik::Error::Conflict)` (a 409 as a rejection) when another
    ///     // request changed the data since this one read it.
    ///     match sessions.update_data(data).await? {
    ///         Some(_updated) => Ok("dark it is"),
    ///         None => Ok("signed out meanwhile"),
    ///     }
    /// }
    /// # let _: axum::Router = axum::Router::new().route("/", axum::routing::post(choose_dark_theme));
    /// ```
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Conflict`] as above; [`narvik::Error::Store`] when the
    /// store fails, or when it failed validating the request's cookie (there is
    /// then no read to check the update against). Nothing changes then: not the
    /// stored data, not the request's session, not the response's cookie.
    pub async fn update_data(
        &self,
        data: S::Data,
    ) -> narvik::Result<Option<narvik::Session<S::Data>>> {
        // Copied out: the lock is not held across the store's `.await`.
        let read = match &self.slot.lock().validation {
            Validation::Valid(session) => session.clone(),
            Validation::Absent | Validation::Invalid => return Ok(None),
            Validation::StoreFailed { error, .. } => {
                return Err(narvik::Error::store(ValidationFailed(Arc::clone(error))))
            }
        };
        let updated = self.narvik.update_session_data(&read, data).await?;
        Ok(self.record_update(read.id, updated))
    }

    /// Applies `change` to the data of the request's session and writes it back,
    /// through [`Narvik::modify_session_data`]: it reads the stored session anew,
    /// and when another writer's update lands in between, reads again and
    /// applies `change` to the latest data (so `change` may run more than once),
    /// up to [`narvik::MODIFY_ATTEMPTS`] times. For a change that holds whatever
    /// the data is (add an item to a cart, count a visit); when the new data
    /// depends on what this request saw, use [`update_data`](Self::update_data).
    ///
    /// Returns the session as now stored, which becomes the request's session as
    /// with [`update_data`](Self::update_data); no new cookie is sent. `Ok(None)`
    /// when the request has no session, or when it is gone by the time of the
    /// call (then the layer sends the blank cookie).
    ///
    /// ```
    /// use narvik::{MemoryStore, SessionData};
    /// use narvik_axum::{SessionManager, SessionRejection};
    ///
    /// #[derive(SessionData, Clone)]
    /// struct AppData {
    ///     cart: Vec<u64>,
    /// }
    ///
    /// type Sessions = SessionManager<MemoryStore<AppData>>;
    ///
    /// async fn add_to_cart(sessions: Sessions) -> Result<String, SessionRejection> {
    ///     let item = 42;
    ///     // Another tab adding an item at the same time loses nothing.
    ///     let updated = sessions.modify_data(|data| data.cart.push(item)).await?;
    ///     Ok(match updated {
    ///         Some(session) => format!("{} items", session.cart.len()),
    ///         None => "sign in first".to_owned(),
    ///     })
    /// }
    /// # let _: axum::Router = axum::Router::new().route("/", axum::routing::post(add_to_cart));
    /// ```
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Conflict`] when every attempt lost a race;
    /// [`narvik::Error::Decode`] when the stored data does not decode;
    /// [`narvik::Error::Store`] when the store fails. The request's session and
    /// the response's cookie are then left as they were.
    pub async fn modify_data(
        &self,
        change: impl FnMut(&mut S::Data) + Send,
    ) -> narvik::Result<Option<narvik::Session<S::Data>>> {
        // Copied out: the lock is not held across the store's `.await`. After a
        // store failure during validation the id is still tried: the store may be
        // back, and the update reads the session anew anyway.
        let Some(session_id) = self.slot.lock().validation.session_id() else {
            return Ok(None);
        };
        let updated = self.narvik.modify_session_data(&session_id, change).await?;
        Ok(self.record_update(session_id, updated))
    }

    /// Makes `updated`, the outcome of a data update of session `session_id`, the
    /// request's session; returns it.
    fn record_update(
        &self,
        session_id: SessionId,
        updated: Option<narvik::Session<S::Data>>,
    ) -> Option<narvik::Session<S::Data>> {
        let mut state = self.slot.lock();
        if state.validation.session_id() != Some(session_id) {
            // A `start` or `end` ran meanwhile (from a clone of this manager) and
            // decided the request's session; this update does not undo that.
            return updated;
        }
        match &updated {
            Some(session) => {
                // A concurrent update from a clone of this manager may have
                // recorded a later version already; the later data stays.
                let newer_recorded = matches!(
                    &state.validation,
                    Validation::Valid(current) if current.data_version() > session.data_version()
                );
                if !newer_recorded {
                    state.validation = Validation::Valid(session.clone());
                }
            }
            None => {
                state.validation = Validation::Absent;
                state.response_cookie = ResponseCookie::Clear;
            }
        }
        updated
    }
}

/// The cause of [`SessionManager::update_data`]'s failure when validating the
/// request's cookie failed: that failure, which the store's error names.
#[derive(Debug)]
struct ValidationFailed(Arc<narvik::Error>);

impl fmt::Display for ValidationFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("validating the request's session failed, so there is no read to update")
    }
}

impl std::error::Error for ValidationFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            // The outer `Error::Store` already says "session store failed".
            narvik::Error::Store { source } => Some(&**source),
            other => Some(other),
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
