//! [`Narvik`]: create, validate and invalidate sessions; make their cookies.

use std::fmt;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::{Config, Limit, NarvikBuilder};
use crate::cookie::Cookie;
use crate::session::{CreatedSession, SessionTimes};
use crate::store::{
    DataUpdate, DeleteAllSessions, DeleteExpiredSessions, DeleteOtherUserSessions,
    DeleteUserSessions, FetchUserSessions, RotateSessions, SessionLimit, StoreFuture,
    UpdateSessionData,
};
use crate::token::{self, SessionId, SessionToken};
use crate::{Error, Result, Session, SessionStore};

/// How many times [`Narvik::modify_session_data`] reads the session, applies the
/// change and tries to write it before it gives up with
/// [`Error::Conflict`](crate::Error::Conflict): each failed try means another
/// writer's update of the same session landed in between, so it takes this many
/// concurrent writers of one session, all faster than this one, to exhaust it.
pub const MODIFY_ATTEMPTS: u32 = 64;

/// Session authentication over a store `S`, whose sessions carry the data
/// [`S::Data`](SessionStore::Data).
///
/// Cheap to clone (clones share the store and settings) and `Send + Sync`, so it
/// goes straight into a web framework's state.
///
/// ```
/// use narvik::{MemoryStore, Narvik, SessionData};
///
/// #[derive(SessionData, Clone, Debug)]
/// struct AppData {
///     username: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> narvik::Result<()> {
/// let narvik = Narvik::new(MemoryStore::<AppData>::new());
///
/// // Sign-in: create a session, send its cookie.
/// let created = narvik.create_session("123", AppData { username: "johnsmith".into() }).await?;
/// let set_cookie = narvik.create_cookie(&created.token, &created.session).to_string();
/// assert!(set_cookie.starts_with("narvik_session="));
///
/// // Every request: validate the token from the cookie.
/// let session = narvik.validate_session(created.token.as_str()).await?.expect("valid");
/// assert_eq!(session.username, "johnsmith");
///
/// // Sign-out: invalidate, send the blank cookie.
/// narvik.invalidate_session(&session.id).await?;
/// assert!(narvik.validate_session(created.token.as_str()).await?.is_none());
/// let _clear = narvik.create_blank_cookie();
/// # Ok(())
/// # }
/// ```
pub struct Narvik<S: SessionStore> {
    inner: Arc<Inner<S>>,
}

struct Inner<S: SessionStore> {
    store: S,
    config: Config,
    limit: Option<Limit<S>>,
}

impl<S: SessionStore> Clone for Narvik<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: SessionStore> fmt::Debug for Narvik<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.inner.config;
        f.debug_struct("Narvik")
            .field("session_expires_in", &config.session_expires_in)
            .field("cookie_name", &config.cookie_name)
            .field("cookie_max_age", &config.cookie_max_age)
            .field("secure", &config.secure)
            .field("domain", &config.domain)
            .field("path", &config.path)
            .field("same_site", &config.same_site)
            .field("absolute_lifetime", &config.absolute_lifetime)
            .field(
                "max_sessions_per_user",
                &self
                    .inner
                    .limit
                    .as_ref()
                    .map(|limit| (limit.max.get(), limit.policy)),
            )
            .finish_non_exhaustive()
    }
}

impl<S: SessionStore> Narvik<S> {
    /// Narvik over `store` with every default of the original (see
    /// [`NarvikBuilder`]).
    pub fn new(store: S) -> Self {
        Self::from_parts(store, Config::default(), None)
    }

    /// A builder to change the settings; finish with
    /// [`build`](NarvikBuilder::build).
    pub fn builder(store: S) -> NarvikBuilder<S> {
        NarvikBuilder::new(store)
    }

