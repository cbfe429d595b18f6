//! [`RequestSession`]: what validation learned about one request's session, shared
//! by the adapter's extractors and its session handle, and read back when the
//! response is written.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use narvik::{SessionId, SessionTimes, SessionToken};

use crate::Transport;

/// The session state of one request; clones share it.
///
/// [`validate_request`](crate::validate_request) makes it before the handler runs;
/// an adapter puts it where its extractors find it (the request's extensions),
/// hands it to the [`SessionHandle`](crate::SessionHandle) that changes it, and
/// reads the response's headers from it with
/// [`response_headers`](crate::response_headers) once the handler answered.
pub struct RequestSession<D>(Arc<Mutex<RequestState<D>>>);

impl<D> RequestSession<D> {
    pub(crate) fn new(state: RequestState<D>) -> Self {
        Self(Arc::new(Mutex::new(state)))
    }

    /// The state. A handler that panicked while holding the lock left a state that
    /// is still whole (every update is a plain assignment), so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, RequestState<D>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How the request presented the session it has now: `None` without one.
    pub fn transport(&self) -> Option<Transport> {
        let state = self.lock();
        match state.validation {
            Validation::Valid(_) | Validation::StoreFailed { .. } => Some(state.transport),
            Validation::Absent | Validation::Invalid => None,
        }
    }
}

impl<D: Clone> RequestSession<D> {
    /// The request's session: `None` without one (no token, or one whose session
    /// is malformed, unknown, expired or was ended), the store's failure (shared,
    /// since every reader reports the one failure) when it could not answer.
    ///
    /// # Errors
    ///
    /// The store's error when validating the request's token failed.
    pub fn current(&self) -> Result<Option<narvik::Session<D>>, Arc<narvik::Error>> {
        self.lock().validation.current_session()
    }
}

impl<D> Clone for RequestSession<D> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

/// Prints the outcome, never the session's token or data.
impl<D> fmt::Debug for RequestSession<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.lock(), f)
    }
}

/// The session of one request and what its response must carry.
pub(crate) struct RequestState<D> {
    pub(crate) validation: Validation<D>,
    /// How the token came (or, after a sign-in, how the new one goes out).
    pub(crate) transport: Transport,
    pub(crate) response_cookie: ResponseCookie,
    /// The token of the session this request started or rotated.
    pub(crate) issued_token: Option<SessionToken>,
    /// For a header-authenticated session that is new or was extended: its new
    /// expiry, for the expiry header.
    pub(crate) renewed_times: Option<SessionTimes>,
}

impl<D> RequestState<D> {
    pub(crate) fn new(validation: Validation<D>, transport: Transport) -> Self {
        Self {
            validation,
            transport,
            response_cookie: ResponseCookie::Unchanged,
            issued_token: None,
            renewed_times: None,
        }
    }

    /// The request now has `session`, whose token `token` is new: the response
    /// hands it over by `transport`.
    pub(crate) fn issue(
        &mut self,
        session: narvik::Session<D>,
        token: SessionToken,
        transport: Transport,
    ) {
        let times = session.times();
        self.validation = Validation::Valid(session);
        self.transport = transport;
        match transport {
            Transport::Cookie => {
                self.response_cookie = ResponseCookie::Set {
                    token: token.clone(),
                    times,
                };
                self.renewed_times = None;
            }
            Transport::Bearer => {
                // The cookie the request may have brought is not this session's.
                self.response_cookie = ResponseCookie::Unchanged;
                self.renewed_times = Some(times);
            }
        }
        self.issued_token = Some(token);
    }

    /// The request's session ended (or is gone): no session, and a cookie client
    /// gets the blank cookie.
    pub(crate) fn end(&mut self) {
        self.validation = Validation::Absent;
        self.renewed_times = None;
        if self.transport == Transport::Cookie {
            self.response_cookie = ResponseCookie::Clear;
        }
    }
}

impl<D> fmt::Debug for RequestState<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let validation = match &self.validation {
            Validation::Absent => "absent",
            Validation::Valid(_) => "valid",
            Validation::Invalid => "invalid",
            Validation::StoreFailed { .. } => "store failed",
        };
        let response_cookie = match &self.response_cookie {
            ResponseCookie::Unchanged => "unchanged",
            ResponseCookie::Set { .. } => "set",
            ResponseCookie::Clear => "clear",
        };
        f.debug_struct("RequestSession")
            .field("session", &validation)
            .field("transport", &self.transport)
            .field("response_cookie", &response_cookie)
            .field("issued_token", &self.issued_token.is_some())
            .finish()
    }
}

/// The outcome of validating the request's session token.
pub(crate) enum Validation<D> {
    /// No token, or the handler ended the session.
    Absent,
    /// A valid session, or the one the handler started.
    Valid(narvik::Session<D>),
    /// Tokens that are malformed, unknown or expired.
    Invalid,
    /// The store failed: neither signed in nor signed out.
    StoreFailed {
        error: Arc<narvik::Error>,
        /// The id (the token's hash) of the presented session, so that ending it
        /// can still be tried.
        session_id: SessionId,
    },
}

impl<D> Validation<D> {
    /// The id of the session that ending the session must delete.
    pub(crate) fn session_id(&self) -> Option<SessionId> {
        match self {
            Self::Valid(session) => Some(session.id),
            Self::StoreFailed { session_id, .. } => Some(*session_id),
            Self::Absent | Self::Invalid => None,
        }
    }
}

impl<D: Clone> Validation<D> {
    /// The session every extractor and the handle hand out.
    pub(crate) fn current_session(&self) -> Result<Option<narvik::Session<D>>, Arc<narvik::Error>> {
        match self {
            Self::Valid(session) => Ok(Some(session.clone())),
            Self::Absent | Self::Invalid => Ok(None),
            Self::StoreFailed { error, .. } => Err(Arc::clone(error)),
        }
    }
}

/// The session cookie the response must carry.
pub(crate) enum ResponseCookie {
    /// None: the client's cookie stays as it is.
    Unchanged,
    /// The cookie with this token: the session is new, rotated or was extended.
    Set {
        token: SessionToken,
        /// The token's session's time stamps: its absolute deadline caps the
        /// cookie's `Max-Age`. Only these, not a copy of the session.
        times: SessionTimes,
    },
    /// The blank cookie: the token was invalid or the session ended.
    Clear,
}
