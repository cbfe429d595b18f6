//! The behaviour suite of narvik's web adapters: one set of cases, written once
//! against plain `http` requests and responses, that each adapter runs through a
//! harness of its own ([`AdapterHarness`]) with [`adapter_suite!`](crate::adapter_suite).
//! What the request logic promises (cookies and their tossing, bearer tokens,
//! outages, CSRF) is then proved of every adapter alike.
//!
//! A harness serves [`SuiteStore`] sessions behind the adapter's session
//! middleware, configured with [`TokenSource::CookieOrBearer`](crate::TokenSource)
//! and the [`EXPIRY_HEADER`], and the adapter's CSRF guard (with
//! [`CsrfPolicy::new().site_scheme(Scheme::HTTP)`](crate::CsrfPolicy)) over every
//! route, which are:
//!
//! | route | handler | answer |
//! | --- | --- | --- |
//! | `GET /me` | the required session extractor | `200` `"{user_id} {username}"`, or the rejection (`401`, `503`) |
//! | `GET /maybe` | the optional session extractor | `200` `"{user_id} {username}"` or `"none"`, `503` |
//! | `GET /public` | no extractor | `200` `"public"` |
//! | `POST /sign-in` | `start("user-1", SuiteData { username: "johnsmith" })` | `200` `"signed in"`, or the rejection of its error |
//! | `POST /api/sign-in` | `start_bearer` with the same | `200`, the token as the body |
//! | `POST /rotate` | `rotate()` | `200`, the body [`issued_token`](crate::SessionHandle::issued_token) or `"none"` |
//! | `POST /sign-out` | `end()` | `204`, or the rejection of its error |
//!
//! Rejections answer as `narvik-axum`'s `SessionRejection::status` says: `401`
//! without a session, `503` when the store failed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use http::header::{AUTHORIZATION, CACHE_CONTROL, COOKIE, SET_COOKIE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use narvik::time::{Date, Duration, Month, OffsetDateTime};
use narvik::{
    async_trait, Clock, DataUpdate, Error, LimitUserSessions, ManualClock, MemoryStore, Narvik,
    RotateSessions, SessionData, SessionId, SessionLimit, SessionStore, UpdateSessionData,
};

/// The header the suite's harnesses tell header-authenticated clients their
/// session's expiry in.
pub const EXPIRY_HEADER: &str = "narvik-session-expires";

/// The session data of the suite's app.
#[derive(SessionData, Clone, Debug, PartialEq)]
pub struct SuiteData {
    /// Shown by `GET /me`.
    pub username: String,
}

/// The user the suite's sign-in routes sign in.
pub const SUITE_USER_ID: &str = "user-1";

/// The data the suite's sign-in routes give the session.
pub fn suite_data() -> SuiteData {
    SuiteData {
        username: "johnsmith".to_owned(),
    }
}

/// What `GET /me` and `GET /maybe` answer for `session`: `"{user_id} {username}"`;
/// `GET /maybe` answers `"none"` without a session.
pub fn shown_user(session: &narvik::Session<SuiteData>) -> String {
    format!("{} {}", session.user_id, session.data.username)
}

/// A [`MemoryStore`] that counts lookups and fails every operation on demand, or
/// only the saving of new sessions (sign-ins).
#[derive(Clone, Default)]
pub struct SuiteStore {
    sessions: MemoryStore<SuiteData>,
    fetches: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
    failing_saves: Arc<AtomicBool>,
}

impl SuiteStore {
    /// How many sessions were looked up.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Makes every operation fail (`true`) or work again.
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Makes saving new sessions (sign-ins) fail (`true`) or work again; the rest
    /// works.
    pub fn fail_saves(&self, failing: bool) {
        self.failing_saves.store(failing, Ordering::SeqCst);
    }

    /// How many sessions are stored.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self) -> narvik::Result<()> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(Error::store("connection refused"));
        }
        Ok(())
    }

    fn check_save(&self) -> narvik::Result<()> {
        self.check()?;
        if self.failing_saves.load(Ordering::SeqCst) {
            return Err(Error::store("disk full"));
        }
        Ok(())
    }
}