    pub(crate) fn from_parts(store: S, config: Config, limit: Option<Limit<S>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                config,
                limit,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// Starts a session for `user_id` carrying `data`; give the client the returned
    /// token in a cookie from [`create_cookie`](Self::create_cookie).
    ///
    /// The session records its sign-in ([`Session::issued_at`]) and the proof of
    /// a credential ([`Session::authenticated_at`]) as now. Under
    /// [`max_sessions_per_user`](NarvikBuilder::max_sessions_per_user) the store
    /// saves it within the limit, in one atomic step.
    ///
    /// A session for a user signing in again on the same client should replace the
    /// one that client presented: end that one first (OWASP ASVS V7.2.4), as
    /// `narvik-axum`'s `SessionManager::start` does.
    ///
    /// # Errors
    ///
    /// [`Error::UserIdTooLong`] when `user_id` is longer than
    /// [`MAX_USER_ID_LEN`](crate::MAX_USER_ID_LEN) bytes, in every store alike;
    /// [`Error::TooManySessions`] when the limit refuses the sign-in;
    /// [`Error::Store`] when the store fails. Nothing is stored then.
    pub async fn create_session(
        &self,
        user_id: impl Into<String>,
        data: S::Data,
    ) -> Result<CreatedSession<S::Data>> {
        let user_id = user_id.into();
        if user_id.len() > crate::MAX_USER_ID_LEN {
            return Err(Error::UserIdTooLong {
                length: user_id.len(),
            });
        }
        let config = &self.inner.config;
        let token = SessionToken::generate();
        let now = config.clock.now();
        let expires_at = config.expiry_from(now, now);
        let times = SessionTimes::issued(now, expires_at);
        let mut session = Session::new(token.session_id(), user_id, times, data);
        let store = &self.inner.store;
        match &self.inner.limit {
            None => store.save_session(&mut session).await?,
            Some(limit) => {
                let within = SessionLimit {
                    max: limit.max,
                    policy: limit.policy,
                    now,
                };
                if !(limit.save)(store, &mut session, within).await? {
                    return Err(Error::TooManySessions {
                        max: limit.max.get(),
                    });
                }
            }
        }
        session.mark_new();
        session.mark_checked(now.unix_timestamp_nanos());
        Ok(CreatedSession { token, session })
    }

    /// The session of `token`, or `None` when the token is malformed, unknown or
    /// expired, or the session is past its
    /// [`absolute_lifetime`](NarvikBuilder::absolute_lifetime) (such a session is
    /// deleted). Once less than half the session length is left, the expiry moves
    /// to a full length from now (never past the absolute deadline) and
    /// [`Session::is_extended`] is set: send the cookie again.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails: a store outage never looks like a
    /// signed-out user. A stored session that no longer decodes is deleted (with a
    /// `tracing` warning naming the field) and answers `Ok(None)`.
    pub async fn validate_session(&self, token: &str) -> Result<Option<Session<S::Data>>> {
        if !token::is_well_formed(token) {
            return Ok(None);
        }
        let session_id = SessionId::of_token(token);
        let session_id = &session_id;
        let store = &self.inner.store;
        // A store that answers at once (in memory) skips the boxed future.
        let fetched = match store.fetch_session_now(session_id) {
            Some(fetched) => fetched,
            None => store.fetch_session(session_id).await,
        };
        let mut session = match fetched {
            Ok(Some(session)) => session,
            Ok(None) => return Ok(None),
            Err(Error::Decode { source, .. }) => {
                tracing::warn!(
                    session_id = session_id.as_str(),
                    error = %source,
                    "deleting a session whose stored data no longer decodes"
                );
                store.delete_session(session_id).await?;
                return Ok(None);
            }
            Err(error) => return Err(error),
        };
        let config = &self.inner.config;
        // One subtraction answers both questions: expired once nothing is left,
        // extended once half the session length or less is left. In Unix
        // nanoseconds, because building the current time as a calendar date costs
        // more than reading the clock; doubling what is left, not halving the
        // length, keeps a 128-bit division off this path.
        let now_nanos = config.clock.now_unix_nanos();
        let expires_at_nanos = session.expires_at.unix_timestamp_nanos();
        let remaining = expires_at_nanos - now_nanos;
        let deadline_nanos = config.absolute_deadline_nanos(&session);
        if remaining <= 0 || deadline_nanos.is_some_and(|deadline| deadline <= now_nanos) {
            store.delete_session(session_id).await?;
            return Ok(None);
        }
        session.mark_checked(now_nanos);
        // Half the length or less left, and room before the absolute deadline: a
        // session whose expiry already sits on its deadline has nothing to gain.
        if remaining + remaining <= config.session_expires_in.whole_nanoseconds()
            && deadline_nanos.is_none_or(|deadline| expires_at_nanos < deadline)
        {
            // The clock again, as a date: only on this rare path, and the precise
            // time where the coarse reading above may be a tick behind.
            let expires_at = config.expiry_from(config.clock.now(), session.issued_at);
            if expires_at > session.expires_at {
                session.expires_at = expires_at;
                store.extend_session(&session).await?;
                session.mark_extended();
            }
        }
        Ok(Some(session))
    }

    /// Ends session `session_id` (sign-out).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub async fn invalidate_session(&self, session_id: &SessionId) -> Result<()> {
        self.inner.store.delete_session(session_id).await
    }

    // The optional operations return the store's future as it is, not an `async
    // fn`'s: a call on a store without the capability is then one compile error
    // (the unmet bound, with its `on_unimplemented` message), not a second one for
    // the `.await` of a future whose type depends on that bound.

