//! [`CallbackStore`]: the original's configuration style, a store made of closures.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::store::{DeleteExpiredSessions, DeleteUserSessions, FetchUserSessions};
use crate::token::SessionId;
use crate::{Result, Session, SessionData, SessionStore};

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;
type Callback<A, T> = Arc<dyn Fn(A) -> BoxFuture<T> + Send + Sync>;
type UpdateCallback = Arc<dyn Fn(SessionId, OffsetDateTime) -> BoxFuture<()> + Send + Sync>;
type FetchForUserCallback<D> = Callback<String, Vec<Session<D>>>;
type DeleteForUserCallback = Callback<String, ()>;
type DeleteExpiredCallback = Callback<OffsetDateTime, ()>;

/// Marks an optional callback that was not provided: the matching operation does
/// not compile.
#[derive(Debug, Clone, Copy)]
pub struct Missing;

/// Marks an optional callback that was provided.
#[derive(Debug, Clone, Copy)]
pub struct Provided;

/// What a [`CallbackStore`] holds for an optional callback: nothing when it is
/// [`Missing`], the callback when it is [`Provided`]. So a store whose marker says
/// provided always has the callback, by its type.
pub trait Slot<T>: slot::Sealed {
    /// `()` or `T`.
    #[doc(hidden)]
    type Held: Clone + Send + Sync + 'static;
}

impl<T> Slot<T> for Missing {
    type Held = ();
}

impl<T: Clone + Send + Sync + 'static> Slot<T> for Provided {
    type Held = T;
}

mod slot {
    pub trait Sealed {}
    impl Sealed for super::Missing {}
    impl Sealed for super::Provided {}
}

/// A store made of async closures, as the original was configured.
///
/// The four required callbacks go to [`new`](Self::new); each optional one is added
/// with its own method, and only then does its operation compile:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
///
/// use narvik::{CallbackStore, Narvik, Session, SessionId};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> narvik::Result<()> {
/// type Map = Arc<Mutex<HashMap<SessionId, Session<()>>>>;
/// let sessions = Map::default();
/// let (save, fetch, update, delete, by_user) =
///     (sessions.clone(), sessions.clone(), sessions.clone(), sessions.clone(), sessions.clone());
///
/// let store = CallbackStore::new(
///     move |session: Session<()>| {
///         let sessions = save.clone();
///         async move {
///             sessions.lock().unwrap().insert(session.id, session.clone());
///             Ok(session)
///         }
///     },
///     move |session_id: SessionId| {
///         let sessions = fetch.clone();
///         async move { Ok(sessions.lock().unwrap().get(&session_id).cloned()) }
///     },
///     move |session_id: SessionId, expires_at| {
///         let sessions = update.clone();
///         async move {
///             if let Some(session) = sessions.lock().unwrap().get_mut(&session_id) {
///                 session.expires_at = expires_at;
///             }
///             Ok(())
///         }
///     },
///     move |session_id: SessionId| {
///         let sessions = delete.clone();
///         async move {
///             sessions.lock().unwrap().remove(&session_id);
///             Ok(())
///         }
///     },
/// )
/// .fetch_sessions_for_user(move |user_id: String| {
///     let sessions = by_user.clone();
///     async move {
///         let sessions = sessions.lock().unwrap();
///         Ok(sessions.values().filter(|s| s.user_id == user_id).cloned().collect())
///     }
/// });
///
/// let narvik = Narvik::new(store);
/// narvik.create_session("123", ()).await?;
/// assert_eq!(narvik.fetch_sessions_for_user("123").await?.len(), 1);
/// // narvik.delete_sessions_for_user("123") would not compile: no such callback.
/// # Ok(())
/// # }
/// ```
///
/// The save callback gets the session by value and returns it, filled in as it
/// likes (a `created_at` stamp, say): that is the session `create_session` returns.
pub struct CallbackStore<
    D: 'static,
    FetchForUser: Slot<FetchForUserCallback<D>> = Missing,
    DeleteForUser: Slot<DeleteForUserCallback> = Missing,
    DeleteExpired: Slot<DeleteExpiredCallback> = Missing,
