//! The app under test and request helpers.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap, LOCATION};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use narvik::{ManualClock, Narvik, NarvikBuilder};
use narvik_actix::{
    CsrfMiddleware, CurrentSession, MaybeSession, NarvikMiddleware, RequireFresh, SessionManager,
    SessionRejection,
};
use time::macros::datetime;

/// The store of narvik-http's behaviour suite, which counts lookups and fails on
/// demand, and its data.
pub(crate) use narvik_http::testing::{SuiteData as AppData, SuiteStore as TestStore};

pub(crate) type Sessions = SessionManager<TestStore>;

pub(crate) const BLANK_COOKIE: &str =
    "narvik_session=; Max-Age=0; Path=/; SameSite=Lax; Secure; HttpOnly";
pub(crate) const COOKIE_ATTRIBUTES: &str =
    "; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly";
/// The expiry header of [`Harness::bearer`].
pub(crate) const EXPIRY_HEADER: &str = "narvik-session-expires";

/// The app's narvik, its store, its clock, and the middleware under test.
pub(crate) struct Harness {
    pub(crate) narvik: Narvik<TestStore>,
    pub(crate) store: TestStore,
    pub(crate) clock: ManualClock,
    middleware: NarvikMiddleware<TestStore>,
    csrf: Option<CsrfMiddleware>,
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
        Self {
            middleware: NarvikMiddleware::new(narvik.clone()),
            narvik,
            store,
            clock,
            csrf: None,
        }
    }

    /// Reads tokens from the cookie, then `Authorization: Bearer`, and tells
    /// header-authenticated clients their expiry in [`EXPIRY_HEADER`].
    pub(crate) fn bearer() -> Self {
        Self::new().middleware(|middleware| {
            middleware
                .token_source(narvik_actix::TokenSource::CookieOrBearer)
                .expiry_header(narvik_actix::http::HeaderName::from_static(EXPIRY_HEADER))
        })
    }

    /// This harness with its middleware changed by `change`.
    pub(crate) fn middleware(
        mut self,
        change: impl FnOnce(NarvikMiddleware<TestStore>) -> NarvikMiddleware<TestStore>,
    ) -> Self {
        self.middleware = change(self.middleware);
        self
    }

    /// This harness with `csrf` outside the session middleware.
    pub(crate) fn csrf(mut self, csrf: CsrfMiddleware) -> Self {
        self.csrf = Some(csrf);
        self
    }

    /// Sends `request` to the app.
    pub(crate) async fn send(&self, request: TestRequest) -> Answer {
        let app = App::new().configure(routes).wrap(self.middleware.clone());
        match &self.csrf {
            Some(csrf) => {
                let app = test::init_service(app.wrap(csrf.clone())).await;
                Answer::read(test::call_service(&app, request.to_request()).await).await
            }
            None => {
                let app = test::init_service(app).await;
                Answer::read(test::call_service(&app, request.to_request()).await).await
            }
        }
    }

    /// Signs in through the app; the token from the response's cookie.
    pub(crate) async fn sign_in(&self) -> String {
        let answer = self.send(post("/sign-in")).await;
        assert_eq!(answer.status, StatusCode::OK);
        let set_cookie = answer.single_set_cookie().expect("a session cookie");
        token_of(&set_cookie).expect("a session cookie").to_owned()
    }

    /// Signs in as an API client; the token from the response's body.
    pub(crate) async fn sign_in_bearer(&self) -> String {
        let answer = self.send(post("/api/sign-in")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.set_cookies, Vec::<String>::new());
        answer.body
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

/// What the app answered.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) body: String,
}

impl Answer {
    async fn read<B: MessageBody>(response: ServiceResponse<B>) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let set_cookies = headers
            .get_all(header::SET_COOKIE)
            .map(|value| value.to_str().expect("ASCII").to_owned())
            .collect();
        let bytes = test::read_body(response).await;
        Self {
            status,
            headers,
            set_cookies,
            body: String::from_utf8(bytes.to_vec()).expect("UTF-8"),
        }
    }

    /// The one `Set-Cookie` value; `None` without; panics with several.
    pub(crate) fn single_set_cookie(&self) -> Option<String> {
        assert!(
            self.set_cookies.len() <= 1,
            "several Set-Cookie headers: {:?}",
            self.set_cookies
        );
        self.set_cookies.first().cloned()
    }

    /// The value of header `name`, when present.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("ASCII"))
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

pub(crate) fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

/// A `POST` from the site's own origin.
pub(crate) fn post(uri: &str) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header((header::HOST, "example.com"))
        .insert_header((header::ORIGIN, "https://example.com"))
}

