//! Where sessions live: the store traits and the built-in stores.
//!
//! Every store implements [`SessionStore`], the four operations validation needs.
//! The optional operations are traits of their own, so calling one on a store that
//! lacks it does not compile (the original failed at run time):
//! [`FetchUserSessions`], [`DeleteUserSessions`] and [`DeleteExpiredSessions`] (the
//! original's three), and the lifecycle controls [`RotateSessions`],
//! [`DeleteOtherUserSessions`], [`DeleteAllSessions`] and [`LimitUserSessions`].
//! Every built-in store has all of them.
//!
//! # A custom store
//!
//! A store keeps what it is given and hands it back; narvik does the hashing,
//! expiry and extension. This one keeps sessions in a `HashMap` behind a mutex:
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Mutex;
//!
//! use narvik::{async_trait, Error, Result, Session, SessionData, SessionId, SessionStore};
//! use time::OffsetDateTime;
//!
//! #[derive(Default)]
//! struct MapStore<D> {
//!     sessions: Mutex<HashMap<SessionId, Session<D>>>,
//! }
//!
//! #[async_trait]
//! impl<D: SessionData + Clone> SessionStore for MapStore<D> {
//!     type Data = D;
//!
//!     async fn save_session(&self, session: &mut Session<D>) -> Result<()> {
//!         let mut sessions = self.sessions.lock().map_err(|_| Error::store("poisoned"))?;
//!         sessions.insert(session.id, session.clone());
//!         Ok(())
//!     }
//!
//!     async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<D>>> {
//!         let sessions = self.sessions.lock().map_err(|_| Error::store("poisoned"))?;
//!         Ok(sessions.get(session_id).cloned())
//!     }
//!
//!     async fn update_session_expiry(&self, session_id: &SessionId, expires_at: OffsetDateTime) -> Result<()> {
//!         let mut sessions = self.sessions.lock().map_err(|_| Error::store("poisoned"))?;
//!         // Never insert here: a session deleted meanwhile must stay deleted.
//!         if let Some(session) = sessions.get_mut(session_id) {
//!             session.expires_at = expires_at;
//!         }
//!         Ok(())
//!     }
//!
//!     async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
//!         let mut sessions = self.sessions.lock().map_err(|_| Error::store("poisoned"))?;
//!         sessions.remove(session_id);
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> narvik::Result<()> {
//! let narvik = narvik::Narvik::new(MapStore::<()>::default());
//! let created = narvik.create_session("user-1", ()).await?;
//! assert!(narvik.validate_session(created.token.as_str()).await?.is_some());
//! # Ok(())
//! # }
//! ```
//!
//! A store that keeps the data serialized uses the helpers of
//! [`codec`](crate::codec), and reports data that no longer decodes as
//! [`Error::Decode`](crate::Error::Decode) so validation can drop that session.

use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::token::SessionId;
use crate::{Result, Session, SessionData};

pub mod callbacks;
pub mod memory;

/// The future of a store operation, as [`async_trait`](macro@async_trait) boxes it; what
/// [`Narvik`](crate::Narvik)'s optional operations return.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// The four operations every store has, over sessions carrying
/// [`Data`](Self::Data).
///
/// Errors: return [`Error::Store`](crate::Error::Store) when the backend fails and
/// [`Error::Decode`](crate::Error::Decode) when a stored session does not decode.
/// Never answer `Ok(None)` for a backend failure: that would sign users out.
///
/// `Arc<S>` and `Box<S>` are stores when `S` is, with every optional operation `S`
/// has, and `S` may be a trait object: `Box<dyn SessionStore<Data = D>>`.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The application's custom session data, fixed by the store.
    type Data: SessionData;

    /// Stores a new session. The store may fill in custom data (a `created_at`
    /// stamp, say); the caller gets the session back as the store leaves it.
    async fn save_session(&self, session: &mut Session<Self::Data>) -> Result<()>;

    /// The session with id `session_id`, or `None` when there is none. Expired
    /// sessions may be returned: narvik deletes them.
    async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<Self::Data>>>;

    /// The session with id `session_id` when the store can answer without waiting
    /// (it keeps sessions in this process's memory), as
    /// [`fetch_session`](Self::fetch_session) would; `None` when it would have to
    /// wait, the default.
    ///
    /// Validation asks this first: a store that answers here saves the boxed
    /// future of `fetch_session` on every request. A store that implements it
    /// must answer the same as `fetch_session`.
    fn fetch_session_now(
        &self,
        session_id: &SessionId,
    ) -> Option<Result<Option<Session<Self::Data>>>> {
        let _ = session_id;
        None
    }

    /// Sets the expiry of session `session_id`. A session that is gone stays gone:
    /// never insert here, or a concurrent sign-out would be undone.
    async fn update_session_expiry(
        &self,
        session_id: &SessionId,
        expires_at: OffsetDateTime,
    ) -> Result<()>;

    /// Moves the expiry of `session`, as validation read it, to
    /// `session.expires_at`: what validation calls to extend a session. The same
    /// contract as [`update_session_expiry`](Self::update_session_expiry), which
    /// the default calls with the session's id.
    ///
    /// A store that keeps an index per user overrides it to use the session's
    /// `user_id` (which never changes) instead of reading it back first.
    async fn extend_session(&self, session: &Session<Self::Data>) -> Result<()> {
        self.update_session_expiry(&session.id, session.expires_at)
            .await
    }

    /// Deletes session `session_id`; deleting a missing session is not an error.
    async fn delete_session(&self, session_id: &SessionId) -> Result<()>;
}