#[async_trait]
impl SessionStore for SuiteStore {
    type Data = SuiteData;

    async fn save_session(&self, session: &mut narvik::Session<SuiteData>) -> narvik::Result<()> {
        self.check_save()?;
        self.sessions.save_session(session).await
    }

    async fn fetch_session(
        &self,
        session_id: &SessionId,
    ) -> narvik::Result<Option<narvik::Session<SuiteData>>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.sessions.fetch_session(session_id).await
    }

    async fn update_session_expiry(
        &self,
        session_id: &SessionId,
        expires_at: OffsetDateTime,
    ) -> narvik::Result<()> {
        self.check()?;
        self.sessions
            .update_session_expiry(session_id, expires_at)
            .await
    }

    async fn delete_session(&self, session_id: &SessionId) -> narvik::Result<()> {
        self.check()?;
        self.sessions.delete_session(session_id).await
    }
}

#[async_trait]
impl RotateSessions for SuiteStore {
    async fn rotate_session(
        &self,
        from: &SessionId,
        to: &SessionId,
        authenticated_at: Option<OffsetDateTime>,
    ) -> narvik::Result<Option<narvik::Session<SuiteData>>> {
        self.check()?;
        self.sessions
            .rotate_session(from, to, authenticated_at)
            .await
    }
}

#[async_trait]
impl LimitUserSessions for SuiteStore {
    async fn save_session_limited(
        &self,
        session: &mut narvik::Session<SuiteData>,
        limit: SessionLimit,
    ) -> narvik::Result<bool> {
        self.check_save()?;
        self.sessions.save_session_limited(session, limit).await
    }
}

#[async_trait]
impl UpdateSessionData for SuiteStore {
    async fn update_session_data(
        &self,
        session_id: &SessionId,
        expected_version: u64,
        data: &SuiteData,
    ) -> narvik::Result<DataUpdate> {
        self.check()?;
        self.sessions
            .update_session_data(session_id, expected_version, data)
            .await
    }
}

/// An adapter's app, as the suite drives it: the routes of the [module
/// docs](self) behind the adapter's session middleware and CSRF guard.
pub trait AdapterHarness: Sized {
    /// The app over `narvik`.
    fn serve(narvik: Narvik<SuiteStore>) -> impl Future<Output = Self>;

    /// Sends `request` to the app; its response, the body read whole.
    fn send(&self, request: Request<String>) -> impl Future<Output = Response<String>>;
}

/// The app under test, its store and its clock.
struct Suite<H> {
    app: H,
    store: SuiteStore,
    clock: ManualClock,
}

impl<H: AdapterHarness> Suite<H> {
    async fn new() -> Self {
        let store = SuiteStore::default();
        let start = Date::from_calendar_date(2026, Month::January, 1)
            .unwrap_or_else(|error| panic!("a valid date: {error}"));
        let clock = ManualClock::new(start.midnight().assume_utc());
        let narvik = Narvik::builder(store.clone())
            .clock(clock.clone())
            .build()
            .unwrap_or_else(|error| panic!("the suite's settings are valid: {error}"));
        let app = H::serve(narvik).await;
        Self { app, store, clock }
    }

    /// Signs in by cookie; the token.
    async fn sign_in(&self) -> String {
        let response = self.app.send(request(Method::POST, "/sign-in")).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
        let set_cookie =
            single_set_cookie(&response).unwrap_or_else(|| panic!("a sign-in sets the cookie"));
        token_of(&set_cookie)
            .unwrap_or_else(|| panic!("a token in {set_cookie}"))
            .to_owned()
    }

    /// Signs in as an API client; the token from the body.
    async fn sign_in_bearer(&self) -> (String, Response<String>) {
        let response = self.app.send(request(Method::POST, "/api/sign-in")).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
        (response.body().clone(), response)
    }
}

const COOKIE_NAME: &str = "narvik_session";
/// Well formed (32 characters of `a-z2-7`), but no session has them.
const UNKNOWN_TOKEN: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BLANK_COOKIE: &str = "narvik_session=; Max-Age=0; Path=/; SameSite=Lax; Secure; HttpOnly";

