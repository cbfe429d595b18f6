//! The behaviour suite every adapter passes (`narvik_http::testing`), through
//! actix-web.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use narvik::Narvik;
use narvik_actix::http;
use narvik_actix::http::uri::Scheme;
use narvik_actix::{
    CsrfMiddleware, CurrentSession, MaybeSession, NarvikMiddleware, SessionManager,
    SessionRejection, TokenSource,
};
use narvik_http::testing::{
    shown_user, suite_data, AdapterHarness, SuiteData, SuiteStore, EXPIRY_HEADER, SUITE_USER_ID,
};

type Sessions = SessionManager<SuiteStore>;

async fn me(session: CurrentSession<SuiteData>) -> String {
    shown_user(&session)
}

async fn maybe(MaybeSession(session): MaybeSession<SuiteData>) -> String {
    session.map_or_else(|| "none".to_owned(), |session| shown_user(&session))
}

async fn sign_in(sessions: Sessions) -> Result<&'static str, SessionRejection> {
    sessions.start(SUITE_USER_ID, suite_data()).await?;
    Ok("signed in")
}

async fn api_sign_in(sessions: Sessions) -> Result<String, SessionRejection> {
    let created = sessions.start_bearer(SUITE_USER_ID, suite_data()).await?;
    Ok(created.token.as_str().to_owned())
}

async fn rotate(sessions: Sessions) -> Result<String, SessionRejection> {
    sessions.rotate().await?;
    Ok(sessions
        .issued_token()
        .map_or_else(|| "none".to_owned(), |token| token.as_str().to_owned()))
}

async fn sign_out(sessions: Sessions) -> Result<HttpResponse, SessionRejection> {
    sessions.end().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The suite's app on actix-web: built anew for each request (actix-web's test
/// service has no nameable type to keep).
struct Actix(Narvik<SuiteStore>);

impl AdapterHarness for Actix {
    async fn serve(narvik: Narvik<SuiteStore>) -> Self {
        Self(narvik)
    }

    async fn send(&self, request: http::Request<String>) -> http::Response<String> {
        let app = App::new()
            .route("/me", web::get().to(me))
            .route("/maybe", web::get().to(maybe))
            .route("/public", web::get().to(|| async { "public" }))
            .route("/sign-in", web::post().to(sign_in))
            .route("/api/sign-in", web::post().to(api_sign_in))
            .route("/rotate", web::post().to(rotate))
            .route("/sign-out", web::post().to(sign_out))
            .wrap(
                NarvikMiddleware::new(self.0.clone())
                    .token_source(TokenSource::CookieOrBearer)
                    .expiry_header(narvik_actix::http::HeaderName::from_static(EXPIRY_HEADER)),
            )
            .wrap(CsrfMiddleware::new().site_scheme(Scheme::HTTP));
        let app = test::init_service(app).await;

        // `http` 1.x (the suite's) into actix-web's `http` 0.2, and back.
        let (parts, body) = request.into_parts();
        let method = Method::from_bytes(parts.method.as_str().as_bytes()).expect("a method");
        let mut actix_request = TestRequest::default()
            .method(method)
            .uri(&parts.uri.to_string())
            .set_payload(body);
        for (name, value) in &parts.headers {
            let name = HeaderName::from_bytes(name.as_str().as_bytes()).expect("a header name");
            let value = HeaderValue::from_bytes(value.as_bytes()).expect("a header value");
            actix_request = actix_request.append_header((name, value));
        }
        let response = test::call_service(&app, actix_request.to_request()).await;

        let mut converted = http::Response::builder().status(response.status().as_u16());
        for (name, value) in response.headers() {
            converted = converted.header(name.as_str(), value.as_bytes());
        }
        let body = test::read_body(response).await;
        converted
            .body(String::from_utf8_lossy(&body).into_owned())
            .expect("a valid response")
    }
}

narvik_http::adapter_suite!(Actix, #[actix_web::test]);
