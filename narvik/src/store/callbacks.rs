//! [`CallbackStore`]: the original's configuration style, a store made of closures.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::store::{
    DataUpdate, DeleteAllSessions, DeleteExpiredSessions, DeleteOtherUserSessions,
    DeleteUserSessions, FetchUserSessions, RotateSessions, UpdateSessionData,
};
use crate::token::SessionId;
use crate::{Result, Session, SessionData, SessionStore};

mod builder;
mod slots;

pub use self::slots::{AllCallbacks, CallbackSet, Missing, OptionalCallbacks, Provided, Slot};

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;
type Callback<A, T> = Arc<dyn Fn(A) -> BoxFuture<T> + Send + Sync>;
type UpdateCallback = Arc<dyn Fn(SessionId, OffsetDateTime) -> BoxFuture<()> + Send + Sync>;
type FetchForUserCallback<D> = Callback<String, Vec<Session<D>>>;
type DeleteForUserCallback = Callback<String, ()>;
type DeleteExpiredCallback = Callback<OffsetDateTime, ()>;
type RotateCallback<D> = Arc<
    dyn Fn(SessionId, SessionId, Option<OffsetDateTime>) -> BoxFuture<Option<Session<D>>>
        + Send
        + Sync,
>;
type DeleteOtherCallback = Arc<dyn Fn(String, SessionId) -> BoxFuture<()> + Send + Sync>;
type DeleteAllCallback = Arc<dyn Fn() -> BoxFuture<()> + Send + Sync>;
type UpdateDataCallback<D> = Arc<dyn Fn(SessionId, u64, D) -> BoxFuture<DataUpdate> + Send + Sync>;

