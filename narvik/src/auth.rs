//! [`Narvik`]: create, validate and invalidate sessions; make their cookies.

use std::fmt;
use std::sync::Arc;

use crate::config::{Config, NarvikBuilder};
use crate::cookie::Cookie;
use crate::session::CreatedSession;
use crate::store::{DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions, StoreFuture};
use crate::token::{self, SessionId, SessionToken};
use crate::{Error, Result, Session, SessionStore};

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
/// let set_cookie = narvik.create_cookie(&created.token).to_string();
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
pub struct Narvik<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    store: S,
    config: Config,
}

impl<S> Clone for Narvik<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S> fmt::Debug for Narvik<S> {
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
            .finish_non_exhaustive()
    }
}

impl<S: SessionStore> Narvik<S> {
    /// Narvik over `store` with every default of the original (see
    /// [`NarvikBuilder`]).
    pub fn new(store: S) -> Self {
        Self::from_parts(store, Config::default())
    }

    /// A builder to change the settings; finish with
    /// [`build`](NarvikBuilder::build).
    pub fn builder(store: S) -> NarvikBuilder<S> {
        NarvikBuilder::new(store)
    }

    pub(crate) fn from_parts(store: S, config: Config) -> Self {
        Self {
            inner: Arc::new(Inner { store, config }),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// Starts a session for `user_id` carrying `data`; give the client the returned
    /// token in a cookie from [`create_cookie`](Self::create_cookie).
    ///
    /// # Errors
    ///
    /// [`Error::UserIdTooLong`] when `user_id` is longer than
    /// [`MAX_USER_ID_LEN`](crate::MAX_USER_ID_LEN) bytes, in every store alike;
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
        let expires_at = config.clock.now().saturating_add(config.session_expires_in);
        let mut session = Session::new(token.session_id(), user_id, expires_at, data);
        self.inner.store.save_session(&mut session).await?;
        session.mark_new();
        Ok(CreatedSession { token, session })
    }

    /// The session of `token`, or `None` when the token is malformed, unknown or
    /// expired (an expired session is deleted). Once less than half the session
    /// length is left, the expiry moves to a full length from now and
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
        let remaining = session.expires_at.unix_timestamp_nanos() - config.clock.now_unix_nanos();
        if remaining <= 0 {
            store.delete_session(session_id).await?;
            return Ok(None);
        }
        if remaining + remaining <= config.session_expires_in.whole_nanoseconds() {
            // The clock again, as a date: only on this rare path, and the precise
            // time where the coarse reading above may be a tick behind.
            session.expires_at = config.clock.now().saturating_add(config.session_expires_in);
            store
                .update_session_expiry(session_id, session.expires_at)
                .await?;
            session.mark_extended();
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

impl<S> Narvik<S> {
    /// The session cookie carrying `token`, with the configured attributes.
    ///
    /// It takes a [`SessionToken`], not a string, so only a token's 32 characters
    /// of `a-z2-7` can reach the `Set-Cookie` header: a value with `;` cannot add
    /// attributes. A token the client sent is parsed first (`token.parse()`).
    pub fn create_cookie(&self, token: &SessionToken) -> Cookie {
        let config = &self.inner.config;
        Cookie {
            name: config.cookie_name.clone(),
            value: token.as_str().to_owned(),
            attributes: config.cookie_attributes(config.cookie_max_age),
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
}
