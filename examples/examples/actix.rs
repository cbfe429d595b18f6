//! An actix-web app with narvik-actix: browsers sign in with a form and get the
//! session cookie; API clients sign in with JSON and get a bearer token, which
//! they send in `Authorization: Bearer` to the JSON API.
//!
//! Run with `cargo run --example actix`, then open <http://127.0.0.1:3000> (sign
//! in as `johnsmith`, password `correct horse`), or, from a shell:
//!
//! ```text
//! token=$(curl -s -X POST -H 'content-type: application/json' \
//!   -d '{"username":"johnsmith","password":"correct horse"}' \
//!   http://127.0.0.1:3000/api/sign-in | sed 's/.*"token":"\([^"]*\)".*/\1/')
//! curl -H "authorization: Bearer $token" http://127.0.0.1:3000/api/me
//! curl -X POST -H "authorization: Bearer $token" http://127.0.0.1:3000/api/sign-out
//! ```
//!
//! `cargo test -p narvik-examples --example actix` serves it on a free port and
//! drives it over HTTP.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::header::{ContentType, LOCATION};
use actix_web::{web, App, HttpResponse, HttpServer};
use narvik::{MemoryStore, Narvik, SessionData};
use narvik_actix::http::uri::Scheme;
use narvik_actix::http::HeaderName;
use narvik_actix::{
    CsrfMiddleware, CurrentSession, MaybeSession, NarvikMiddleware, SessionManager,
    SessionRejection, TokenSource,
};
use serde::{Deserialize, Serialize};

/// What the app keeps in each session beside the user id.
#[derive(SessionData, Clone, Debug)]
struct AppData {
    username: String,
}

type Store = MemoryStore<AppData>;
type Sessions = SessionManager<Store>;

/// The response header that tells an API client its session's new expiry.
const EXPIRY_HEADER: &str = "narvik-session-expires";

/// The sign-in form, and the API's sign-in body.
#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// The user id of `credentials`, when they are right.
fn check(credentials: &Credentials) -> Option<&'static str> {
    // One user, for the example; a real app checks a password hash (argon2id, as
    // narvik-demo does) against its user table.
    (credentials.username == "johnsmith" && credentials.password == "correct horse")
        .then_some("user-1")
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(format!(
            "<!doctype html><title>narvik on actix-web</title>{body}"
        ))
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(MaybeSession(session): MaybeSession<AppData>) -> HttpResponse {
    match session {
        Some(session) => html(format!(
            "<p>Signed in as {}. <a href=\"/account\">Your account</a></p>",
            escape(&session.username)
        )),
        None => html(
            "<form method=\"post\" action=\"/sign-in\">\
             <label>Username <input name=\"username\"></label>\
             <label>Password <input name=\"password\" type=\"password\"></label>\
             <button>Sign in</button></form>"
                .to_owned(),
        ),
    }
}

async fn sign_in(
    sessions: Sessions,
    form: web::Form<Credentials>,
) -> Result<HttpResponse, SessionRejection> {
    let Some(user_id) = check(&form) else {
        return Ok(HttpResponse::Unauthorized().body("wrong username or password"));
    };
    let data = AppData {
        username: form.username.clone(),
    };
    // Ends the session the browser presented, if any: a new token for every
    // sign-in. The middleware sets the cookie.
    sessions.start(user_id, data).await?;
    Ok(redirect("/account"))
}

/// Without a session: a redirect to the sign-in form; with the store down: 503.
async fn account(
    session: Result<CurrentSession<AppData>, SessionRejection>,
) -> Result<HttpResponse, SessionRejection> {
    let session = match session {
        Ok(session) => session,
        Err(SessionRejection::Unauthenticated) => return Ok(redirect("/")),
        Err(other) => return Err(other),
    };
    Ok(html(format!(
        "<p>{} (user {}), signed in at {}, session until {}.</p>\
         <form method=\"post\" action=\"/sign-out\"><button>Sign out</button></form>",
        escape(&session.username),
        escape(&session.user_id),
        session.issued_at,
        session.expires_at,
    )))
}

