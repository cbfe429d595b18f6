//! What the layer learned about one request's session, shared through the request's
//! extensions with the extractors and the [`SessionManager`](crate::SessionManager),
//! and read back by the layer to write the response's cookie.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use narvik::{SessionId, SessionTimes, SessionToken};

use crate::SessionRejection;

/// The session state of one request; clones share it.
pub(crate) struct SessionSlot<D>(Arc<Mutex<RequestState<D>>>);

impl<D> SessionSlot<D> {
    pub(crate) fn new(state: RequestState<D>) -> Self {
        Self(Arc::new(Mutex::new(state)))
    }

    /// The state. A handler that panicked while holding the lock left a state that
    /// is still whole (every update is a plain assignment), so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, RequestState<D>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<D> Clone for SessionSlot<D> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<D> fmt::Debug for SessionSlot<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.lock(), f)
    }
}

/// The session of one request and the cookie its response must carry.
pub(crate) struct RequestState<D> {
    pub(crate) validation: Validation<D>,
    pub(crate) response_cookie: ResponseCookie,
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
        f.debug_struct("RequestState")
            .field("session", &validation)
            .field("response_cookie", &response_cookie)
            .finish()
    }
}

/// The outcome of validating the request's session cookie.
pub(crate) enum Validation<D> {
    /// No session cookie, or the handler ended the session.
    Absent,
    /// A valid session, or the one the handler started.
    Valid(narvik::Session<D>),
    /// Cookies whose tokens are malformed, unknown or expired.
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
    /// The session every extractor and the manager hand out: `None` without one,
    /// the store's failure (shared, since every reader reports the one failure)
    /// when it could not answer.
    pub(crate) fn current_session(&self) -> Result<Option<narvik::Session<D>>, SessionRejection> {
        match self {
            Self::Valid(session) => Ok(Some(session.clone())),
            Self::Absent | Self::Invalid => Ok(None),
            Self::StoreFailed { error, .. } => Err(SessionRejection::Store(Arc::clone(error))),
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

impl ResponseCookie {
    /// The cookie of `token`, the token of `session`.
    pub(crate) fn set<D>(token: SessionToken, session: &narvik::Session<D>) -> Self {
        Self::Set {
            token,
            times: session.times(),
        }
    }
}
