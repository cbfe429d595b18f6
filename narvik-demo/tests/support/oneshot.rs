//! The demo driven in-process with tower's `oneshot`: requests as the demo's own
//! pages send them, from a client address when a test needs one, and the answers
//! read whole.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::{self, HeaderMap};
use axum::http::{Request, StatusCode};
use axum::Router;
use narvik_demo::Config;
use tower::ServiceExt;

pub const HOST: &str = "demo.test";
pub const ORIGIN: &str = "http://demo.test";
pub const PASSWORD: &str = "correct horse battery";
/// The session cookie's name while the cookie is `Secure` (the default).
pub const COOKIE: &str = "__Host-narvik_session";
/// Its name without `Secure` (`--insecure-cookies`): browsers refuse a `__Host-`
/// cookie without it.
pub const INSECURE_COOKIE: &str = "narvik_session";

/// The demo over SQLite in memory.
pub async fn demo() -> Router {
    demo_with(Config::default()).await
}

/// The demo of `config`.
pub async fn demo_with(config: Config) -> Router {
    narvik_demo::app(config).await.expect("the demo starts")
}

/// A response's status, headers and body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The `name=value` of the session cookie the response sets, if it sets one.
    pub fn session_cookie(&self) -> Option<String> {
        let set_cookie = self.set_cookie()?;
        let pair = set_cookie.split(';').next()?.to_owned();
        pair.starts_with(&format!("{COOKIE}=")).then_some(pair)
    }

    /// The `Set-Cookie` header, if there is one.
    pub fn set_cookie(&self) -> Option<&str> {
        self.headers.get(header::SET_COOKIE)?.to_str().ok()
    }

    /// The `Location` header, if there is one.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION)?.to_str().ok()
    }

    /// The `Retry-After` header as whole seconds; panics without one.
    #[track_caller]
    pub fn retry_after_secs(&self) -> u64 {
        let value = self
            .headers
            .get(header::RETRY_AFTER)
            .unwrap_or_else(|| panic!("no Retry-After on a {}", self.status));
        value
            .to_str()
            .ok()
            .and_then(|secs| secs.parse().ok())
            .unwrap_or_else(|| panic!("Retry-After {value:?} is not whole seconds"))
    }

    /// Asserts the answer is an HTML page with `status` and no server error.
    #[track_caller]
    pub fn assert_page(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.body);
        let content_type = self.headers.get(header::CONTENT_TYPE).unwrap();
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert!(self.body.starts_with("<!DOCTYPE html>"), "{}", self.body);
    }
}

/// `request` answered by `app`, read whole.
pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// `GET path` from a browser, with the session cookie `cookie` if given.
pub fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path).header(header::HOST, HOST);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

/// A form `POST` from the demo's own pages.
pub fn post(path: &str, form: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, "curl/8.5.0");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(form.to_owned())).unwrap()
}

/// `request` as if it came over a connection from `client` (`IP:PORT`), as
/// `axum::serve` with connect info tells the app.
pub fn from_client(mut request: Request<Body>, client: &str) -> Request<Body> {
    let client: SocketAddr = client.parse().expect("a client IP:PORT");
    request.extensions_mut().insert(ConnectInfo(client));
    request
}

/// The form fields of `username` and `password`.
pub fn credentials(username: &str, password: &str) -> String {
    format!(
        "username={username}&password={}",
        password.replace(' ', "+")
    )
}

/// The answer to the form of `path` (`/sign-up` or `/sign-in`) with `username` and
/// `password`, sent without a cookie.
pub async fn post_credentials(app: &Router, path: &str, username: &str, password: &str) -> Answer {
    send(app, post(path, &credentials(username, password), None)).await
}

/// Signs `username` up; the session cookie's `name=value`.
pub async fn signed_up(app: &Router, username: &str) -> String {
    session_cookie_from(app, "/sign-up", username).await
}

/// Signs `username` in; the session cookie's `name=value`.
pub async fn signed_in(app: &Router, username: &str) -> String {
    session_cookie_from(app, "/sign-in", username).await
}

/// Posts the form of `path` with `username` and [`PASSWORD`], checks it went to
/// the account page, and returns the session cookie's `name=value`.
async fn session_cookie_from(app: &Router, path: &str, username: &str) -> String {
    let answer = post_credentials(app, path, username, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    answer.session_cookie().expect("a session cookie")
}
