//! `CsrfMiddleware`: state-changing requests need `Sec-Fetch-Site: same-origin` or
//! an `Origin` naming their own host; header-authenticated ones pass.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use actix_web::HttpResponse;
use narvik_actix::{CsrfMiddleware, CsrfRejection};

use crate::common::{get, with_bearer, with_token, Harness};

fn post_from(origin: &str) -> TestRequest {
    TestRequest::post()
        .uri("/public")
        .insert_header(("host", "example.com"))
        .insert_header(("origin", origin))
}

#[actix_web::test]
async fn a_cross_site_post_is_refused_before_the_store() {
    let harness = Harness::new().csrf(CsrfMiddleware::new());
    let token = harness.sign_in().await;
    let before = harness.store.fetches();
    let answer = harness
        .send(with_token(post_from("https://evil.example"), &token))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body, "");
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    assert_eq!(harness.store.fetches(), before, "never reached the store");

    let request = with_token(post_from("https://example.com"), &token)
        .insert_header(("sec-fetch-site", "cross-site"));
    let answer = harness.send(request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    let request = TestRequest::post()
        .uri("/public")
        .insert_header(("host", "example.com"));
    let answer = harness.send(request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "no Origin");
}

#[actix_web::test]
async fn same_origin_requests_and_safe_methods_pass() {
    let harness = Harness::new().csrf(CsrfMiddleware::new());
    let answer = harness.send(post_from("https://example.com")).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "public")
    );
    let request = TestRequest::post()
        .uri("/public")
        .insert_header(("sec-fetch-site", "same-origin"));
    assert_eq!(harness.send(request).await.status, StatusCode::OK);
    let request = get("/public").insert_header(("origin", "https://evil.example"));
    assert_eq!(harness.send(request).await.status, StatusCode::OK);
    // The site's scheme counts: `http://` on an `https://` site is refused.
    let answer = harness.send(post_from("http://example.com")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let harness = Harness::new()
        .csrf(CsrfMiddleware::new().site_scheme(narvik_actix::http::uri::Scheme::HTTP));
    let answer = harness.send(post_from("http://example.com")).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_bearer_request_without_a_cookie_passes() {
    let harness = Harness::bearer().csrf(CsrfMiddleware::new());
    let token = harness.sign_in_bearer().await;
    let request = with_bearer(TestRequest::post().uri("/sign-out"), &token)
        .insert_header(("origin", "https://evil.example"));
    let answer = harness.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!harness.validates(&token).await);

    // With a cookie beside the header, the request is checked: the browser added
    // the cookie by itself.
    let token = harness.sign_in_bearer().await;
    let request = with_token(
        with_bearer(post_from("https://evil.example"), &token),
        &token,
    );
    assert_eq!(harness.send(request).await.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn the_rejection_can_be_answered_the_apps_way() {
    fn refused(rejection: CsrfRejection) -> HttpResponse {
        HttpResponse::Forbidden().body(format!("refused: {rejection}"))
    }
    let app = actix_web::App::new()
        .route("/", actix_web::web::post().to(|| async { "ok" }))
        .wrap(CsrfMiddleware::new().rejection(refused));
    let app = actix_web::test::init_service(app).await;
    let request = TestRequest::post()
        .uri("/")
        .insert_header(("host", "example.com"))
        .insert_header(("origin", "https://evil.example"))
        .to_request();
    let response = actix_web::test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = actix_web::test::read_body(response).await;
    assert_eq!(body, "refused: state-changing request from another origin");
}

#[actix_web::test]
async fn the_default_rejection_carries_the_reason() {
    let app = actix_web::App::new()
        .route("/", actix_web::web::post().to(|| async { "ok" }))
        .wrap(CsrfMiddleware::new());
    let app = actix_web::test::init_service(app).await;
    let request = TestRequest::post().uri("/").to_request();
    let response = actix_web::test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let reason = response
        .response()
        .extensions()
        .get::<CsrfRejection>()
        .copied();
    assert_eq!(reason, Some(CsrfRejection::MissingOrigin));
}