async fn sign_out(sessions: Sessions) -> Result<HttpResponse, SessionRejection> {
    // Deletes the session; the middleware sends the blank cookie.
    sessions.end().await?;
    Ok(redirect("/"))
}

/// The API's answer to a sign-in: the token, which the client keeps.
#[derive(Serialize)]
struct SignedIn {
    token: String,
    /// Unix seconds; the expiry header tells later extensions.
    expires_at: i64,
}

async fn api_sign_in(
    sessions: Sessions,
    credentials: web::Json<Credentials>,
) -> Result<HttpResponse, SessionRejection> {
    let Some(user_id) = check(&credentials) else {
        return Ok(HttpResponse::Unauthorized().json(Error {
            error: "wrong username or password",
        }));
    };
    let data = AppData {
        username: credentials.username.clone(),
    };
    // No cookie: the token goes into the body.
    let created = sessions.start_bearer(user_id, data).await?;
    Ok(HttpResponse::Ok().json(SignedIn {
        token: created.token.as_str().to_owned(),
        expires_at: created.session.expires_at.unix_timestamp(),
    }))
}

#[derive(Serialize)]
struct Error {
    error: &'static str,
}

#[derive(Serialize)]
struct Me {
    user_id: String,
    username: String,
    expires_at: i64,
}

/// `401` without a valid token, `503` when the store is down.
async fn api_me(session: CurrentSession<AppData>) -> web::Json<Me> {
    web::Json(Me {
        user_id: session.user_id.clone(),
        username: session.username.clone(),
        expires_at: session.expires_at.unix_timestamp(),
    })
}