    /// Gives session `session_id` a new token, keeping its user, data and time
    /// stamps, and ends the old token, in one atomic step of the store (OWASP ASVS
    /// V7.2.4: after a change of privilege, say). Send the returned token's
    /// cookie; the old token never validates once this returns. `None` when the
    /// session is gone (signed out meanwhile: a rotation never brings it back),
    /// expired, or past its absolute lifetime. Needs a store with
    /// [`RotateSessions`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails; the old token may then still be the
    /// valid one.
    pub fn rotate_session<'a>(
        &'a self,
        session_id: &'a SessionId,
    ) -> StoreFuture<'a, Option<CreatedSession<S::Data>>>
    where
        S: RotateSessions,
    {
        Box::pin(self.rotate(session_id, None))
    }

    /// Records that the user proved a credential again just now ("sudo mode",
    /// OWASP ASVS V7.5.1 to V7.5.3): call it after checking the password anew.
    /// [`Session::authenticated_at`] becomes now, and, as re-authentication asks
    /// for a new token too (V7.2.4), the session is rotated as by
    /// [`rotate_session`](Self::rotate_session): send the returned token's
    /// cookie. `None` when the session is gone, expired, or past its absolute
    /// lifetime. Needs a store with [`RotateSessions`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub fn reauthenticate<'a>(
        &'a self,
        session_id: &'a SessionId,
    ) -> StoreFuture<'a, Option<CreatedSession<S::Data>>>
    where
        S: RotateSessions,
    {
        let now = self.inner.config.clock.now();
        Box::pin(self.rotate(session_id, Some(now)))
    }

    async fn rotate(
        &self,
        session_id: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> Result<Option<CreatedSession<S::Data>>>
    where
        S: RotateSessions,
    {
        let store = &self.inner.store;
        let config = &self.inner.config;
        let token = SessionToken::generate();
        let new_id = token.session_id();
        let Some(mut session) = store
            .rotate_session(session_id, &new_id, authenticated_at)
            .await?
        else {
            return Ok(None);
        };
        let now_nanos = config.clock.now_unix_nanos();
        if !config.is_live(&session, now_nanos) {
            store.delete_session(&new_id).await?;
            return Ok(None);
        }
        session.mark_new();
        session.mark_checked(now_nanos);
        Ok(Some(CreatedSession { token, session }))
    }

    /// Every session of `user_id`. Needs a store with [`FetchUserSessions`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub fn fetch_sessions_for_user<'a>(
        &'a self,
        user_id: &'a str,
    ) -> StoreFuture<'a, Vec<Session<S::Data>>>
    where
        S: FetchUserSessions,
    {
        self.inner.store.fetch_sessions_for_user(user_id)
    }

    /// Ends every session of `user_id` (sign out everywhere). Needs a store with
    /// [`DeleteUserSessions`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub fn delete_sessions_for_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, ()>
    where
        S: DeleteUserSessions,
    {
        self.inner.store.delete_sessions_for_user(user_id)
    }

    /// Replaces the data of `session` with `data`, unless the stored data changed
    /// since `session` was read: then nothing is written and the answer is
    /// [`Error::Conflict`] (no update is ever lost). Returns the session as now
    /// stored, or `None` when it is gone or expired (an update never brings a
    /// session back). `expires_at` and the time stamps stay as they are. Needs a
    /// store with [`UpdateSessionData`].
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] as above; [`Error::Store`] when the store fails.
    pub fn update_session_data<'a>(
        &'a self,
        session: &'a Session<S::Data>,
        data: S::Data,
    ) -> StoreFuture<'a, Option<Session<S::Data>>>
    where
        S: UpdateSessionData,
    {
        let update = Session::new(session.id, session.user_id.clone(), session.times(), data)
            .with_data_version(session.data_version());
        Box::pin(self.write_data(update))
    }

    /// Reads session `session_id`, applies `change` to its data and writes it
    /// back as [`update_session_data`](Self::update_session_data) does; when
    /// another writer's update landed in between, reads the new data and applies
    /// `change` again (so `change` may run more than once, each time on the
    /// latest data), up to [`MODIFY_ATTEMPTS`] times. Returns the session as
    /// stored, or `None` when it is gone or expired. Needs a store with
    /// [`UpdateSessionData`].
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] when every attempt lost a race; [`Error::Decode`] when
    /// the stored data does not decode; [`Error::Store`] when the store fails.
    pub fn modify_session_data<'a, F>(
        &'a self,
        session_id: &'a SessionId,
        mut change: F,
    ) -> StoreFuture<'a, Option<Session<S::Data>>>
    where
        S: UpdateSessionData,
        F: FnMut(&mut S::Data) + Send + 'a,
    {
        Box::pin(async move {
            let config = &self.inner.config;
            for _ in 0..MODIFY_ATTEMPTS {
                let Some(mut session) = self.inner.store.fetch_session(session_id).await? else {
                    return Ok(None);
                };
                if !config.is_live(&session, config.clock.now_unix_nanos()) {
                    return Ok(None);
                }
                change(&mut session.data);
                match self.write_data(session).await {
                    Err(Error::Conflict) => continue,
                    written => return written,
                }
            }
            Err(Error::Conflict)
        })
    }

    /// Writes `session`'s data if the store still has its data version.
    async fn write_data(&self, mut session: Session<S::Data>) -> Result<Option<Session<S::Data>>>
    where
        S: UpdateSessionData,
    {
        let config = &self.inner.config;
        let now_nanos = config.clock.now_unix_nanos();
        if !config.is_live(&session, now_nanos) {
            return Ok(None);
        }
        let update = self
            .inner
            .store
            .update_session_data(&session.id, session.data_version(), &session.data)
            .await?;
        match update {
            DataUpdate::Updated { data_version } => {
                session = session.with_data_version(data_version);
                session.mark_checked(now_nanos);
                Ok(Some(session))
            }
            DataUpdate::Conflict => Err(Error::Conflict),
            DataUpdate::Gone => Ok(None),
        }
    }

    /// Ends every session of `user_id` except `keep` (sign out everywhere else,
    /// OWASP ASVS V7.4.3 and V7.5.2), in one atomic step of the store: a session
    /// the user creates meanwhile is either ended or kept whole. Needs a store
    /// with [`DeleteOtherUserSessions`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub fn delete_other_sessions_for_user<'a>(
        &'a self,
        user_id: &'a str,
        keep: &'a SessionId,
    ) -> StoreFuture<'a, ()>
    where
        S: DeleteOtherUserSessions,
    {
        self.inner
            .store
            .delete_other_sessions_for_user(user_id, keep)
    }

    /// Ends every session of every user (OWASP ASVS V7.4.5: an administrator's
    /// response to a breach). Needs a store with [`DeleteAllSessions`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub fn delete_all_sessions(&self) -> StoreFuture<'_, ()>
    where
        S: DeleteAllSessions,
    {
        self.inner.store.delete_all_sessions()
    }

    /// Deletes every session that has expired by now. Needs a store with
    /// [`DeleteExpiredSessions`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub fn delete_all_expired_sessions(&self) -> StoreFuture<'_, ()>
    where
        S: DeleteExpiredSessions,
    {
        let now = self.inner.config.clock.now();
        self.inner.store.delete_all_expired_sessions(now)
    }
}