> {
    required: Required<D>,
    fetch_sessions_for_user: FetchForUser::Held,
    delete_sessions_for_user: DeleteForUser::Held,
    delete_all_expired_sessions: DeleteExpired::Held,
}

/// The four required callbacks, which adding an optional one carries over as they
/// are.
struct Required<D: 'static> {
    save_session: Callback<Session<D>, Session<D>>,
    fetch_session: Callback<SessionId, Option<Session<D>>>,
    update_session_expiry: UpdateCallback,
    delete_session: Callback<SessionId, ()>,
}

impl<D> Clone for Required<D> {
    fn clone(&self) -> Self {
        Self {
            save_session: Arc::clone(&self.save_session),
            fetch_session: Arc::clone(&self.fetch_session),
            update_session_expiry: Arc::clone(&self.update_session_expiry),
            delete_session: Arc::clone(&self.delete_session),
        }
    }
}

fn boxed<A, T, F, Fut>(callback: F) -> Callback<A, T>
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    Arc::new(move |argument| Box::pin(callback(argument)))
}

impl<D: SessionData> CallbackStore<D> {
    /// A store from the four required callbacks: save a session (and return it,
    /// possibly filled in), fetch one by id, update one's expiry (never inserting),
    /// delete one by id.
    pub fn new<Save, SaveFut, Fetch, FetchFut, Update, UpdateFut, Delete, DeleteFut>(
        save_session: Save,
        fetch_session: Fetch,
        update_session_expiry: Update,
        delete_session: Delete,
    ) -> Self
    where
        Save: Fn(Session<D>) -> SaveFut + Send + Sync + 'static,
        SaveFut: Future<Output = Result<Session<D>>> + Send + 'static,
        Fetch: Fn(SessionId) -> FetchFut + Send + Sync + 'static,
        FetchFut: Future<Output = Result<Option<Session<D>>>> + Send + 'static,
        Update: Fn(SessionId, OffsetDateTime) -> UpdateFut + Send + Sync + 'static,
        UpdateFut: Future<Output = Result<()>> + Send + 'static,
        Delete: Fn(SessionId) -> DeleteFut + Send + Sync + 'static,
        DeleteFut: Future<Output = Result<()>> + Send + 'static,
    {
        Self {
            required: Required {
                save_session: boxed(save_session),
                fetch_session: boxed(fetch_session),
                update_session_expiry: Arc::new(move |session_id, expires_at| {
                    Box::pin(update_session_expiry(session_id, expires_at))
                }),
                delete_session: boxed(delete_session),
            },
            fetch_sessions_for_user: (),
            delete_sessions_for_user: (),
            delete_all_expired_sessions: (),
        }
    }
}

impl<D: SessionData, B, C> CallbackStore<D, Missing, B, C>
where
    B: Slot<DeleteForUserCallback>,
    C: Slot<DeleteExpiredCallback>,
{
    /// Adds the optional callback listing a user's sessions.
    pub fn fetch_sessions_for_user<F, Fut>(self, callback: F) -> CallbackStore<D, Provided, B, C>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Session<D>>>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: boxed(callback),
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: self.delete_all_expired_sessions,
        }
    }
}

impl<D: SessionData, A, C> CallbackStore<D, A, Missing, C>
where
    A: Slot<FetchForUserCallback<D>>,
    C: Slot<DeleteExpiredCallback>,
{
    /// Adds the optional callback deleting a user's sessions.
    pub fn delete_sessions_for_user<F, Fut>(self, callback: F) -> CallbackStore<D, A, Provided, C>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: boxed(callback),
            delete_all_expired_sessions: self.delete_all_expired_sessions,
        }
    }
}

