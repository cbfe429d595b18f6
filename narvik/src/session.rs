//! The session object.

use std::fmt;
use std::ops::{Deref, DerefMut};

use time::{Duration, OffsetDateTime};

use crate::token::{SessionId, SessionToken};

/// The longest user id, in bytes, that a session can carry: the same in every
/// store (the SQL stores' `user_id` column holds 255 bytes).
pub const MAX_USER_ID_LEN: usize = 255;

/// The time stamps a session is stored with, beside its id, user and data; what
/// [`Session::new`] takes from a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionTimes {
    /// When the session was created (sign-in). Never changes, rotation included;
    /// the absolute lifetime counts from it.
    pub issued_at: OffsetDateTime,
    /// When the user last proved a credential: sign-in, then each
    /// [`reauthenticate`](crate::Narvik::reauthenticate).
    pub authenticated_at: OffsetDateTime,
    /// When the session ends unless validation extends it.
    pub expires_at: OffsetDateTime,
}

impl SessionTimes {
    /// The times of a session created at `issued_at` (the sign-in, which also
    /// proves a credential) that expires at `expires_at`.
    pub fn issued(issued_at: OffsetDateTime, expires_at: OffsetDateTime) -> Self {
        Self {
            issued_at,
            authenticated_at: issued_at,
            expires_at,
        }
    }
}

impl<D> From<&Session<D>> for SessionTimes {
    fn from(session: &Session<D>) -> Self {
        session.times()
    }
}

/// A time stamp a session stored before narvik 0.2 did not keep: the Unix epoch.
///
/// As [`Session::authenticated_at`] it makes
/// [`authenticated_within`](Session::authenticated_within) false, so "sudo mode"
/// asks for the password again rather than take a proof that was never recorded
/// for a recent one. The built-in stores never return it as
/// [`Session::issued_at`]: their upgrades record one (see each store).
pub const UNKNOWN_TIME: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

/// `Session::checked_at` of a session narvik has not checked: no clock reads it
/// (`OffsetDateTime` ends long before).
const NOT_CHECKED: i128 = i128::MIN;

/// A signed-in user's session: the core fields and the application's data `D`.
///
/// `Deref` to `D` lets `session.username` read a custom field directly, as the
/// original's merged object did. The flags [`is_new`](Self::is_new) and
/// [`is_extended`](Self::is_extended) are never stored, and equality ignores them.
#[derive(Clone)]
pub struct Session<D> {
    /// The session id: the SHA-256 of the token, as 64 lower-case hex characters.
    pub id: SessionId,
    /// The user the session belongs to.
    pub user_id: String,
    /// When the session ends unless validation extends it.
    pub expires_at: OffsetDateTime,
    /// When the session was created (sign-in); kept by rotation. The absolute
    /// lifetime ([`NarvikBuilder::absolute_lifetime`](crate::NarvikBuilder::absolute_lifetime))
    /// counts from it.
    pub issued_at: OffsetDateTime,
    /// When the user last proved a credential: the sign-in, then each
    /// [`Narvik::reauthenticate`](crate::Narvik::reauthenticate).
    /// [`UNKNOWN_TIME`] for a session stored before narvik 0.2.
    pub authenticated_at: OffsetDateTime,
    /// The application's custom fields.
    pub data: D,
    /// When narvik created or validated this value, in Unix nanoseconds, by its
    /// clock: the "now" of [`authenticated_within`](Self::authenticated_within).
    /// [`NOT_CHECKED`] for a session fresh from a store (a sentinel, not an
    /// `Option`, which would double the field's 16 bytes in every session moved
    /// along the validation path).
    checked_at: i128,
    /// How many times the data was updated since the session was created: what a
    /// conditional update compares ([`UpdateSessionData`](crate::UpdateSessionData)).
    data_version: u64,
    fresh: bool,
    extended: bool,
}

impl<D> Session<D> {
    /// A session as a store returns it (both flags unset); for store authors.
    pub fn new(id: SessionId, user_id: impl Into<String>, times: SessionTimes, data: D) -> Self {
        Self {
            id,
            user_id: user_id.into(),
            expires_at: times.expires_at,
            issued_at: times.issued_at,
            authenticated_at: times.authenticated_at,
            data,
            checked_at: NOT_CHECKED,
            data_version: 0,
            fresh: false,
            extended: false,
        }
    }