async fn api_sign_out(sessions: Sessions) -> Result<HttpResponse, SessionRejection> {
    // The token is dead from now on, on every app server sharing the store.
    sessions.end().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The app, served on `listener` by one worker.
///
/// Two scopes, two middleware configurations: the JSON API reads tokens only from
/// `Authorization: Bearer`, so it needs no CSRF guard (a page can make a browser
/// send its cookies to another site, never a token in a header); the pages read
/// only the cookie, behind the guard.
fn serve(listener: TcpListener) -> std::io::Result<Server> {
    let narvik = Narvik::new(Store::new());
    let server = HttpServer::new(move || {
        let api = web::scope("/api")
            .route("/sign-in", web::post().to(api_sign_in))
            .route("/me", web::get().to(api_me))
            .route("/sign-out", web::post().to(api_sign_out))
            .wrap(
                NarvikMiddleware::new(narvik.clone())
                    .token_source(TokenSource::Bearer)
                    .expiry_header(HeaderName::from_static(EXPIRY_HEADER)),
            );
        let pages = web::scope("")
            .route("/", web::get().to(home))
            .route("/sign-in", web::post().to(sign_in))
            .route("/account", web::get().to(account))
            .route("/sign-out", web::post().to(sign_out))
            .wrap(NarvikMiddleware::new(narvik.clone()))
            // Runs first: a cross-site form never reaches the store. Plain HTTP
            // here; keep the default (`https`) in production.
            .wrap(CsrfMiddleware::new().site_scheme(Scheme::HTTP));
        App::new().service(api).service(pages)
    });
    Ok(server.workers(1).listen(listener)?.run())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:3000")?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener)?.await
}

#[cfg(test)]
mod tests {
    //! The example over real HTTP: a server on a free port, and a client that
    //! writes HTTP/1.1 by hand.

    // A failed expectation is how a test reports the failure.
    #![allow(clippy::expect_used)]

    use std::net::{SocketAddr, TcpListener};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::{serve, EXPIRY_HEADER};

    /// A response: its status, headers (names in lower case) and body.
    struct Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    }

    impl Response {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(header, _)| header == name)
                .map(|(_, value)| value.as_str())
        }
    }

    /// Sends one request on a new connection, within five seconds.
    async fn send(address: SocketAddr, head: &str, body: &str) -> Response {
        let exchange = async {
            let mut stream = TcpStream::connect(address)
                .await
                .expect("the server listens");
            let request = format!(
                "{head}\r\nhost: {address}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(request.as_bytes()).await.expect("sent");
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await.expect("received");
            response
        };
        let response = tokio::time::timeout(Duration::from_secs(5), exchange)
            .await
            .expect("the server answers within 5 s");
        parse(&String::from_utf8(response).expect("UTF-8"))
    }

    fn parse(response: &str) -> Response {
        let (head, body) = response.split_once("\r\n\r\n").expect("a whole response");
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|status| status.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect();
        Response {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    /// The value of a JSON body's string field `name`.
    fn field(body: &str, name: &str) -> String {
        let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
        json[name].as_str().expect("a string field").to_owned()
    }

    #[actix_web::test]
    async fn the_bearer_flow_end_to_end() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("bound");
        let server = serve(listener).expect("served");
        let handle = server.handle();
        actix_web::rt::spawn(server);

        // Sign in: the token in the body, no cookie.
        let credentials = r#"{"username":"johnsmith","password":"correct horse"}"#;
        let head = "POST /api/sign-in HTTP/1.1\r\ncontent-type: application/json";
        let response = send(address, head, credentials).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.header("set-cookie"), None);
        let token = field(&response.body, "token");

        // The API with the header.
        let head = format!("GET /api/me HTTP/1.1\r\nauthorization: Bearer {token}");
        let response = send(address, &head, "").await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(field(&response.body, "username"), "johnsmith");
        assert_eq!(response.header("set-cookie"), None);
        assert_eq!(response.header(EXPIRY_HEADER), None, "not extended");

        // Without it, or with a wrong password: 401.
        let response = send(address, "GET /api/me HTTP/1.1", "").await;
        assert_eq!(response.status, 401);
        let wrong = r#"{"username":"johnsmith","password":"wrong"}"#;
        let head = "POST /api/sign-in HTTP/1.1\r\ncontent-type: application/json";
        assert_eq!(send(address, head, wrong).await.status, 401);

        // Sign out, then the token is refused.
        let head = format!("POST /api/sign-out HTTP/1.1\r\nauthorization: Bearer {token}");
        let response = send(address, &head, "").await;
        assert_eq!(response.status, 204);
        assert_eq!(response.header("set-cookie"), None);
        let head = format!("GET /api/me HTTP/1.1\r\nauthorization: Bearer {token}");
        assert_eq!(send(address, &head, "").await.status, 401);

        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn the_browser_flow_end_to_end() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("bound");
        let server = serve(listener).expect("served");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let origin = format!("origin: http://{address}");
        let form = "content-type: application/x-www-form-urlencoded";

        // A cross-site form is refused.
        let head = format!("POST /sign-in HTTP/1.1\r\norigin: http://evil.example\r\n{form}");
        let credentials = "username=johnsmith&password=correct+horse";
        assert_eq!(send(address, &head, credentials).await.status, 403);

        // Sign in: a redirect to the account page, with the cookie.
        let head = format!("POST /sign-in HTTP/1.1\r\n{origin}\r\n{form}");
        let response = send(address, &head, credentials).await;
        assert_eq!(response.status, 303, "{}", response.body);
        let set_cookie = response.header("set-cookie").expect("the session cookie");
        let cookie = set_cookie.split(';').next().expect("name=value").to_owned();

        let head = format!("GET /account HTTP/1.1\r\ncookie: {cookie}");
        let response = send(address, &head, "").await;
        assert_eq!(response.status, 200);
        assert!(
            response.body.contains("johnsmith (user user-1)"),
            "{}",
            response.body
        );

        // Sign out: the blank cookie, and the account page sends us home.
        let head = format!("POST /sign-out HTTP/1.1\r\n{origin}\r\ncookie: {cookie}");
        let response = send(address, &head, "").await;
        assert_eq!(response.status, 303);
        let blank = response.header("set-cookie").expect("the blank cookie");
        assert!(blank.starts_with("narvik_session=;"), "{blank}");
        let head = format!("GET /account HTTP/1.1\r\ncookie: {cookie}");
        let response = send(address, &head, "").await;
        assert_eq!(
            (response.status, response.header("location")),
            (303, Some("/"))
        );

        handle.stop(true).await;
    }
}
