//! [`SessionHandle`]: start, rotate and end the request's session from a handler.

use std::fmt;
use std::sync::Arc;

use narvik::{Narvik, RotateSessions, SessionId, SessionStore, UpdateSessionData};

use crate::state::Validation;
use crate::{RequestSession, Transport};

/// The handle to start, rotate, update and end the session of the current request:
/// the request logic behind each adapter's session manager (`narvik-axum`'s and
/// `narvik-actix`'s `SessionManager` dereference to it).
///
/// Each method changes the [`RequestSession`], and
/// [`response_headers`](crate::response_headers) then says what the response
/// carries: the new session's cookie after [`start`](Self::start) (which ends the
/// session the request presented first), the rotated session's cookie after
/// [`reauthenticate`](Self::reauthenticate) and [`rotate`](Self::rotate) (stores
/// with [`RotateSessions`]), the blank cookie after [`end`](Self::end). With a
/// store that has [`UpdateSessionData`], [`update_data`](Self::update_data) and
/// [`modify_data`](Self::modify_data) change the session's data without losing a
/// concurrent change (the token and its cookie stay as they are).
///
/// # API clients
///
/// A request that presented its token in `Authorization: Bearer` never gets a
/// cookie: ending its session sends no blank cookie, and a rotation's new token is
/// the client's to receive from [`issued_token`](Self::issued_token), in the
/// response body. An API client signs in through
/// [`start_bearer`](Self::start_bearer), which returns the token instead of
/// setting a cookie.
///
/// A trait-object store (`SessionHandle<Arc<dyn SessionStore<Data = D>>>`) serves
/// as well as a concrete one.
pub struct SessionHandle<S: SessionStore> {
    narvik: Narvik<S>,
    request: RequestSession<S::Data>,
}

impl<S: SessionStore> SessionHandle<S> {
    /// The handle of the request whose session is `request`, as
    /// [`validate_request`](crate::validate_request) made it with `narvik`.
    pub fn new(narvik: Narvik<S>, request: RequestSession<S::Data>) -> Self {
        Self { narvik, request }
    }

    /// The [`Narvik`] the middleware was made with, for the operations not tied to
    /// this request (signing a user out everywhere, listing their sessions).
    pub fn narvik(&self) -> &Narvik<S> {
        &self.narvik
    }

    /// The request's session state, which the extractors read.
    pub fn request_session(&self) -> &RequestSession<S::Data> {
        &self.request
    }

    /// The token of the session this request started or rotated
    /// ([`start`](Self::start), [`start_bearer`](Self::start_bearer),
    /// [`rotate`](Self::rotate), [`reauthenticate`](Self::reauthenticate)), the
    /// last one when several; `None` when it issued none. A cookie client gets it
    /// in the cookie; a header-authenticated client needs it in the response body.
    pub fn issued_token(&self) -> Option<narvik::SessionToken> {
        self.request.lock().issued_token.clone()
    }
}

impl<S> SessionHandle<S>
where
    S: SessionStore,
    S::Data: Clone,
{
    /// The request's session: the one its token presented (validated once by the
    /// middleware), or the one [`start`](Self::start) made; `None` when there is
    /// none or it was [ended](Self::end).
    ///
    /// # Errors
    ///
    /// The store's error (shared) when the store failed validating the token.
    pub fn session(&self) -> Result<Option<narvik::Session<S::Data>>, Arc<narvik::Error>> {
        self.request.current()
    }

    /// Signs `user_id` in: ends the session the request presented, then creates a
    /// session carrying `data` and has the response set its cookie.
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
    /// the request has no session any more and the response sends the blank cookie.
    pub async fn start(
        &self,
        user_id: impl Into<String>,
        data: S::Data,
    ) -> narvik::Result<narvik::Session<S::Data>> {
        self.end_presented().await?;
        self.start_alongside(user_id, data).await
    }

    /// Signs `user_id` in for an API client: like [`start`](Self::start) (the
    /// presented session ends first), but the response sets no cookie; the token
    /// comes back here, for the response body, and the client sends it in
    /// `Authorization: Bearer` from then on (with a
    /// [`TokenSource`](crate::TokenSource) that reads the header).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub async fn start_bearer(
        &self,
        user_id: impl Into<String>,
        data: S::Data,
    ) -> narvik::Result<narvik::CreatedSession<S::Data>> {
        self.end_presented().await?;
        let created = self.narvik.create_session(user_id, data).await?;
        self.request.lock().issue(
            created.session.clone(),
            created.token.clone(),
            Transport::Bearer,
        );
        Ok(created)
    }

    /// Ends the session the request presented, if any, before a sign-in; the
    /// request then has none. A store failure leaves it as it was.
    async fn end_presented(&self) -> narvik::Result<()> {
        // Copied out: the lock is not held across the store's `.await`.
        let presented = self.request.lock().validation.session_id();
        if let Some(session_id) = presented {
            self.narvik.invalidate_session(&session_id).await?;
            self.request.lock().end();
        }
        Ok(())
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
        self.request
            .lock()
            .issue(created.session.clone(), created.token, Transport::Cookie);
        Ok(created.session)
    }

    /// Signs out: deletes the request's session (or the one [`start`](Self::start)
    /// made) and has the response send the blank cookie (none to a
    /// header-authenticated client). Without a session it only sends the blank
    /// cookie.
    ///
    /// # Errors
    ///
    /// [`narvik::Error::Store`] when the store fails; the session then still exists,
    /// and the response's cookie is left as it was.
    pub async fn end(&self) -> narvik::Result<()> {
        // Copied out: the lock is not held across the store's `.await`.
        let session_id = self.request.lock().validation.session_id();
        if let Some(session_id) = session_id {
            self.narvik.invalidate_session(&session_id).await?;
        }
        self.request.lock().end();
        Ok(())
    }
}

