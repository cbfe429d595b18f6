//! The behaviour suite every adapter passes (`narvik_http::testing`), through axum.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http::uri::Scheme;
use narvik::Narvik;
use narvik_axum::{
    CsrfLayer, CurrentSession, NarvikLayer, SessionManager, SessionRejection, TokenSource,
};
use narvik_http::testing::{
    shown_user, suite_data, AdapterHarness, SuiteData, SuiteStore, EXPIRY_HEADER, SUITE_USER_ID,
};
use tower::ServiceExt;

type Sessions = SessionManager<SuiteStore>;

async fn me(session: CurrentSession<SuiteData>) -> String {
    shown_user(&session)
}

async fn maybe(session: Option<CurrentSession<SuiteData>>) -> String {
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

async fn sign_out(sessions: Sessions) -> Result<StatusCode, SessionRejection> {
    sessions.end().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The suite's app on axum.
struct Axum(Router);

impl AdapterHarness for Axum {
    async fn serve(narvik: Narvik<SuiteStore>) -> Self {
        let router = Router::new()
            .route("/me", get(me))
            .route("/maybe", get(maybe))
            .route("/public", get(|| async { "public" }))
            .route("/sign-in", post(sign_in))
            .route("/api/sign-in", post(api_sign_in))
            .route("/rotate", post(rotate))
            .route("/sign-out", post(sign_out))
            .layer(
                NarvikLayer::new(narvik)
                    .token_source(TokenSource::CookieOrBearer)
                    .expiry_header(HeaderName::from_static(EXPIRY_HEADER)),
            )
            .layer(CsrfLayer::new().site_scheme(Scheme::HTTP).rejection(
                |rejection: narvik_axum::CsrfRejection| rejection.status().into_response(),
            ));
        Self(router)
    }

    async fn send(&self, request: http::Request<String>) -> http::Response<String> {
        let request: Request = request.map(Body::from);
        let response: Response = self.0.clone().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.expect("a body in memory");
        http::Response::from_parts(parts, String::from_utf8_lossy(&bytes).into_owned())
    }
}

narvik_http::adapter_suite!(Axum, #[tokio::test]);