impl<S: SessionStore> Narvik<S> {
    /// The cookie carrying `token`, the token of `session`, with the configured
    /// attributes.
    ///
    /// It takes a [`SessionToken`], not a string, so only a token's 32 characters
    /// of `a-z2-7` can reach the `Set-Cookie` header: a value with `;` cannot add
    /// attributes. A token the client sent is parsed first (`token.parse()`).
    /// With an [`absolute_lifetime`](NarvikBuilder::absolute_lifetime), `Max-Age`
    /// is cut to the time left until `session`'s absolute deadline, so the cookie
    /// never outlives the session.
    ///
    /// `session` is the [`Session`] (`&created.session`) or its
    /// [`SessionTimes`] (all a cookie needs of it, for a caller that keeps no
    /// copy of the session).
    pub fn create_cookie(&self, token: &SessionToken, session: impl Into<SessionTimes>) -> Cookie {
        let config = &self.inner.config;
        let mut max_age = config.cookie_max_age;
        if let Some(lifetime) = config.absolute_lifetime {
            let deadline = session.into().issued_at.saturating_add(lifetime);
            let left = deadline - config.clock.now();
            max_age = max_age.min(left.whole_seconds().max(0));
        }
        Cookie {
            name: config.cookie_name.clone(),
            value: token.as_str().to_owned(),
            attributes: config.cookie_attributes(max_age),
        }
    }

    /// An empty cookie with `Max-Age=0`, which clears the session cookie (on
    /// sign-out, or when the presented token is invalid).
    pub fn create_blank_cookie(&self) -> Cookie {
        let config = &self.inner.config;
        Cookie {
            name: config.cookie_name.clone(),
            value: String::new(),
            attributes: config.cookie_attributes(0),
        }
    }

    /// The cookie's name, to read the token from a request.
    pub fn cookie_name(&self) -> &str {
        &self.inner.config.cookie_name
    }

    /// The session length.
    pub fn session_expires_in(&self) -> time::Duration {
        self.inner.config.session_expires_in
    }

    /// The absolute lifetime, when one is set.
    pub fn absolute_lifetime(&self) -> Option<time::Duration> {
        self.inner.config.absolute_lifetime
    }
}
