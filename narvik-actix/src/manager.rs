//! [`SessionManager`]: start, rotate, update and end the request's session from a
//! handler.

use std::fmt;
use std::ops::Deref;

use narvik::{Narvik, SessionStore};
use narvik_http::{RequestSession, SessionHandle};

/// The handle to start, rotate, update and end the session of the current request;
/// an actix-web extractor.
///
/// Its methods are those of [`narvik_http::SessionHandle`], which it dereferences
/// to (the request logic `narvik-axum` shares): [`start`](SessionHandle::start)
/// (which ends the session the request presented first),
/// [`start_alongside`](SessionHandle::start_alongside),
/// [`start_bearer`](SessionHandle::start_bearer) for API clients (it returns the
/// token for the response body and sets no cookie), [`end`](SessionHandle::end),
/// [`reauthenticate`](SessionHandle::reauthenticate) and
/// [`rotate`](SessionHandle::rotate) (stores with
/// [`RotateSessions`](narvik::RotateSessions)),
/// [`update_data`](SessionHandle::update_data) and
/// [`modify_data`](SessionHandle::modify_data) (stores with
/// [`UpdateSessionData`](narvik::UpdateSessionData)). The
/// [`NarvikMiddleware`](crate::NarvikMiddleware) writes the cookie that follows.
/// Their errors convert into a [`SessionRejection`](crate::SessionRejection) with
/// `?`.
///
/// `S` is the middleware's store type; a type alias keeps handler signatures short:
/// `type Sessions = SessionManager<MemoryStore<AppData>>;`.
///
/// ```
/// use actix_web::web::Json;
/// use narvik::{MemoryStore, SessionData};
/// use narvik_actix::{SessionManager, SessionRejection};
///
/// #[derive(SessionData, Clone)]
/// struct AppData {
///     cart: Vec<u64>,
/// }
///
/// type Sessions = SessionManager<MemoryStore<AppData>>;
///
/// async fn add_to_cart(sessions: Sessions) -> Result<String, SessionRejection> {
///     // Another tab adding an item at the same time loses nothing.
///     let updated = sessions.modify_data(|data| data.cart.push(42)).await?;
///     Ok(match updated {
///         Some(session) => format!("{} items", session.cart.len()),
///         None => "sign in first".to_owned(),
///     })
/// }
///
/// /// An API client signs in: the token goes into the body, no cookie.
/// async fn api_sign_in(sessions: Sessions) -> Result<Json<String>, SessionRejection> {
///     let created = sessions.start_bearer("user-1", AppData { cart: Vec::new() }).await?;
///     Ok(Json(created.token.as_str().to_owned()))
/// }
/// # let _ = actix_web::App::new()
/// #     .route("/cart", actix_web::web::post().to(add_to_cart))
/// #     .route("/api/sign-in", actix_web::web::post().to(api_sign_in));
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