/// `request` with one `Cookie` header per entry of `cookies`.
pub(crate) fn with_cookies(mut request: TestRequest, cookies: &[&str]) -> TestRequest {
    for cookie in cookies {
        request = request.append_header((header::COOKIE, *cookie));
    }
    request
}

/// `request` with the session cookie carrying `token`.
pub(crate) fn with_token(request: TestRequest, token: &str) -> TestRequest {
    with_cookies(request, &[&format!("narvik_session={token}")])
}

/// `request` with `Authorization: Bearer <token>`.
pub(crate) fn with_bearer(request: TestRequest, token: &str) -> TestRequest {
    request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

/// The routes; each handler says what it saw in its body.
pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/sign-in", web::post().to(sign_in))
        .route("/api/sign-in", web::post().to(api_sign_in))
        .route("/sign-out", web::post().to(sign_out))
        .route("/reauthenticate", web::post().to(reauthenticate))
        .route("/rotate", web::post().to(rotate))
        .route("/sudo", web::get().to(sudo))
        .route("/me", web::get().to(me))
        .route("/maybe", web::get().to(maybe))
        .route("/everything", web::get().to(everything))
        .route("/custom", web::get().to(custom))
        .route("/cached", web::get().to(cached))
        .route("/public", web::get().to(|| async { "public" }))
        .route("/public", web::post().to(|| async { "public" }));
}

fn johnsmith() -> AppData {
    AppData {
        username: "johnsmith".into(),
    }
}

async fn sign_in(sessions: Sessions) -> Result<String, SessionRejection> {
    let session = sessions.start("user-1", johnsmith()).await?;
    assert!(session.is_new());
    Ok("signed in".to_owned())
}

/// The token in the body, for an API client.
async fn api_sign_in(sessions: Sessions) -> Result<String, SessionRejection> {
    let created = sessions.start_bearer("user-1", johnsmith()).await?;
    Ok(created.token.as_str().to_owned())
}

async fn sign_out(sessions: Sessions) -> Result<String, SessionRejection> {
    sessions.end().await?;
    Ok("signed out".to_owned())
}

/// The rotated session's id, or `none`; with a header-authenticated session the
/// new token follows, which the client must learn from the body.
async fn reauthenticate(sessions: Sessions) -> Result<String, SessionRejection> {
    let rotated = sessions.reauthenticate().await?;
    Ok(describe_rotation(&sessions, rotated.as_ref()))
}

async fn rotate(sessions: Sessions) -> Result<String, SessionRejection> {
    let rotated = sessions.rotate().await?;
    Ok(describe_rotation(&sessions, rotated.as_ref()))
}

fn describe_rotation(sessions: &Sessions, rotated: Option<&narvik::Session<AppData>>) -> String {
    match (rotated, sessions.issued_token()) {
        (Some(rotated), Some(token)) => format!("{} {}", rotated.id, token.as_str()),
        (None, _) => "none".to_owned(),
        (Some(_), None) => panic!("a rotation issued no token"),
    }
}

/// Five minutes of "sudo mode".
async fn sudo(session: RequireFresh<AppData, 300>) -> String {
    format!("fresh {}", session.user_id)
}

async fn me(session: CurrentSession<AppData>) -> String {
    format!("{} {}", session.user_id, session.username)
}

async fn maybe(MaybeSession(session): MaybeSession<AppData>) -> String {
    match session {
        Some(session) => format!("{} {}", session.user_id, session.username),
        None => "none".to_owned(),
    }
}

/// Every extractor at once: the store must still be asked once.
async fn everything(
    session: CurrentSession<AppData>,
    maybe: MaybeSession<AppData>,
    sessions: Sessions,
) -> Result<String, SessionRejection> {
    let from_manager = sessions.session()?.expect("the same session");
    assert_eq!(maybe.0.as_ref().map(|session| session.id), Some(session.id));
    assert_eq!(from_manager.id, session.id);
    Ok(format!("{} {}", session.user_id, session.username))
}

/// The rejection answered the app's own way: a redirect to the sign-in page.
async fn custom(session: Result<CurrentSession<AppData>, SessionRejection>) -> HttpResponse {
    match session {
        Ok(session) => HttpResponse::Ok().body(session.user_id.clone()),
        Err(SessionRejection::Unauthenticated) => HttpResponse::SeeOther()
            .insert_header((LOCATION, "/sign-in"))
            .finish(),
        Err(other) => actix_web::ResponseError::error_response(&other),
    }
}

/// A page that chose its own caching.
async fn cached(session: MaybeSession<AppData>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
        .body(if session.is_some() {
            "signed in"
        } else {
            "none"
        })
}