/// A request the site's own page made (`Sec-Fetch-Site: same-origin`, which the
/// CSRF guard lets pass).
fn request(method: Method, uri: &str) -> Request<String> {
    let mut request = Request::new(String::new());
    *request.method_mut() = method;
    *request.uri_mut() = uri.parse().unwrap_or_else(|_| panic!("a valid URI: {uri}"));
    request
        .headers_mut()
        .insert("host", HeaderValue::from_static("example.com"));
    request
        .headers_mut()
        .insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
    request
}

fn with_header(mut request: Request<String>, name: &'static str, value: &str) -> Request<String> {
    let value = HeaderValue::from_str(value).unwrap_or_else(|_| panic!("a header value: {value}"));
    request.headers_mut().append(name, value);
    request
}

fn with_cookie(request: Request<String>, token: &str) -> Request<String> {
    with_header(request, "cookie", &format!("{COOKIE_NAME}={token}"))
}

fn with_bearer(request: Request<String>, token: &str) -> Request<String> {
    with_header(request, "authorization", &format!("Bearer {token}"))
}

fn cross_site(mut request: Request<String>) -> Request<String> {
    let headers = request.headers_mut();
    headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    headers.insert("origin", HeaderValue::from_static("https://evil.example"));
    request
}

fn set_cookies(response: &Response<String>) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect()
}

fn single_set_cookie(response: &Response<String>) -> Option<String> {
    let mut values = set_cookies(response);
    assert!(values.len() <= 1, "several Set-Cookie headers: {values:?}");
    values.pop()
}

fn token_of(set_cookie: &str) -> Option<&str> {
    set_cookie
        .strip_prefix("narvik_session=")
        .and_then(|rest| rest.split(';').next())
        .filter(|token| !token.is_empty())
}

fn header_of<'r>(response: &'r Response<String>, name: &str) -> Option<&'r str> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// The cookie a sign-in sets validates, answers the handler with the session, and
/// sends no cookie back until the session is extended; then it is set again.
pub async fn a_cookie_session_validates_and_is_renewed<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let token = suite.sign_in().await;
    let response = suite
        .app
        .send(with_cookie(request(Method::GET, "/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "user-1 johnsmith");
    assert_eq!(set_cookies(&response), Vec::<String>::new());

    // Past half its 30 days, validation extends the session: the cookie again.
    suite.clock.advance(Duration::days(16));
    let response = suite
        .app
        .send(with_cookie(request(Method::GET, "/maybe"), &token))
        .await;
    assert_eq!(response.body(), "user-1 johnsmith");
    let set_cookie = single_set_cookie(&response).unwrap_or_default();
    assert_eq!(token_of(&set_cookie), Some(token.as_str()), "{set_cookie}");
    assert_eq!(
        header_of(&response, CACHE_CONTROL.as_str()),
        Some("no-store")
    );
}

/// An unknown token is a `401` (or `None`) and gets the blank cookie; a request
/// without a cookie gets neither a session nor a cookie, and costs no lookup.
pub async fn an_unknown_cookie_gets_the_blank_cookie<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let response = suite
        .app
        .send(with_cookie(request(Method::GET, "/me"), UNKNOWN_TOKEN))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));

    let fetches = suite.store.fetches();
    let response = suite.app.send(request(Method::GET, "/maybe")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "none");
    assert_eq!(set_cookies(&response), Vec::<String>::new());
    let response = suite
        .app
        .send(with_cookie(request(Method::GET, "/me"), "not a token"))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        suite.store.fetches(),
        fetches,
        "no lookup without a well-formed token"
    );
}

