//! The app under test, a store that counts and fails on demand, request helpers,
//! and the route the CSRF tests guard.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, Response, StatusCode};
use axum::routing::{any, get, post};
use axum::Router;
use narvik::{ManualClock, Narvik, NarvikBuilder};
use narvik_axum::{
    CsrfLayer, CurrentSession, NarvikLayer, NotFresh, RequireFresh, SessionManager,
    SessionRejection,
};
use narvik_http::testing::{SuiteData, SuiteStore};
use time::macros::datetime;
use tower::ServiceExt;

/// The session data: the adapter suite's (a username).
pub(crate) type AppData = SuiteData;

/// A `MemoryStore` that counts fetches and fails on demand: the adapter suite's.
pub(crate) type TestStore = SuiteStore;

pub(crate) type Sessions = SessionManager<TestStore>;

pub(crate) const BLANK_COOKIE: &str =
    "narvik_session=; Max-Age=0; Path=/; SameSite=Lax; Secure; HttpOnly";
pub(crate) const COOKIE_ATTRIBUTES: &str =
    "; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly";

/// The app, its narvik, its store and its clock.
pub(crate) struct Harness {
    pub(crate) app: Router,
    pub(crate) narvik: Narvik<TestStore>,
    pub(crate) store: TestStore,
    pub(crate) clock: ManualClock,
}

impl Harness {
    pub(crate) fn new() -> Self {
        Self::configured(|builder| builder)
    }

    /// The harness with settings of the test's own, set by `configure`.
    pub(crate) fn configured(
        configure: impl FnOnce(NarvikBuilder<TestStore>) -> NarvikBuilder<TestStore>,
    ) -> Self {
        let store = TestStore::default();
        let clock = ManualClock::new(datetime!(2026-01-01 0:00 UTC));
        let narvik = configure(Narvik::builder(store.clone()).clock(clock.clone()))
            .build()
            .expect("the test's settings are valid");
        let app = app().layer(NarvikLayer::new(narvik.clone()));
        Self {
            app,
            narvik,
            store,
            clock,
        }
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(request).await.expect("infallible")
    }

    /// `routes` of the test's own behind this harness's session layer, sent `request`.
    pub(crate) async fn send_to(&self, routes: Router, request: Request<Body>) -> Response<Body> {
        let app = routes.layer(NarvikLayer::new(self.narvik.clone()));
        app.oneshot(request).await.expect("infallible")
    }

    /// Signs in through the app; the token from the response's cookie.
    pub(crate) async fn sign_in(&self) -> String {
        let response = self.send(post_request("/sign-in")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let set_cookie = single_set_cookie(&response).expect("a session cookie");
        token_of(&set_cookie).expect("a session cookie").to_owned()
    }

    /// Whether `token` still validates, asked of narvik directly.
    pub(crate) async fn validates(&self, token: &str) -> bool {
        self.narvik
            .validate_session(token)
            .await
            .expect("the store works")
            .is_some()
    }
}

/// The token in a session `Set-Cookie` value; `None` for the blank cookie and
/// other cookies.
pub(crate) fn token_of(set_cookie: &str) -> Option<&str> {
    set_cookie
        .strip_prefix("narvik_session=")
        .and_then(|rest| rest.split(';').next())
        .filter(|token| !token.is_empty())
}

/// The `Max-Age` of a `Set-Cookie` value, in seconds.
pub(crate) fn max_age_of(set_cookie: &str) -> Option<i64> {
    set_cookie
        .split("; ")
        .find_map(|attribute| attribute.strip_prefix("Max-Age="))
        .and_then(|seconds| seconds.parse().ok())
}

/// The routes; each handler says what it saw in its body.
pub(crate) fn app() -> Router {
    Router::new()
        .route("/sign-in", post(sign_in))
        .route("/sign-in-alongside", post(sign_in_alongside))
        .route("/sign-out", post(sign_out))
        .route("/reauthenticate", post(reauthenticate))
        .route("/rotate", post(rotate))
        .route("/sudo", get(sudo))
        .route("/sudo-or-confirm", get(sudo_or_confirm))
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .route("/everything", get(everything))
        .route("/custom", get(custom))
        .route("/public", get(|| async { "public" }))
}

async fn sign_in(sessions: Sessions) -> Result<String, SessionRejection> {
    let session = sessions
        .start(
            "user-1",
            AppData {
                username: "johnsmith".into(),
            },
        )
        .await?;
    assert!(session.is_new());
    Ok("signed in".to_owned())
}

async fn sign_in_alongside(sessions: Sessions) -> Result<String, SessionRejection> {
    let data = AppData {
        username: "johnsmith".into(),
    };
    let session = sessions.start_alongside("user-1", data).await?;
    assert!(session.is_new());
    Ok("signed in".to_owned())
}

/// Says what the rotation returned and what the request's session is afterwards:
/// `<returned id> <current id> <authenticated_at as Unix seconds>`, or `none`.
async fn reauthenticate(sessions: Sessions) -> Result<String, SessionRejection> {
    let rotated = sessions.reauthenticate().await?;
    Ok(describe_rotation(&sessions, rotated.as_ref()))
}

async fn rotate(sessions: Sessions) -> Result<String, SessionRejection> {
    let rotated = sessions.rotate().await?;
    Ok(describe_rotation(&sessions, rotated.as_ref()))
}

fn describe_rotation(sessions: &Sessions, rotated: Option<&narvik::Session<AppData>>) -> String {
    let current = sessions.session().expect("validation did not fail");
    match (rotated, current) {
        (Some(rotated), Some(current)) => format!(
            "{} {} {}",
            rotated.id,
            current.id,
            rotated.authenticated_at.unix_timestamp()
        ),
        (None, None) => "none".to_owned(),
        (rotated, current) => panic!("returned {rotated:?}, but the request has {current:?}"),
    }
}

/// Five minutes of "sudo mode".
async fn sudo(session: RequireFresh<AppData, 300>) -> String {
    format!("fresh {}", session.username)
}

/// A stale session goes to the "confirm your password" page; the rest as usual.
async fn sudo_or_confirm(session: Result<RequireFresh<AppData, 300>, NotFresh>) -> Response<Body> {
    use axum::response::{IntoResponse, Redirect};
    match session {
        Ok(session) => format!("fresh {}", session.user_id).into_response(),
        Err(NotFresh::Stale {
            authenticated_at,
            max_age,
        }) => {
            let location = format!(
                "/confirm-password?since={}&max={}",
                authenticated_at.unix_timestamp(),
                max_age.whole_seconds()
            );
            Redirect::to(&location).into_response()
        }
        Err(other) => other.into_response(),
    }
}

async fn sign_out(sessions: Sessions) -> Result<&'static str, SessionRejection> {
    sessions.end().await?;
    Ok("signed out")
}