    /// This session with its stored data version (0 for a session whose data
    /// was never updated, and for one stored before versions existed); for store
    /// authors, with [`UpdateSessionData`](crate::UpdateSessionData).
    #[must_use]
    pub fn with_data_version(mut self, data_version: u64) -> Self {
        self.data_version = data_version;
        self
    }

    /// How many times the data was updated since the session was created, as
    /// the store had it when this value was read: what
    /// [`Narvik::update_session_data`](crate::Narvik::update_session_data)
    /// compares to refuse a write based on stale data.
    pub fn data_version(&self) -> u64 {
        self.data_version
    }

    /// The stored time stamps, as [`new`](Self::new) takes them.
    pub fn times(&self) -> SessionTimes {
        SessionTimes {
            issued_at: self.issued_at,
            authenticated_at: self.authenticated_at,
            expires_at: self.expires_at,
        }
    }

    /// Whether the user proved a credential at most `max_age` ago: "sudo mode"
    /// (OWASP ASVS V7.5). Ask for the password again, then call
    /// [`Narvik::reauthenticate`](crate::Narvik::reauthenticate), when it is
    /// false.
    ///
    /// "Now" is when narvik validated (or created) this session, by the
    /// configured clock; the system clock for a session that did not come from
    /// narvik.
    pub fn authenticated_within(&self, max_age: Duration) -> bool {
        let now = match self.checked_at {
            NOT_CHECKED => OffsetDateTime::now_utc().unix_timestamp_nanos(),
            checked_at => checked_at,
        };
        now - self.authenticated_at.unix_timestamp_nanos() <= max_age.whole_nanoseconds()
    }

    pub(crate) fn mark_checked(&mut self, now_unix_nanos: i128) {
        self.checked_at = now_unix_nanos;
    }

    /// Whether [`Narvik::create_session`](crate::Narvik::create_session) made this
    /// session just now: set the cookie.
    pub fn is_new(&self) -> bool {
        self.fresh
    }

    /// Whether validation pushed the expiry out: set the cookie again.
    pub fn is_extended(&self) -> bool {
        self.extended
    }

    pub(crate) fn mark_new(&mut self) {
        self.fresh = true;
    }

    pub(crate) fn mark_extended(&mut self) {
        self.extended = true;
    }
}

impl<D: fmt::Debug> fmt::Debug for Session<D> {
    /// The stored fields and the two flags; not the private "now" of
    /// `authenticated_within`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("authenticated_at", &self.authenticated_at)
            .field("data", &self.data)
            .field("data_version", &self.data_version)
            .field("is_new", &self.fresh)
            .field("is_extended", &self.extended)
            .finish()
    }
}

impl<D: PartialEq> PartialEq for Session<D> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.user_id == other.user_id
            && self.expires_at == other.expires_at
            && self.issued_at == other.issued_at
            && self.authenticated_at == other.authenticated_at
            && self.data_version == other.data_version
            && self.data == other.data
    }
}

impl<D: Eq> Eq for Session<D> {}

impl<D> Deref for Session<D> {
    type Target = D;

    fn deref(&self) -> &D {
        &self.data
    }
}

impl<D> DerefMut for Session<D> {
    fn deref_mut(&mut self) -> &mut D {
        &mut self.data
    }
}

/// What [`Narvik::create_session`](crate::Narvik::create_session),
/// [`rotate_session`](crate::Narvik::rotate_session) and
/// [`reauthenticate`](crate::Narvik::reauthenticate) return: the token for the
/// cookie and the stored session.
#[derive(Debug, Clone)]
pub struct CreatedSession<D> {
    /// The token to give the client, in a cookie from
    /// [`Narvik::create_cookie`](crate::Narvik::create_cookie).
    pub token: SessionToken,
    /// The session, with [`Session::is_new`] set (the client needs the cookie).
    pub session: Session<D>,
}
