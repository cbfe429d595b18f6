//! The methods adding the optional callbacks to a [`CallbackStore`], one each: a
//! method is there while its callback is [`Missing`], and sets its marker to
//! [`Provided`].

// Each method's return type names the seven markers: that is the type state the
// builder tracks, and a type alias per method would only hide it.
#![allow(clippy::type_complexity)]

use std::future::Future;
use std::sync::Arc;

use time::OffsetDateTime;

use super::{boxed, CallbackStore, Missing, OptionalCallbacks, Provided, Slot};
use crate::store::DataUpdate;
use crate::token::SessionId;
use crate::{Result, Session, SessionData};

impl<D: SessionData, B: Slot, C: Slot, R: Slot, O: Slot, E: Slot, U: Slot>
    CallbackStore<D, OptionalCallbacks<Missing, B, C, R, O, E, U>>
{
    /// Adds the optional callback listing a user's sessions: every stored session
    /// of the user it is given (expired ones may be included).
    pub fn fetch_sessions_for_user<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<Provided, B, C, R, O, E, U>>
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
            update_session_data: self.update_session_data,
        }
    }
}

impl<D: SessionData, A: Slot, C: Slot, R: Slot, O: Slot, E: Slot, U: Slot>
    CallbackStore<D, OptionalCallbacks<A, Missing, C, R, O, E, U>>
{
    /// Adds the optional callback deleting every session of the user it is given,
    /// and no other user's.
    pub fn delete_sessions_for_user<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, Provided, C, R, O, E, U>>
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
            update_session_data: self.update_session_data,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, R: Slot, O: Slot, E: Slot, U: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, Missing, R, O, E, U>>
{
    /// Adds the optional callback deleting every session expired at the given time
    /// (`expires_at` at or before it).
    pub fn delete_all_expired_sessions<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, B, Provided, R, O, E, U>>
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
            update_session_data: self.update_session_data,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, C: Slot, O: Slot, E: Slot, U: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, C, Missing, O, E, U>>
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
    ) -> CallbackStore<D, OptionalCallbacks<A, B, C, Provided, O, E, U>>
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
            update_session_data: self.update_session_data,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, C: Slot, R: Slot, E: Slot, U: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, C, R, Missing, E, U>>
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
    ) -> CallbackStore<D, OptionalCallbacks<A, B, C, R, Provided, E, U>>
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
            update_session_data: self.update_session_data,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, C: Slot, R: Slot, O: Slot, U: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, C, R, O, Missing, U>>
{
    /// Adds the optional callback deleting every session of every user, for
    /// [`Narvik::delete_all_sessions`](crate::Narvik::delete_all_sessions) (see
    /// [`DeleteAllSessions`](crate::DeleteAllSessions)).
    pub fn delete_all_sessions<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, B, C, R, O, Provided, U>>
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
            update_session_data: self.update_session_data,
        }
    }
}

impl<D: SessionData, A: Slot, B: Slot, C: Slot, R: Slot, O: Slot, E: Slot>
    CallbackStore<D, OptionalCallbacks<A, B, C, R, O, E, Missing>>
{
    /// Adds the optional callback changing a session's data, for
    /// [`Narvik::update_session_data`](crate::Narvik::update_session_data) and
    /// [`Narvik::modify_session_data`](crate::Narvik::modify_session_data) (see
    /// [`UpdateSessionData`](crate::UpdateSessionData)).
    ///
    /// It gets `(session_id, expected_version, data)` and, only if the session's
    /// stored data version is `expected_version`, stores `data` and
    /// `expected_version + 1` as its version, changing nothing else; it answers
    /// what it did ([`DataUpdate`]): `Updated`, `Conflict` (another
    /// version is stored) or `Gone` (no such session: never insert one). Sessions
    /// your fetch callbacks return must carry the stored version
    /// ([`Session::with_data_version`]).
    ///
    /// **It must be one atomic step in your backend**, for example one SQL
    /// statement (`UPDATE sessions SET data = $3, data_version = data_version + 1
    /// WHERE id = $1 AND data_version = $2`). Narvik cannot check it. A read of the
    /// version followed by a separate write would let two requests both see the
    /// same version and both write: one update lost.
    pub fn update_session_data<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, OptionalCallbacks<A, B, C, R, O, E, Provided>>
    where
        F: Fn(SessionId, u64, D) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<DataUpdate>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: self.delete_all_expired_sessions,
            rotate_session: self.rotate_session,
            delete_other_sessions_for_user: self.delete_other_sessions_for_user,
            delete_all_sessions: self.delete_all_sessions,
            update_session_data: Arc::new(move |session_id, expected_version, data| {
                Box::pin(callback(session_id, expected_version, data))
            }),
        }
    }
}