async fn me(session: CurrentSession<AppData>) -> String {
    format!("{} {}", session.user_id, session.username)
}

async fn maybe(session: Option<CurrentSession<AppData>>) -> String {
    match session {
        Some(session) => format!("some {}", session.user_id),
        None => "none".to_owned(),
    }
}

/// Every extractor at once, and the manager's view.
async fn everything(
    session: CurrentSession<AppData>,
    maybe: Option<CurrentSession<AppData>>,
    sessions: Sessions,
) -> String {
    let from_manager = sessions.session().ok().flatten();
    assert_eq!(Some(&session.0), maybe.as_ref().map(|session| &session.0));
    assert_eq!(Some(&session.0), from_manager.as_ref());
    format!("{:?} {:?}", session, sessions)
}

async fn custom(
    session: Result<CurrentSession<AppData>, SessionRejection>,
) -> (StatusCode, String) {
    match session {
        Ok(session) => (StatusCode::OK, session.username.clone()),
        Err(SessionRejection::Unauthenticated) => (StatusCode::SEE_OTHER, "sign in".to_owned()),
        Err(other) => (StatusCode::SERVICE_UNAVAILABLE, error_chain(&other)),
    }
}

/// Starts a session of a second user, `user-2` (`jane`), for a handler of a test's
/// own.
pub(crate) async fn start_second_user(sessions: &Sessions) {
    let data = AppData {
        username: "jane".into(),
    };
    sessions
        .start("user-2", data)
        .await
        .expect("the store works");
}

/// `error` and each of its sources, joined by `: `, as a chain printer writes them.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub(crate) fn get_request(uri: &str) -> Request<Body> {
    request_with(Method::GET, uri, &[])
}

pub(crate) fn post_request(uri: &str) -> Request<Body> {
    request_with(Method::POST, uri, &[])
}

/// `method uri` with these headers, in order (a name may come again), and no body.
pub(crate) fn request_with(method: Method, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).expect("a valid request")
}

/// One route, `/`, that says `done` to any method: what the CSRF tests guard.
pub(crate) fn done_route() -> Router {
    Router::new().route("/", any(|| async { "done" }))
}

/// `request` answered by [`done_route`] behind `csrf`.
pub(crate) async fn through_csrf(csrf: &CsrfLayer, request: Request<Body>) -> Response<Body> {
    let app = done_route().layer(csrf.clone());
    app.oneshot(request).await.expect("infallible")
}

/// `request` with one `Cookie` header per value.
pub(crate) fn with_cookies(mut request: Request<Body>, cookies: &[&str]) -> Request<Body> {
    for cookie in cookies {
        let value = header::HeaderValue::from_str(cookie).expect("a valid header value");
        request.headers_mut().append(header::COOKIE, value);
    }
    request
}

/// `request` with the session cookie carrying `token`.
pub(crate) fn with_token(request: Request<Body>, token: &str) -> Request<Body> {
    with_cookies(request, &[&format!("narvik_session={token}")])
}

/// Every `Set-Cookie` value of `headers`.
pub(crate) fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().expect("ASCII").to_owned())
        .collect()
}

/// The one `Set-Cookie` value of `response`; `None` without; panics with several.
pub(crate) fn single_set_cookie(response: &Response<Body>) -> Option<String> {
    let mut values = set_cookies(response.headers());
    assert!(values.len() <= 1, "several Set-Cookie headers: {values:?}");
    values.pop()
}

pub(crate) async fn body(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a readable body");
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}