impl<S> SessionHandle<S>
where
    S: RotateSessions,
    S::Data: Clone,
{
    /// Records that the user just proved a credential again ("sudo mode", OWASP
    /// ASVS V7.5): call it after checking the password anew, for instance on the
    /// "confirm your password" page that an adapter's freshness
    /// requirement (`RequireFresh`) led to. Through [`Narvik::reauthenticate`], the request's session
    /// gets [`authenticated_at`](narvik::Session::authenticated_at) = now and a new
    /// token (V7.2.4); the old token is ended. The response sends the new token's
    /// cookie, and the request's session (what [`session`](Self::session) and later
    /// extractors see) becomes the rotated one.
    ///
    /// `Ok(None)` when the request has no session. When the session is gone by the
    /// time of the call (signed out elsewhere, expired), also `Ok(None)`: the
    /// request then has no session and the response sends the blank cookie.
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
    /// change of privilege (OWASP ASVS V7.2.4). The response sends the new token's
    /// cookie, and the request's session becomes the rotated one.
    ///
    /// `Ok(None)` when the request has no session, or when the session is gone by
    /// the time of the call (then the response sends the blank cookie).
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
        let Some(session_id) = self.request.lock().validation.session_id() else {
            return Ok(None);
        };
        let rotated = match rotation {
            Rotation::Plain => self.narvik.rotate_session(&session_id).await?,
            Rotation::Reauthenticate => self.narvik.reauthenticate(&session_id).await?,
        };
        let superseded = self.request.lock().validation.session_id() != Some(session_id);
        if superseded {
            // A `start` or `end` ran meanwhile (from a clone of this manager) and
            // decided the request's session; the rotated one would be left alive
            // with no cookie pointing at it.
            if let Some(created) = rotated {
                self.narvik.invalidate_session(&created.session.id).await?;
            }
            return Ok(None);
        }
        let mut state = self.request.lock();
        match rotated {
            Some(created) => {
                // The new token goes out the way the old one came in.
                let transport = state.transport;
                state.issue(created.session.clone(), created.token, transport);
                Ok(Some(created.session))
            }
            None => {
                state.end();
                Ok(None)
            }
        }
    }
}

impl<S> SessionHandle<S>
where
    S: UpdateSessionData,
    S::Data: Clone,
{
    /// Replaces the data of the request's session with `data`, through
    /// [`Narvik::update_session_data`], unless the stored data changed since the
    /// request's session was read (by another request, or another app server
    /// meanwhile): then nothing is written and the answer is
    /// [`narvik::Error::Conflict`], so no update is ever lost. Compute `data` from
    /// [`session`](Self::session) (or the adapter's session extractor),
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
    /// request then has no session and the response sends the blank cookie.
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
        let read = match &self.request.lock().validation {
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
    /// call (then the response sends the blank cookie).
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
        let Some(session_id) = self.request.lock().validation.session_id() else {
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
        let mut state = self.request.lock();
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
            None => state.end(),
        }
        updated
    }
}

/// The cause of [`SessionHandle::update_data`]'s failure when validating the
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

/// Which of narvik's rotations [`SessionHandle::rotate_with`] runs.
#[derive(Clone, Copy)]
enum Rotation {
    Plain,
    Reauthenticate,
}

impl<S: SessionStore> Clone for SessionHandle<S> {
    fn clone(&self) -> Self {
        Self {
            narvik: self.narvik.clone(),
            request: self.request.clone(),
        }
    }
}

/// Prints the settings and the state of the request's session, never its token.
impl<S: SessionStore> fmt::Debug for SessionHandle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle")
            .field("narvik", &self.narvik)
            .field("request", &self.request)
            .finish()
    }
}
