//! The methods adding the optional callbacks to a [`CallbackStore`], one each: a
//! method is there while its callback is [`Missing`], and sets its marker to
//! [`Provided`].

use std::future::Future;
use std::sync::Arc;

use time::OffsetDateTime;

use super::{boxed, CallbackStore, Missing, OptionalCallbacks, Provided, Slot};
use crate::token::SessionId;
use crate::{Result, Session, SessionData};

impl<D: SessionData, B: Slot, C: Slot, R: Slot, O: Slot, E: Slot>
    CallbackStore<D, OptionalCallbacks<Missing, B, C, R, O, E>>
{
    /// Adds the optional callback listing a user's sessions: every stored session
    /// of the user it is given (expired ones may be included).
    pub fn fetch_sessions_for_user<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<Provided, B, C, R, O, E>>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Session<D>>>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: boxed(callback),
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: self.delete_all_expired_sessions,
            rotate_session: self.rotate_session,
            delete_other_sessions_for_user: self.delete_other_sessions_for_user,
            delete_all_sessions: self.delete_all_sessions,
        }
    }
}

impl<D: SessionData, A: Slot, C: Slot, R: Slot, O: Slot, E: Slot>
    CallbackStore<D, OptionalCallbacks<A, Missing, C, R, O, E>>
{
    /// Adds the optional callback deleting every session of the user it is given,
    /// and no other user's.
    pub fn delete_sessions_for_user<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, Provided, C, R, O, E>>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: boxed(callback),
            delete_all_expired_sessions: self.delete_all_expired_sessions,
            rotate_session: self.rotate_session,
            delete_other_sessions_for_user: self.delete_other_sessions_for_user,
            delete_all_sessions: self.delete_all_sessions,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, R: Slot, O: Slot, E: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, Missing, R, O, E>>
{
    /// Adds the optional callback deleting every session expired at the given time
    /// (`expires_at` at or before it).
    pub fn delete_all_expired_sessions<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, B, Provided, R, O, E>>
    where
        F: Fn(OffsetDateTime) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: boxed(callback),
            rotate_session: self.rotate_session,
            delete_other_sessions_for_user: self.delete_other_sessions_for_user,
            delete_all_sessions: self.delete_all_sessions,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, C: Slot, O: Slot, E: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, C, Missing, O, E>>
{
    /// Adds the optional callback giving a session a new id, for
    /// [`Narvik::rotate_session`](crate::Narvik::rotate_session) and
    /// [`Narvik::reauthenticate`](crate::Narvik::reauthenticate) (see
    /// [`RotateSessions`](crate::RotateSessions)).
    ///
    /// It gets `(from, to, authenticated_at)` and moves the session stored under
    /// `from` to the id `to`, keeping its user, data, `issued_at` and `expires_at`,
    /// and setting `authenticated_at` when one is given. It returns the session as
    /// now stored under `to`, or `None` when there is no session `from`: then it
    /// stores nothing.
    ///
    /// **It must be one atomic step in your backend**, for example one SQL
    /// statement (`UPDATE sessions SET id = $2, authenticated_at =
    /// COALESCE($3, authenticated_at) WHERE id = $1 RETURNING ...`), one
    /// transaction, or one lock held for the whole move. Narvik cannot check it.
    /// Split into a read, a write of `to` and a delete of `from`, a sign-out that
    /// runs in between would be undone (the session comes back under the new
    /// id), and a request could still validate the old token after rotation
    /// returned.
    pub fn rotate_session<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, B, C, Provided, O, E>>
    where
        F: Fn(SessionId, SessionId, Option<OffsetDateTime>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<Session<D>>>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: self.delete_all_expired_sessions,
            rotate_session: Arc::new(move |from, to, authenticated_at| {
                Box::pin(callback(from, to, authenticated_at))
            }),
            delete_other_sessions_for_user: self.delete_other_sessions_for_user,
            delete_all_sessions: self.delete_all_sessions,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, C: Slot, R: Slot, E: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, C, R, Missing, E>>
{
    /// Adds the optional callback ending a user's other sessions, for
    /// [`Narvik::delete_other_sessions_for_user`](crate::Narvik::delete_other_sessions_for_user)
    /// (see [`DeleteOtherUserSessions`](crate::DeleteOtherUserSessions)).
    ///
    /// It gets `(user_id, keep)` and deletes every session of `user_id` except
    /// `keep`, and no other user's.
    ///
    /// **It must be one atomic step in your backend**, for example one SQL
    /// statement (`DELETE FROM sessions WHERE user_id = $1 AND id <> $2`) or one
    /// lock held throughout. Narvik cannot check it. Listing the sessions and
    /// deleting them one by one would miss a session the user signs in with
    /// meanwhile, leaving it alive after "sign out everywhere else".
    pub fn delete_other_sessions_for_user<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, B, C, R, Provided, E>>
    where
        F: Fn(String, SessionId) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: self.delete_all_expired_sessions,
            rotate_session: self.rotate_session,
            delete_other_sessions_for_user: Arc::new(move |user_id, keep| {
                Box::pin(callback(user_id, keep))
            }),
            delete_all_sessions: self.delete_all_sessions,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, C: Slot, R: Slot, O: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, C, R, O, Missing>>
{
    /// Adds the optional callback deleting every session of every user, for
    /// [`Narvik::delete_all_sessions`](crate::Narvik::delete_all_sessions) (see
    /// [`DeleteAllSessions`](crate::DeleteAllSessions)).
    pub fn delete_all_sessions<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, B, C, R, O, Provided>>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: self.delete_all_expired_sessions,
            rotate_session: self.rotate_session,
            delete_other_sessions_for_user: self.delete_other_sessions_for_user,
            delete_all_sessions: Arc::new(move || Box::pin(callback())),
        }
    }
}
