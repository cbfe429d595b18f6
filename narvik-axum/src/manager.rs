//! [`SessionManager`]: start, rotate, update and end the request's session from a
//! handler.

use std::fmt;
use std::ops::Deref;

use narvik::{Narvik, SessionStore};
use narvik_http::{RequestSession, SessionHandle};

/// The handle to start, rotate, update and end the session of the current request.
///
/// An axum extractor; with plain `tower`, take it from the request's extensions
/// (`request.extensions().get::<SessionManager<S>>()`), where
/// [`NarvikLayer`](crate::NarvikLayer) puts it. Its methods are those of
/// [`narvik_http::SessionHandle`], which it dereferences to (the request logic
/// `narvik-actix` shares): [`start`](SessionHandle::start) (which ends the session
/// the request presented first), [`start_alongside`](SessionHandle::start_alongside),
/// [`start_bearer`](SessionHandle::start_bearer) for API clients,
/// [`end`](SessionHandle::end), [`reauthenticate`](SessionHandle::reauthenticate)
/// and [`rotate`](SessionHandle::rotate) (stores with
/// [`RotateSessions`](narvik::RotateSessions)),
/// [`update_data`](SessionHandle::update_data) and
/// [`modify_data`](SessionHandle::modify_data) (stores with
/// [`UpdateSessionData`](narvik::UpdateSessionData)). The layer writes the cookie
/// that follows. Their errors convert into a [`SessionRejection`](crate::SessionRejection)
/// with `?`.
///
/// `S` is the layer's store type; a type alias keeps handler signatures short:
/// `type Sessions = SessionManager<MemoryStore<AppData>>;`.
///
/// ```
/// use narvik::{MemoryStore, SessionData};
/// use narvik_axum::{SessionManager, SessionRejection};
///
/// #[derive(SessionData, Clone)]
/// struct AppData {
///     theme: String,
///     cart: Vec<u64>,
/// }
///
/// type Sessions = SessionManager<MemoryStore<AppData>>;
///
/// async fn choose_dark_theme(sessions: Sessions) -> Result<&'static str, SessionRejection> {
///     let Some(session) = sessions.session()? else {
///         return Ok("sign in first");
///     };
///     let mut data = session.data;
///     data.theme = "dark".to_owned();
///     // `Err(narvik::Error::Conflict)` (a 409 as a rejection) when another
///     // request changed the data since this one read it.
///     match sessions.update_data(data).await? {
///         Some(_updated) => Ok("dark it is"),
///         None => Ok("signed out meanwhile"),
///     }
/// }
///
/// async fn add_to_cart(sessions: Sessions) -> Result<String, SessionRejection> {
///     // Another tab adding an item at the same time loses nothing.
///     let updated = sessions.modify_data(|data| data.cart.push(42)).await?;
///     Ok(match updated {
///         Some(session) => format!("{} items", session.cart.len()),
///         None => "sign in first".to_owned(),
///     })
/// }
/// # let _: axum::Router = axum::Router::new()
/// #     .route("/theme", axum::routing::post(choose_dark_theme))
/// #     .route("/cart", axum::routing::post(add_to_cart));
/// ```
pub struct SessionManager<S: SessionStore>(SessionHandle<S>);

impl<S: SessionStore> SessionManager<S> {
    pub(crate) fn new(narvik: Narvik<S>, request: RequestSession<S::Data>) -> Self {
        Self(SessionHandle::new(narvik, request))
    }

    /// The framework-free handle this manager wraps.
    pub fn into_handle(self) -> SessionHandle<S> {
        self.0
    }
}

impl<S: SessionStore> Deref for SessionManager<S> {
    type Target = SessionHandle<S>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<S: SessionStore> Clone for SessionManager<S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// Prints the settings and the state of the request's session, never its token.
impl<S: SessionStore> fmt::Debug for SessionManager<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SessionManager").field(&self.0).finish()
    }
}
