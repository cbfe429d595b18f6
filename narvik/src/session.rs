//! The session object.

use std::ops::{Deref, DerefMut};

use time::OffsetDateTime;

use crate::token::{SessionId, SessionToken};

/// The longest user id, in bytes, that a session can carry: the same in every
/// store (the SQL stores' `user_id` column holds 255 bytes).
pub const MAX_USER_ID_LEN: usize = 255;

/// A signed-in user's session: the core fields and the application's data `D`.
///
/// `Deref` to `D` lets `session.username` read a custom field directly, as the
/// original's merged object did. The flags [`is_new`](Self::is_new) and
/// [`is_extended`](Self::is_extended) are never stored, and equality ignores them.
#[derive(Debug, Clone)]
pub struct Session<D> {
    /// The session id: the SHA-256 of the token, as 64 lower-case hex characters.
    pub id: SessionId,
    /// The user the session belongs to.
    pub user_id: String,
    /// When the session ends unless validation extends it.
    pub expires_at: OffsetDateTime,
    /// The application's custom fields.
    pub data: D,
    fresh: bool,
    extended: bool,
}

impl<D> Session<D> {
    /// A session as a store returns it (both flags unset); for store authors.
    pub fn new(
        id: SessionId,
        user_id: impl Into<String>,
        expires_at: OffsetDateTime,
        data: D,
    ) -> Self {
        Self {
            id,
            user_id: user_id.into(),
            expires_at,
            data,
            fresh: false,
            extended: false,
        }
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

impl<D: PartialEq> PartialEq for Session<D> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.user_id == other.user_id
            && self.expires_at == other.expires_at
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

/// What [`Narvik::create_session`](crate::Narvik::create_session) returns: the token
/// for the cookie and the stored session.
#[derive(Debug, Clone)]
pub struct CreatedSession<D> {
    /// The token to give the client, in a cookie from
    /// [`Narvik::create_cookie`](crate::Narvik::create_cookie).
    pub token: SessionToken,
    /// The session, with [`Session::is_new`] set.
    pub session: Session<D>,
}