/// What a store whose marker for a callback is `Marker` holds for it.
type Held<Marker, Callback> = <Marker as Slot>::Held<Callback>;

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
/// let (save, fetch, update, delete) =
///     (sessions.clone(), sessions.clone(), sessions.clone(), sessions.clone());
/// let (by_user, rotate) = (sessions.clone(), sessions.clone());
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
/// })
/// .rotate_session(move |from: SessionId, to: SessionId, authenticated_at| {
///     let sessions = rotate.clone();
///     async move {
///         // One lock for the whole move: it must be one atomic step.
///         let mut sessions = sessions.lock().unwrap();
///         let Some(mut session) = sessions.remove(&from) else {
///             return Ok(None); // signed out meanwhile: store nothing
///         };
///         session.id = to;
///         session.authenticated_at = authenticated_at.unwrap_or(session.authenticated_at);
///         sessions.insert(to, session.clone());
///         Ok(Some(session))
///     }
/// });
///
/// let narvik = Narvik::new(store);
/// let created = narvik.create_session("123", ()).await?;
/// assert_eq!(narvik.fetch_sessions_for_user("123").await?.len(), 1);
///
/// // "Sudo mode": after checking the password again, a new token; the old one ends.
/// let renewed = narvik.reauthenticate(&created.session.id).await?;
/// assert!(renewed.is_some());
/// assert!(narvik.validate_session(created.token.as_str()).await?.is_none());
/// // narvik.delete_sessions_for_user("123") would not compile: no such callback.
/// # Ok(())
/// # }
/// ```
///
/// The save callback gets the session by value and returns it, filled in as it
/// likes (a `created_at` stamp, say): that is the session `create_session` returns.
///
/// # The optional callbacks
///
/// | builder method | operation it enables |
/// | --- | --- |
/// | [`fetch_sessions_for_user`](Self::fetch_sessions_for_user) | [`Narvik::fetch_sessions_for_user`](crate::Narvik::fetch_sessions_for_user) |
/// | [`delete_sessions_for_user`](Self::delete_sessions_for_user) | [`Narvik::delete_sessions_for_user`](crate::Narvik::delete_sessions_for_user) |
/// | [`delete_all_expired_sessions`](Self::delete_all_expired_sessions) | [`Narvik::delete_all_expired_sessions`](crate::Narvik::delete_all_expired_sessions) |
/// | [`rotate_session`](Self::rotate_session) | [`Narvik::rotate_session`](crate::Narvik::rotate_session), [`Narvik::reauthenticate`](crate::Narvik::reauthenticate) |
/// | [`delete_other_sessions_for_user`](Self::delete_other_sessions_for_user) | [`Narvik::delete_other_sessions_for_user`](crate::Narvik::delete_other_sessions_for_user) |
/// | [`delete_all_sessions`](Self::delete_all_sessions) | [`Narvik::delete_all_sessions`](crate::Narvik::delete_all_sessions) |
/// | [`update_session_data`](Self::update_session_data) | [`Narvik::update_session_data`](crate::Narvik::update_session_data), [`Narvik::modify_session_data`](crate::Narvik::modify_session_data) |
///
/// Narvik cannot make two of your callbacks one atomic step, so the callbacks of
/// `rotate_session`, `delete_other_sessions_for_user` and `update_session_data`
/// must each be one atomic
/// step in your backend (one statement, one transaction, one script, one lock):
/// their methods say what that protects against.
///
/// For the same reason a `CallbackStore` has no
/// [`LimitUserSessions`](crate::LimitUserSessions), so
/// [`max_sessions_per_user`](crate::NarvikBuilder::max_sessions_per_user) does not
/// compile with it: counting a user's sessions, storing the new one and ending the
/// oldest would take several callbacks, and concurrent sign-ins would slip
/// between them. For a cap, implement [`SessionStore`] and `LimitUserSessions` on
/// a store type of your own.
///
/// # Naming the type
///
/// The second type parameter says which optional callbacks the store has, one
/// [`Missing`] or [`Provided`] marker each, gathered in [`OptionalCallbacks`] in
/// the order of the table above; trailing ones default to `Missing`:
///
/// - `CallbackStore<D>`: the four required callbacks only;
/// - `CallbackStore<D, OptionalCallbacks<Provided, Provided>>`: also
///   `fetch_sessions_for_user` and `delete_sessions_for_user`;
/// - `CallbackStore<D, AllCallbacks>`: every optional callback.
///
/// The builder methods set the markers, so the type is only written where a
/// store is named (a field, a function's return type).
pub struct CallbackStore<D: 'static, Callbacks: CallbackSet = OptionalCallbacks> {
    required: Required<D>,
    fetch_sessions_for_user: Held<Callbacks::FetchForUser, FetchForUserCallback<D>>,
    delete_sessions_for_user: Held<Callbacks::DeleteForUser, DeleteForUserCallback>,
    delete_all_expired_sessions: Held<Callbacks::DeleteExpired, DeleteExpiredCallback>,
    rotate_session: Held<Callbacks::Rotate, RotateCallback<D>>,
    delete_other_sessions_for_user: Held<Callbacks::DeleteOther, DeleteOtherCallback>,
    delete_all_sessions: Held<Callbacks::DeleteAll, DeleteAllCallback>,
    update_session_data: Held<Callbacks::UpdateData, UpdateDataCallback<D>>,
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
            rotate_session: (),
            delete_other_sessions_for_user: (),
            delete_all_sessions: (),
            update_session_data: (),
        }
    }
}

impl<D, Callbacks: CallbackSet> Clone for CallbackStore<D, Callbacks> {
    fn clone(&self) -> Self {
        Self {
            required: self.required.clone(),
            fetch_sessions_for_user: self.fetch_sessions_for_user.clone(),
            delete_sessions_for_user: self.delete_sessions_for_user.clone(),
            delete_all_expired_sessions: self.delete_all_expired_sessions.clone(),
            rotate_session: self.rotate_session.clone(),
            delete_other_sessions_for_user: self.delete_other_sessions_for_user.clone(),
            delete_all_sessions: self.delete_all_sessions.clone(),
            update_session_data: self.update_session_data.clone(),
        }
    }
}