impl<D: SessionData, A, B> CallbackStore<D, A, B, Missing>
where
    A: Slot<FetchForUserCallback<D>>,
    B: Slot<DeleteForUserCallback>,
{
    /// Adds the optional callback deleting every session expired at the given time.
    pub fn delete_all_expired_sessions<F, Fut>(
        self,
        callback: F,
    ) -> CallbackStore<D, A, B, Provided>
    where
        F: Fn(OffsetDateTime) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        CallbackStore {
            required: self.required,
            fetch_sessions_for_user: self.fetch_sessions_for_user,
            delete_sessions_for_user: self.delete_sessions_for_user,
            delete_all_expired_sessions: boxed(callback),
        }
    }
}

impl<D, A, B, C> Clone for CallbackStore<D, A, B, C>
where
    A: Slot<FetchForUserCallback<D>>,
    B: Slot<DeleteForUserCallback>,
    C: Slot<DeleteExpiredCallback>,
{
    fn clone(&self) -> Self {
        Self {
            required: self.required.clone(),
            fetch_sessions_for_user: self.fetch_sessions_for_user.clone(),
            delete_sessions_for_user: self.delete_sessions_for_user.clone(),
            delete_all_expired_sessions: self.delete_all_expired_sessions.clone(),
        }
    }
}

impl<D, A, B, C> fmt::Debug for CallbackStore<D, A, B, C>
where
    A: Slot<FetchForUserCallback<D>>,
    B: Slot<DeleteForUserCallback>,
    C: Slot<DeleteExpiredCallback>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackStore")
            .field("fetch_sessions_for_user", &type_name_of::<A>())
            .field("delete_sessions_for_user", &type_name_of::<B>())
            .field("delete_all_expired_sessions", &type_name_of::<C>())
            .finish_non_exhaustive()
    }
}

/// `Missing` or `Provided`, for `Debug`.
fn type_name_of<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

#[async_trait]
impl<D, A, B, C> SessionStore for CallbackStore<D, A, B, C>
where
    D: SessionData + Clone,
    A: Slot<FetchForUserCallback<D>> + Send + Sync + 'static,
    B: Slot<DeleteForUserCallback> + Send + Sync + 'static,
    C: Slot<DeleteExpiredCallback> + Send + Sync + 'static,
{
    type Data = D;

    async fn save_session(&self, session: &mut Session<D>) -> Result<()> {
        // The callback owns what it is given so its future can be `'static`; the
        // session it returns (possibly filled in) replaces ours only on success.
        *session = (self.required.save_session)(session.clone()).await?;
        Ok(())
    }

    async fn fetch_session(&self, session_id: &SessionId) -> Result<Option<Session<D>>> {
        (self.required.fetch_session)(*session_id).await
    }

    async fn update_session_expiry(
        &self,
        session_id: &SessionId,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        (self.required.update_session_expiry)(*session_id, expires_at).await
    }

    async fn delete_session(&self, session_id: &SessionId) -> Result<()> {
        (self.required.delete_session)(*session_id).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, B, C> FetchUserSessions for CallbackStore<D, Provided, B, C>
where
    B: Slot<DeleteForUserCallback> + Send + Sync + 'static,
    C: Slot<DeleteExpiredCallback> + Send + Sync + 'static,
{
    async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        (self.fetch_sessions_for_user)(user_id.to_owned()).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A, C> DeleteUserSessions for CallbackStore<D, A, Provided, C>
where
    A: Slot<FetchForUserCallback<D>> + Send + Sync + 'static,
    C: Slot<DeleteExpiredCallback> + Send + Sync + 'static,
{
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
        (self.delete_sessions_for_user)(user_id.to_owned()).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A, B> DeleteExpiredSessions for CallbackStore<D, A, B, Provided>
where
    A: Slot<FetchForUserCallback<D>> + Send + Sync + 'static,
    B: Slot<DeleteForUserCallback> + Send + Sync + 'static,
{
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
        (self.delete_all_expired_sessions)(now).await
    }
}