/// Optional: list a user's sessions.
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot fetch a user's sessions",
    label = "this store has no `fetch_sessions_for_user`",
    note = "implement `narvik::FetchUserSessions` for the store, or provide the callback with `CallbackStore::fetch_sessions_for_user`"
)]
pub trait FetchUserSessions: SessionStore {
    /// Every stored session of `user_id` (expired ones may be included).
    ///
    /// A session whose stored data no longer decodes is left out, not an error:
    /// pass decoded rows through [`codec::decodable_sessions`](crate::codec::decodable_sessions).
    async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<Self::Data>>>;
}

/// Optional: sign a user out everywhere.
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot delete a user's sessions",
    label = "this store has no `delete_sessions_for_user`",
    note = "implement `narvik::DeleteUserSessions` for the store, or provide the callback with `CallbackStore::delete_sessions_for_user`"
)]
pub trait DeleteUserSessions: SessionStore {
    /// Deletes every session of `user_id`, and no other user's.
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()>;
}

/// Optional: give a session a new id (its token changes) and stamp a proof of a
/// credential, for [`Narvik::rotate_session`](crate::Narvik::rotate_session) and
/// [`Narvik::reauthenticate`](crate::Narvik::reauthenticate) (OWASP ASVS V7.2.4).
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot rotate sessions",
    label = "this store has no `rotate_session`",
    note = "implement `narvik::RotateSessions` for the store, or provide the callback with `CallbackStore::rotate_session`"
)]
pub trait RotateSessions: SessionStore {
    /// Moves session `from` to the id `to` in one atomic step: the same user,
    /// data and time stamps, except `authenticated_at` when one is given. Returns
    /// the session as stored under `to`, or `None` when there is no session `from`
    /// (then nothing is stored: a session deleted meanwhile, by a sign-out, stays
    /// deleted).
    ///
    /// Atomic: once it returns, `from` is gone, so the old token never validates
    /// again, and no moment exists in which both ids, or neither of a session that
    /// is kept, are stored for a concurrent sign-out to miss.
    async fn rotate_session(
        &self,
        from: &SessionId,
        to: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> Result<Option<Session<Self::Data>>>;
}

/// Optional: sign a user out everywhere else (OWASP ASVS V7.4.3, V7.5.2).
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot delete a user's other sessions",
    label = "this store has no `delete_other_sessions_for_user`",
    note = "implement `narvik::DeleteOtherUserSessions` for the store, or provide the callback with `CallbackStore::delete_other_sessions_for_user`"
)]
pub trait DeleteOtherUserSessions: SessionStore {
    /// Deletes every session of `user_id` except `keep`, in one atomic step (one
    /// statement, one script): a session the user creates meanwhile is either
    /// deleted or kept whole, and `keep` is never deleted.
    async fn delete_other_sessions_for_user(&self, user_id: &str, keep: &SessionId) -> Result<()>;
}