impl<D, Callbacks: CallbackSet> fmt::Debug for CallbackStore<D, Callbacks> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackStore")
            .field(
                "fetch_sessions_for_user",
                &marker_name::<Callbacks::FetchForUser>(),
            )
            .field(
                "delete_sessions_for_user",
                &marker_name::<Callbacks::DeleteForUser>(),
            )
            .field(
                "delete_all_expired_sessions",
                &marker_name::<Callbacks::DeleteExpired>(),
            )
            .field("rotate_session", &marker_name::<Callbacks::Rotate>())
            .field(
                "delete_other_sessions_for_user",
                &marker_name::<Callbacks::DeleteOther>(),
            )
            .field(
                "delete_all_sessions",
                &marker_name::<Callbacks::DeleteAll>(),
            )
            .field(
                "update_session_data",
                &marker_name::<Callbacks::UpdateData>(),
            )
            .finish_non_exhaustive()
    }
}

/// `Missing` or `Provided`, for `Debug`.
fn marker_name<Marker: Slot>() -> &'static str {
    let name = std::any::type_name::<Marker>();
    name.rsplit("::").next().unwrap_or(name)
}

#[async_trait]
impl<D: SessionData + Clone, Callbacks: CallbackSet> SessionStore for CallbackStore<D, Callbacks> {
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

// Each optional operation is implemented for the stores whose marker at its
// position is `Provided`, whatever the others are. A concrete `Provided` in the
// impl's type (not a bound on `CallbackSet`) keeps a missing callback an
// "unimplemented" error, which shows the trait's own message.

#[async_trait]
impl<D: SessionData + Clone, B: Slot, C: Slot, R: Slot, O: Slot, E: Slot, U: Slot> FetchUserSessions
    for CallbackStore<D, OptionalCallbacks<Provided, B, C, R, O, E, U>>
{
    async fn fetch_sessions_for_user(&self, user_id: &str) -> Result<Vec<Session<D>>> {
        (self.fetch_sessions_for_user)(user_id.to_owned()).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A: Slot, C: Slot, R: Slot, O: Slot, E: Slot, U: Slot>
    DeleteUserSessions for CallbackStore<D, OptionalCallbacks<A, Provided, C, R, O, E, U>>
{
    async fn delete_sessions_for_user(&self, user_id: &str) -> Result<()> {
        (self.delete_sessions_for_user)(user_id.to_owned()).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A: Slot, B: Slot, R: Slot, O: Slot, E: Slot, U: Slot>
    DeleteExpiredSessions for CallbackStore<D, OptionalCallbacks<A, B, Provided, R, O, E, U>>
{
    async fn delete_all_expired_sessions(&self, now: OffsetDateTime) -> Result<()> {
        (self.delete_all_expired_sessions)(now).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A: Slot, B: Slot, C: Slot, O: Slot, E: Slot, U: Slot> RotateSessions
    for CallbackStore<D, OptionalCallbacks<A, B, C, Provided, O, E, U>>
{
    async fn rotate_session(
        &self,
        from: &SessionId,
        to: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> Result<Option<Session<D>>> {
        (self.rotate_session)(*from, *to, authenticated_at).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A: Slot, B: Slot, C: Slot, R: Slot, E: Slot, U: Slot>
    DeleteOtherUserSessions for CallbackStore<D, OptionalCallbacks<A, B, C, R, Provided, E, U>>
{
    async fn delete_other_sessions_for_user(&self, user_id: &str, keep: &SessionId) -> Result<()> {
        (self.delete_other_sessions_for_user)(user_id.to_owned(), *keep).await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A: Slot, B: Slot, C: Slot, R: Slot, O: Slot, U: Slot> DeleteAllSessions
    for CallbackStore<D, OptionalCallbacks<A, B, C, R, O, Provided, U>>
{
    async fn delete_all_sessions(&self) -> Result<()> {
        (self.delete_all_sessions)().await
    }
}

#[async_trait]
impl<D: SessionData + Clone, A: Slot, B: Slot, C: Slot, R: Slot, O: Slot, E: Slot> UpdateSessionData
    for CallbackStore<D, OptionalCallbacks<A, B, C, R, O, E, Provided>>
{
    async fn update_session_data(
        &self,
        session_id: &SessionId,
        expected_version: u64,
        data: &D,
    ) -> Result<DataUpdate> {
        (self.update_session_data)(*session_id, expected_version, data.clone()).await
    }
}
