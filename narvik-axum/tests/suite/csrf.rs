//! `CsrfLayer`: state-changing requests need an `Origin` naming their own host
//! (more in `csrf_hardening`).

use std::convert::Infallible;

use axum::http::uri::Scheme;
use axum::http::{header, Method, Request, StatusCode};
use narvik_axum::CsrfLayer;
use tower::{service_fn, Layer, ServiceExt};

use crate::common::{request_with, through_csrf};

/// The status `csrf` answers to `method` with these headers (`None` leaves one out).
async fn status(
    csrf: &CsrfLayer,
    method: Method,
    host: Option<&str>,
    origin: Option<&str>,
) -> StatusCode {
    let headers: Vec<(&str, &str)> = [("host", host), ("origin", origin)]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
    let request = request_with(method, "/", &headers);
    through_csrf(csrf, request).await.status()
}

const STATE_CHANGING: [Method; 4] = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE];

#[tokio::test]
async fn safe_methods_pass_without_origin() {
    let csrf = CsrfLayer::new();
    for method in [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE] {
        let status = status(&csrf, method.clone(), Some("example.com"), None).await;
        assert_eq!(status, StatusCode::OK, "{method}");
        let status = status_cross_site(&csrf, method.clone()).await;
        assert_eq!(status, StatusCode::OK, "{method}");
    }
}

async fn status_cross_site(csrf: &CsrfLayer, method: Method) -> StatusCode {
    status(
        csrf,
        method,
        Some("example.com"),
        Some("https://evil.example"),
    )
    .await
}

#[tokio::test]
async fn state_changing_requests_from_the_same_origin_pass() {
    let csrf = CsrfLayer::new();
    for method in STATE_CHANGING {
        let status = status(
            &csrf,
            method.clone(),
            Some("example.com"),
            Some("https://example.com"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{method}");
    }
}

#[tokio::test]
async fn state_changing_requests_without_origin_are_refused() {
    let csrf = CsrfLayer::new();
    for method in STATE_CHANGING {
        let status = status(&csrf, method.clone(), Some("example.com"), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method}");
    }
}

#[tokio::test]
async fn state_changing_requests_from_another_origin_are_refused() {
    let csrf = CsrfLayer::new();
    for method in STATE_CHANGING {
        assert_eq!(
            status_cross_site(&csrf, method.clone()).await,
            StatusCode::FORBIDDEN,
            "{method}"
        );
    }
    let other = Method::from_bytes(b"PROPPATCH").expect("a method");
    assert_eq!(status_cross_site(&csrf, other).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hosts_compare_without_case_and_with_default_ports() {
    let https = CsrfLayer::new();
    // The `http://` origins, on a site served over plain HTTP.
    let http = CsrfLayer::new().site_scheme(Scheme::HTTP);
    let cases = [
        (&https, "Example.COM", "https://example.com", StatusCode::OK),
        (
            &https,
            "example.com:443",
            "https://example.com",
            StatusCode::OK,
        ),
        (
            &http,
            "example.com",
            "http://example.com:80",
            StatusCode::OK,
        ),
        (
            &http,
            "localhost:3000",
            "http://localhost:3000",
            StatusCode::OK,
        ),
        (&http, "[::1]:8080", "http://[::1]:8080", StatusCode::OK),
        (
            &https,
            "example.com:8443",
            "https://example.com",
            StatusCode::FORBIDDEN,
        ),
        (
            &http,
            "localhost:3000",
            "http://localhost:4000",
            StatusCode::FORBIDDEN,
        ),
        (
            &https,
            "example.com",
            "https://sub.example.com",
            StatusCode::FORBIDDEN,
        ),
        (
            &https,
            "sub.example.com",
            "https://example.com",
            StatusCode::FORBIDDEN,
        ),
        (
            &https,
            "example.com",
            "https://example.com.evil.example",
            StatusCode::FORBIDDEN,
        ),
    ];
    for (csrf, host, origin, expected) in cases {
        let actual = status(csrf, Method::POST, Some(host), Some(origin)).await;
        assert_eq!(actual, expected, "Host: {host}, Origin: {origin}");
    }
}

#[tokio::test]
async fn null_and_malformed_origins_are_refused() {
    let csrf = CsrfLayer::new();
    for origin in [
        "null",
        "example.com",
        "https://example.com/path",
        "https://user@example.com",
        "",
    ] {
        let actual = status(&csrf, Method::POST, Some("example.com"), Some(origin)).await;
        assert_eq!(actual, StatusCode::FORBIDDEN, "Origin: {origin:?}");
    }
}

#[tokio::test]
async fn a_missing_host_is_refused_unless_the_uri_names_it() {
    let csrf = CsrfLayer::new();
    let actual = status(&csrf, Method::POST, None, Some("https://example.com")).await;
    assert_eq!(actual, StatusCode::FORBIDDEN);

    // HTTP/2 carries the host in the URI's authority instead.
    let origin = [("origin", "https://example.com")];
    let request = request_with(Method::POST, "https://example.com/", &origin);
    assert_eq!(through_csrf(&csrf, request).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_origin_or_host_headers_are_refused() {
    let csrf = CsrfLayer::new();
    for headers in [
        [
            ("host", "example.com"),
            ("origin", "https://example.com"),
            ("origin", "https://example.com"),
        ],
        [
            ("host", "example.com"),
            ("host", "evil.example"),
            ("origin", "https://example.com"),
        ],
    ] {
        let response = through_csrf(&csrf, request_with(Method::POST, "/", &headers)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
}

#[tokio::test]
async fn allowed_origins_pass() {
    let csrf = CsrfLayer::new()
        .allow_origin("https://app.example.com/")
        .allow_origins(["http://localhost:5173"]);
    assert_eq!(
        csrf.allowed_origins(),
        ["https://app.example.com", "http://localhost:5173"]
    );
    let from = |origin| status(&csrf, Method::POST, Some("api.example.com"), Some(origin));
    for origin in [
        "https://app.example.com",
        "HTTPS://APP.EXAMPLE.COM",
        "http://localhost:5173",
    ] {
        assert_eq!(from(origin).await, StatusCode::OK, "Origin: {origin}");
    }
    assert_eq!(
        from("https://other.example.com").await,
        StatusCode::FORBIDDEN
    );
    // The request's own host still passes.
    assert_eq!(from("https://api.example.com").await, StatusCode::OK);
}

#[tokio::test]
async fn refused_requests_never_reach_the_inner_service() {
    let service = CsrfLayer::new().layer(service_fn(|_: Request<String>| async {
        panic!("the inner service was called");
        #[allow(unreachable_code)] // the closure needs a return type
        Ok::<_, Infallible>(http::Response::new(String::new()))
    }));
    let request = Request::post("/")
        .header(header::HOST, "example.com")
        .body(String::new())
        .expect("a valid request");
    let response = service.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.body(), "");
}

#[tokio::test]
async fn the_guard_runs_before_the_session_layer() {
    use crate::common::{Harness, TestStore};

    let harness = Harness::new();
    let token = harness.sign_in().await;
    let app = crate::common::app()
        .layer(narvik_axum::NarvikLayer::new(harness.narvik.clone()))
        .layer(CsrfLayer::new());
    let cookie = format!("narvik_session={token}");
    let headers = [
        ("host", "example.com"),
        ("origin", "https://evil.example"),
        ("cookie", &cookie),
    ];
    let request = request_with(Method::POST, "/sign-out", &headers);
    let before = harness.store.fetches();
    let response = app.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(harness.store.fetches(), before);
    let store: &TestStore = &harness.store;
    assert_eq!(store.len(), 1, "not signed out");
}