/// Optional: end every session of every user (OWASP ASVS V7.4.5: an administrator
/// ends them all, after a breach, say).
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot delete all sessions",
    label = "this store has no `delete_all_sessions`",
    note = "implement `narvik::DeleteAllSessions` for the store, or provide the callback with `CallbackStore::delete_all_sessions`"
)]
pub trait DeleteAllSessions: SessionStore {
    /// Deletes every session this store holds, of every user.
    async fn delete_all_sessions(&self) -> Result<()>;
}

/// What to do when a sign-in would give a user more sessions than
/// [`NarvikBuilder::max_sessions_per_user`](crate::NarvikBuilder::max_sessions_per_user)
/// allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SessionLimitPolicy {
    /// Store the new session and end the user's least recently extended ones (the
    /// earliest `expires_at`) until the limit holds. The default: a user who signs
    /// in on a new device is never locked out.
    #[default]
    EndLeastRecentlyExtended,
    /// Store nothing: [`create_session`](crate::Narvik::create_session) fails with
    /// [`Error::TooManySessions`](crate::Error::TooManySessions) until the user
    /// signs out elsewhere.
    RefuseNew,
}

/// The limit [`LimitUserSessions::save_session_limited`] enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimit {
    /// The most live sessions a user may have, the new one included (never 0:
    /// no user could sign in). The new session is never the one ended, even when
    /// others expire at the same instant.
    pub max: NonZeroU32,
    /// What gives way when the limit is reached.
    pub policy: SessionLimitPolicy,
    /// Sessions whose `expires_at` is at or before `now` are not live: they never
    /// count, and the store may delete them.
    pub now: OffsetDateTime,
}

/// Optional: cap the sessions of one user (OWASP ASVS V7.1.2), for
/// [`NarvikBuilder::max_sessions_per_user`](crate::NarvikBuilder::max_sessions_per_user).
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot limit a user's sessions",
    label = "this store has no `save_session_limited`",
    note = "implement `narvik::LimitUserSessions` for the store; a `CallbackStore` cannot make its callbacks one atomic step, so it has none"
)]
pub trait LimitUserSessions: SessionStore {
    /// Stores the new `session` as [`save_session`](SessionStore::save_session)
    /// does, under `limit`, in one atomic step per user: however many sign-ins of
    /// one user run at once, the user ends up with at most `limit.max` live
    /// sessions. Returns whether the session was stored (`false` only under
    /// [`SessionLimitPolicy::RefuseNew`], when the user already has `limit.max`
    /// live sessions).
    async fn save_session_limited(
        &self,
        session: &mut Session<Self::Data>,
        limit: SessionLimit,
    ) -> Result<bool>;
}

/// What [`UpdateSessionData::update_session_data`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataUpdate {
    /// The data was written; the session's data version is now this.
    Updated {
        /// The new data version: the expected one plus one.
        data_version: u64,
    },
    /// Nothing was written: the stored data version was not the expected one.
    Conflict,
    /// Nothing was written: there is no such session (deleted meanwhile: an
    /// update never brings a session back).
    Gone,
}

/// Optional: change a session's data without losing a concurrent change, for
/// [`Narvik::update_session_data`](crate::Narvik::update_session_data) and
/// [`Narvik::modify_session_data`](crate::Narvik::modify_session_data).
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot update session data",
    label = "this store has no `update_session_data`",
    note = "implement `narvik::UpdateSessionData` for the store"
)]
pub trait UpdateSessionData: SessionStore {
    /// Replaces the data of session `session_id` with `data`, in one atomic step,
    /// only if its stored data version is `expected_version`; the version then
    /// goes up by one. Nothing else changes: not `expires_at`, not the time
    /// stamps, not another session. A missing session stays missing
    /// ([`DataUpdate::Gone`]); a different version writes nothing
    /// ([`DataUpdate::Conflict`]).
    async fn update_session_data(
        &self,
        session_id: &SessionId,
        expected_version: u64,
        data: &Self::Data,
    ) -> Result<DataUpdate>;
}