/// A store failure is a `503` without a cookie (an outage is not a sign-out), on
/// both extractors; once the store is back, the same cookie works.
pub async fn a_store_failure_is_a_503_and_no_sign_out<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let token = suite.sign_in().await;
    suite.store.fail(true);
    for uri in ["/me", "/maybe"] {
        let response = suite
            .app
            .send(with_cookie(request(Method::GET, uri), &token))
            .await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(set_cookies(&response), Vec::<String>::new(), "{uri}");
    }
    let response = suite
        .app
        .send(with_cookie(request(Method::GET, "/public"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = suite
        .app
        .send(with_cookie(request(Method::POST, "/sign-out"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(set_cookies(&response), Vec::<String>::new());

    suite.store.fail(false);
    let response = suite
        .app
        .send(with_cookie(request(Method::GET, "/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Cookie tossing: with a tossed cookie first, the user's own session is found,
/// and no cookie is written of the middleware's accord; with no valid one, no
/// blank cookie either (it could delete the user's real cookie).
pub async fn tossed_cookies_neither_hide_nor_clear_the_session<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let token = suite.sign_in().await;
    suite.clock.advance(Duration::days(16));
    let request_with_both = with_header(
        request(Method::GET, "/me"),
        COOKIE.as_str(),
        &format!("{COOKIE_NAME}={UNKNOWN_TOKEN}; {COOKIE_NAME}={token}"),
    );
    let response = suite.app.send(request_with_both).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "user-1 johnsmith");
    assert_eq!(
        set_cookies(&response),
        Vec::<String>::new(),
        "extended, yet not written"
    );

    let only_unknown = with_header(
        request(Method::GET, "/me"),
        COOKIE.as_str(),
        &format!("{COOKIE_NAME}={UNKNOWN_TOKEN}; {COOKIE_NAME}=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
    );
    let response = suite.app.send(only_unknown).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        set_cookies(&response),
        Vec::<String>::new(),
        "no blank cookie"
    );
}

/// Signing out deletes the session and sends the blank cookie; the token is dead.
pub async fn signing_out_ends_the_cookie_session<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let token = suite.sign_in().await;
    let response = suite
        .app
        .send(with_cookie(request(Method::POST, "/sign-out"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    assert!(suite.store.is_empty());
    let response = suite
        .app
        .send(with_cookie(request(Method::GET, "/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// An API client signs in without a cookie: the token is in the body, the expiry
/// in the expiry header; with `Authorization: Bearer` it validates, and no
/// response to it ever sets a cookie, not even when the session is extended
/// (then the expiry header tells the new expiry).
pub async fn a_bearer_token_validates_without_cookies<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let (token, response) = suite.sign_in_bearer().await;
    assert_eq!(set_cookies(&response), Vec::<String>::new());
    let expires = (suite.clock.now() + Duration::days(30))
        .unix_timestamp()
        .to_string();
    assert_eq!(header_of(&response, EXPIRY_HEADER), Some(expires.as_str()));
    assert_eq!(
        header_of(&response, CACHE_CONTROL.as_str()),
        Some("no-store")
    );

    let response = suite
        .app
        .send(with_bearer(request(Method::GET, "/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "user-1 johnsmith");
    assert_eq!(set_cookies(&response), Vec::<String>::new());
    assert_eq!(header_of(&response, EXPIRY_HEADER), None, "not extended");

    suite.clock.advance(Duration::days(16));
    let response = suite
        .app
        .send(with_bearer(request(Method::GET, "/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_cookies(&response), Vec::<String>::new());
    let expires = (suite.clock.now() + Duration::days(30))
        .unix_timestamp()
        .to_string();
    assert_eq!(header_of(&response, EXPIRY_HEADER), Some(expires.as_str()));
}

/// A bearer sign-out ends the session without a blank cookie; the header token is
/// refused afterwards. A malformed `Authorization` header is a `401` that costs no
/// lookup and sends no cookie.
pub async fn a_bearer_sign_out_refuses_the_token<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let (token, _) = suite.sign_in_bearer().await;
    let response = suite
        .app
        .send(with_bearer(request(Method::POST, "/sign-out"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(set_cookies(&response), Vec::<String>::new());
    let response = suite
        .app
        .send(with_bearer(request(Method::GET, "/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(set_cookies(&response), Vec::<String>::new());

    let fetches = suite.store.fetches();
    for malformed in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-token"] {
        let request = with_header(
            request(Method::GET, "/me"),
            AUTHORIZATION.as_str(),
            malformed,
        );
        let response = suite.app.send(request).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{malformed}");
        assert_eq!(set_cookies(&response), Vec::<String>::new(), "{malformed}");
    }
    assert_eq!(
        suite.store.fetches(),
        fetches,
        "no lookup for a malformed header"
    );
}

/// Rotating a header-authenticated session hands the new token over in the body,
/// never in a cookie; the old token is dead, the new one works.
pub async fn a_bearer_rotation_hands_over_the_new_token<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let (token, _) = suite.sign_in_bearer().await;
    let response = suite
        .app
        .send(with_bearer(request(Method::POST, "/rotate"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_cookies(&response), Vec::<String>::new());
    let rotated = response.body().clone();
    assert_ne!(rotated, token);
    let response = suite
        .app
        .send(with_bearer(request(Method::GET, "/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = suite
        .app
        .send(with_bearer(request(Method::GET, "/me"), &rotated))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// The cookie comes first: with a valid cookie and a header, the cookie's session
/// is the request's (and its CSRF rules apply).
pub async fn the_cookie_comes_before_the_header<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let cookie_token = suite.sign_in().await;
    let (bearer_token, _) = suite.sign_in_bearer().await;
    suite.clock.advance(Duration::days(16));
    let both = with_bearer(
        with_cookie(request(Method::GET, "/me"), &cookie_token),
        &bearer_token,
    );
    let response = suite.app.send(both).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).unwrap_or_default();
    assert_eq!(
        token_of(&set_cookie),
        Some(cookie_token.as_str()),
        "the cookie's session, renewed"
    );
    assert_eq!(header_of(&response, EXPIRY_HEADER), None);
}

/// CSRF: a cross-site `POST` that carries the session cookie is refused (and signs
/// no one out); the same `POST` from an API client with only a bearer header, no
/// cookie, passes: no cookie, no CSRF.
pub async fn csrf_guards_cookie_requests_only<H: AdapterHarness>() {
    let suite = Suite::<H>::new().await;
    let token = suite.sign_in().await;
    let response = suite
        .app
        .send(cross_site(with_cookie(
            request(Method::POST, "/sign-out"),
            &token,
        )))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(suite.store.len(), 1, "not signed out");

    // A header beside the cookie does not lift the check.
    let (bearer, _) = suite.sign_in_bearer().await;
    let both = cross_site(with_bearer(
        with_cookie(request(Method::POST, "/sign-out"), &token),
        &bearer,
    ));
    let response = suite.app.send(both).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response = suite
        .app
        .send(cross_site(with_bearer(
            request(Method::POST, "/sign-out"),
            &bearer,
        )))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(suite.store.len(), 1, "only the bearer session ended");

    // A cross-site sign-in form (no cookie, no header) stays refused.
    let response = suite
        .app
        .send(cross_site(request(Method::POST, "/sign-in")))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

/// Runs every case of the [adapter suite](crate::testing) against harness `$harness`
/// (an [`AdapterHarness`](crate::testing::AdapterHarness)), each as a test with the
/// test attribute given (`#[tokio::test]`, `#[actix_web::test]`).
#[macro_export]
macro_rules! adapter_suite {
    ($harness:ty, #[$test:meta]) => {
        $crate::adapter_suite!(@cases $harness, #[$test],
            a_cookie_session_validates_and_is_renewed,
            an_unknown_cookie_gets_the_blank_cookie,
            a_store_failure_is_a_503_and_no_sign_out,
            tossed_cookies_neither_hide_nor_clear_the_session,
            signing_out_ends_the_cookie_session,
            a_bearer_token_validates_without_cookies,
            a_bearer_sign_out_refuses_the_token,
            a_bearer_rotation_hands_over_the_new_token,
            the_cookie_comes_before_the_header,
            csrf_guards_cookie_requests_only,
        );
    };
    (@cases $harness:ty, #[$test:meta], $($case:ident,)*) => {
        $(
            #[$test]
            async fn $case() {
                $crate::testing::$case::<$harness>().await;
            }
        )*
    };
}