/// Optional: clean up sessions that have expired.
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "the session store `{Self}` cannot delete expired sessions",
    label = "this store has no `delete_all_expired_sessions`",
    note = "implement `narvik::DeleteExpiredSessions` for the store, or provide the callback with `CallbackStore::delete_all_expired_sessions`"
)]
pub trait DeleteExpiredSessions: SessionStore {
    /// Deletes every session whose `expires_at` is at or before `now`.
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()>;
}

/// `Arc<S>` and `Box<S>` forward every operation, the optional ones included, to
/// the store inside; `S` may be unsized (a trait object).
macro_rules! forward_to_inner_store {
    ($($pointer:ident),*) => {$(
        #[async_trait]
        impl<S: SessionStore + ?Sized> SessionStore for $pointer<S> {
            type Data = S::Data;

            async fn save_session(&self, session: &mut Session<S::Data>) -> Result<()> {
                (**self).save_session(session).await
            }

            async fn fetch_session(
                &self,
                session_id: &SessionId,
            ) -> Result<Option<Session<S::Data>>> {
                (**self).fetch_session(session_id).await
            }

            fn fetch_session_now(
                &self,
                session_id: &SessionId,
            ) -> Option<Result<Option<Session<S::Data>>>> {
                (**self).fetch_session_now(session_id)
            }

            async fn update_session_expiry(
                &self,
                session_id: &SessionId,
                expires_at: OffsetDateTime,
            ) -> Result<()> {
                (**self).update_session_expiry(session_id, expires_at).await
            }

            async fn extend_session(&self, session: &Session<S::Data>) -> Result<()> {
                (**self).extend_session(session).await
            }

            async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
                (**self).delete_session(session_id).await
            }
        }

        #[async_trait]
        impl<S: FetchUserSessions + ?Sized> FetchUserSessions for $pointer<S> {
            async fn fetch_sessions_for_user(
                &self,
                user_id: &str,
            ) -> Result<Vec<Session<S::Data>>> {
                (**self).fetch_sessions_for_user(user_id).await
            }
        }

        #[async_trait]
        impl<S: DeleteUserSessions + ?Sized> DeleteUserSessions for $pointer<S> {
            async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
                (**self).delete_sessions_for_user(user_id).await
            }
        }

        #[async_trait]
        impl<S: DeleteExpiredSessions + ?Sized> DeleteExpiredSessions for $pointer<S> {
            async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
                (**self).delete_all_expired_sessions(now).await
            }
        }

        #[async_trait]
        impl<S: RotateSessions + ?Sized> RotateSessions for $pointer<S> {
            async fn rotate_session(
                &self,
                from: &SessionId,
                to: &SessionId,
                authenticated_at: Option<OffsetDateTime>,
            ) -> Result<Option<Session<S::Data>>> {
                (**self).rotate_session(from, to, authenticated_at).await
            }
        }

        #[async_trait]
        impl<S: DeleteOtherUserSessions + ?Sized> DeleteOtherUserSessions for $pointer<S> {
            async fn delete_other_sessions_for_user(
                &self,
                user_id: &str,
                keep: &SessionId,
            ) -> Result<()> {
                (**self).delete_other_sessions_for_user(user_id, keep).await
            }
        }

        #[async_trait]
        impl<S: DeleteAllSessions + ?Sized> DeleteAllSessions for $pointer<S> {
            async fn delete_all_sessions(&self) -> Result<()> {
                (**self).delete_all_sessions().await
            }
        }

        #[async_trait]
        impl<S: UpdateSessionData + ?Sized> UpdateSessionData for $pointer<S> {
            async fn update_session_data(
                &self,
                session_id: &SessionId,
                expected_version: u64,
                data: &S::Data,
            ) -> Result<DataUpdate> {
                (**self)
                    .update_session_data(session_id, expected_version, data)
                    .await
            }
        }

        #[async_trait]
        impl<S: LimitUserSessions + ?Sized> LimitUserSessions for $pointer<S> {
            async fn save_session_limited(
                &self,
                session: &mut Session<S::Data>,
                limit: SessionLimit,
            ) -> Result<bool> {
                (**self).save_session_limited(session, limit).await
            }
        }
    )*};
}

forward_to_inner_store!(Arc, Box);
