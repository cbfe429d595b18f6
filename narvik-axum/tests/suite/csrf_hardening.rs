//! `CsrfLayer` against a network attacker and other sites: the site's scheme,
//! `Sec-Fetch-Site`, trusted forwarded headers, WebSocket upgrades, and a custom
//! rejection.

use axum::body::Body;
use axum::http::uri::Scheme;
use axum::http::{header, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use narvik_axum::{CsrfLayer, CsrfRejection, ForwardedProto};
use tower::ServiceExt;

fn app(csrf: CsrfLayer) -> Router {
    Router::new()
        .route("/", any(|| async { "done" }))
        .layer(csrf)
}

/// The status `csrf` answers to `method` on `example.com` with these headers.
async fn status(csrf: &CsrfLayer, method: Method, headers: &[(&str, &str)]) -> StatusCode {
    let mut request = Request::builder()
        .method(method)
        .uri("/")
        .header(header::HOST, "example.com");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::empty()).expect("a valid request");
    app(csrf.clone())
        .oneshot(request)
        .await
        .expect("infallible")
        .status()
}

#[tokio::test]
async fn origins_of_another_scheme_are_refused_on_an_https_site() {
    let csrf = CsrfLayer::new();
    for origin in [
        "http://example.com",
        "http://example.com:443",
        "http://example.com:80",
        "foo://example.com",
        "foo://example.com:443",
        "wss://example.com",
    ] {
        let actual = status(&csrf, Method::POST, &[("origin", origin)]).await;
        assert_eq!(actual, StatusCode::FORBIDDEN, "Origin: {origin}");
    }
    for origin in ["https://example.com", "HTTPS://example.com:443"] {
        let actual = status(&csrf, Method::POST, &[("origin", origin)]).await;
        assert_eq!(actual, StatusCode::OK, "Origin: {origin}");
    }
}

#[tokio::test]
async fn sec_fetch_site_cross_site_is_refused_even_with_a_matching_origin() {
    let csrf = CsrfLayer::new();
    let headers = [
        ("origin", "https://example.com"),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_eq!(
        status(&csrf, Method::POST, &headers).await,
        StatusCode::FORBIDDEN
    );
    // Safe methods still pass: a link from another site is a navigation.
    assert_eq!(status(&csrf, Method::GET, &headers).await, StatusCode::OK);
    // An allowed origin may be another site.
    let csrf = CsrfLayer::new().allow_origin("https://partner.example");
    let headers = [
        ("origin", "https://partner.example"),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_eq!(status(&csrf, Method::POST, &headers).await, StatusCode::OK);
}

#[tokio::test]
async fn sec_fetch_site_same_origin_is_accepted_without_origin() {
    let csrf = CsrfLayer::new();
    for method in [Method::POST, Method::DELETE] {
        let actual = status(&csrf, method.clone(), &[("sec-fetch-site", "same-origin")]).await;
        assert_eq!(actual, StatusCode::OK, "{method}");
        // Even with `Origin: null`, which some redirects send.
        let headers = [("sec-fetch-site", "same-origin"), ("origin", "null")];
        let actual = status(&csrf, method.clone(), &headers).await;
        assert_eq!(actual, StatusCode::OK, "{method}");
    }
}

#[tokio::test]
async fn sec_fetch_site_same_site_needs_an_allowed_origin() {
    let csrf = CsrfLayer::new();
    let headers = [
        ("origin", "https://sub.example.com"),
        ("sec-fetch-site", "same-site"),
    ];
    assert_eq!(
        status(&csrf, Method::POST, &headers).await,
        StatusCode::FORBIDDEN
    );
    let csrf = CsrfLayer::new().allow_origin("https://sub.example.com");
    assert_eq!(status(&csrf, Method::POST, &headers).await, StatusCode::OK);
}

#[tokio::test]
async fn sec_fetch_site_none_still_needs_the_origin() {
    // `none`: the user typed the address or chose a bookmark; browsers send it
    // only on navigations, so an unsafe method must still name its origin.
    let csrf = CsrfLayer::new();
    let with_origin = [
        ("sec-fetch-site", "none"),
        ("origin", "https://example.com"),
    ];
    assert_eq!(
        status(&csrf, Method::POST, &with_origin).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&csrf, Method::POST, &[("sec-fetch-site", "none")]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&csrf, Method::GET, &[("sec-fetch-site", "none")]).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_or_repeated_sec_fetch_site_values_fall_back_to_the_origin() {
    let csrf = CsrfLayer::new();
    let unknown = [("sec-fetch-site", "same-planet")];
    assert_eq!(
        status(&csrf, Method::POST, &unknown).await,
        StatusCode::FORBIDDEN
    );
    let repeated = [
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-site", "same-origin"),
    ];
    assert_eq!(
        status(&csrf, Method::POST, &repeated).await,
        StatusCode::FORBIDDEN
    );
    let repeated_with_origin = [
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://example.com"),
    ];
    assert_eq!(
        status(&csrf, Method::POST, &repeated_with_origin).await,
        StatusCode::OK
    );
}

const WEBSOCKET_UPGRADE: [(&str, &str); 2] = [
    ("connection", "keep-alive, Upgrade"),
    ("upgrade", "websocket"),
];

#[tokio::test]
async fn a_websocket_upgrade_from_another_origin_is_refused() {
    let csrf = CsrfLayer::new();
    let from = |origin: &'static str| {
        let mut headers = WEBSOCKET_UPGRADE.to_vec();
        headers.push(("origin", origin));
        headers
    };
    for origin in ["https://evil.example", "http://example.com", "null"] {
        let actual = status(&csrf, Method::GET, &from(origin)).await;
        assert_eq!(actual, StatusCode::FORBIDDEN, "Origin: {origin}");
    }
    assert_eq!(
        status(&csrf, Method::GET, &WEBSOCKET_UPGRADE).await,
        StatusCode::FORBIDDEN,
        "no Origin"
    );
    let mut cross_site = from("https://example.com");
    cross_site.push(("sec-fetch-site", "cross-site"));
    assert_eq!(
        status(&csrf, Method::GET, &cross_site).await,
        StatusCode::FORBIDDEN
    );

    let actual = status(&csrf, Method::GET, &from("https://example.com")).await;
    assert_eq!(actual, StatusCode::OK);
    let upper_case = [
        ("connection", "UPGRADE"),
        ("upgrade", "WebSocket"),
        ("origin", "https://evil.example"),
    ];
    assert_eq!(
        status(&csrf, Method::GET, &upper_case).await,
        StatusCode::FORBIDDEN
    );
    // A plain GET from another origin is a link followed: it passes.
    let plain = [("origin", "https://evil.example")];
    assert_eq!(status(&csrf, Method::GET, &plain).await, StatusCode::OK);
}

#[tokio::test]
async fn a_websocket_upgrade_passes_when_the_guard_is_off() {
    let csrf = CsrfLayer::new().guard_websocket_upgrades(false);
    let mut headers = WEBSOCKET_UPGRADE.to_vec();
    headers.push(("origin", "https://evil.example"));
    assert_eq!(status(&csrf, Method::GET, &headers).await, StatusCode::OK);
    // Unsafe methods are still checked.
    assert_eq!(
        status(&csrf, Method::POST, &headers).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_http_site_accepts_its_own_scheme_and_refuses_https() {
    let csrf = CsrfLayer::new().site_scheme(Scheme::HTTP);
    let cases = [
        ("http://example.com", StatusCode::OK),
        ("http://example.com:80", StatusCode::OK),
        ("https://example.com", StatusCode::FORBIDDEN),
        ("foo://example.com", StatusCode::FORBIDDEN),
    ];
    for (origin, expected) in cases {
        let actual = status(&csrf, Method::POST, &[("origin", origin)]).await;
        assert_eq!(actual, expected, "Origin: {origin}");
    }
}

#[tokio::test]
async fn a_forwarded_scheme_is_trusted_only_when_configured() {
    let http_origin = ("origin", "http://example.com");
    let https_origin = ("origin", "https://example.com");
    let says_http = [
        ("x-forwarded-proto", "http"),
        ("forwarded", "for=192.0.2.60;proto=http"),
    ];

    // Not configured: the headers change nothing.
    let csrf = CsrfLayer::new();
    for header in says_http {
        let actual = status(&csrf, Method::POST, &[header, http_origin]).await;
        assert_eq!(actual, StatusCode::FORBIDDEN, "{header:?}");
        let actual = status(&csrf, Method::POST, &[header, https_origin]).await;
        assert_eq!(actual, StatusCode::OK, "{header:?}");
    }

    // Each setting reads its own header only.
    for (trusted, header, ignored) in [
        (ForwardedProto::XForwardedProto, says_http[0], says_http[1]),
        (ForwardedProto::Forwarded, says_http[1], says_http[0]),
    ] {
        let csrf = CsrfLayer::new().trust_forwarded_proto(trusted);
        let actual = status(&csrf, Method::POST, &[header, http_origin]).await;
        assert_eq!(actual, StatusCode::OK, "{trusted:?}");
        let actual = status(&csrf, Method::POST, &[header, https_origin]).await;
        assert_eq!(actual, StatusCode::FORBIDDEN, "{trusted:?}");
        let actual = status(&csrf, Method::POST, &[ignored, http_origin]).await;
        assert_eq!(
            actual,
            StatusCode::FORBIDDEN,
            "{trusted:?} ignores {ignored:?}"
        );
        // Without the header, or with a list, the configured scheme holds.
        let actual = status(&csrf, Method::POST, &[https_origin]).await;
        assert_eq!(actual, StatusCode::OK, "{trusted:?}");
    }
    let csrf = CsrfLayer::new().trust_forwarded_proto(ForwardedProto::XForwardedProto);
    for list in [
        [("x-forwarded-proto", "http, https")],
        [("x-forwarded-proto", "")],
    ] {
        let mut headers = list.to_vec();
        headers.push(http_origin);
        assert_eq!(
            status(&csrf, Method::POST, &headers).await,
            StatusCode::FORBIDDEN,
            "{list:?}"
        );
    }
    let repeated = [
        ("x-forwarded-proto", "http"),
        ("x-forwarded-proto", "http"),
        http_origin,
    ];
    assert_eq!(
        status(&csrf, Method::POST, &repeated).await,
        StatusCode::FORBIDDEN
    );
    let csrf = CsrfLayer::new().trust_forwarded_proto(ForwardedProto::Forwarded);
    let two_proxies = [("forwarded", "proto=http, proto=https"), http_origin];
    assert_eq!(
        status(&csrf, Method::POST, &two_proxies).await,
        StatusCode::FORBIDDEN
    );
}

/// The default answer: `403`, empty, with the reason in the extensions.
async fn rejection_of(csrf: &CsrfLayer, method: Method, headers: &[(&str, &str)]) -> CsrfRejection {
    let mut request = Request::builder()
        .method(method)
        .uri("/")
        .header(header::HOST, "example.com");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::empty()).expect("a valid request");
    let response = app(csrf.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::CONTENT_TYPE).is_none());
    let rejection = *response
        .extensions()
        .get::<CsrfRejection>()
        .expect("the rejection in the extensions");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    assert!(body.is_empty());
    rejection
}

#[tokio::test]
async fn the_default_rejection_says_why_in_the_extensions() {
    let csrf = CsrfLayer::new();
    let cases: [(&[(&str, &str)], CsrfRejection); 6] = [
        (&[], CsrfRejection::MissingOrigin),
        (
            &[
                ("origin", "https://example.com"),
                ("sec-fetch-site", "cross-site"),
            ],
            CsrfRejection::CrossSite,
        ),
        (
            &[("origin", "http://example.com")],
            CsrfRejection::SchemeMismatch,
        ),
        (
            &[("origin", "https://evil.example")],
            CsrfRejection::OtherOrigin,
        ),
        (&[("origin", "null")], CsrfRejection::OtherOrigin),
        (
            &[
                ("origin", "https://sub.example.com"),
                ("sec-fetch-site", "same-site"),
            ],
            CsrfRejection::OtherOrigin,
        ),
    ];
    for (headers, expected) in cases {
        assert_eq!(
            rejection_of(&csrf, Method::POST, headers).await,
            expected,
            "{headers:?}"
        );
    }
    // No host to compare with.
    let request = Request::post("/")
        .header(header::ORIGIN, "https://example.com")
        .body(Body::empty())
        .expect("a valid request");
    let response = app(csrf).oneshot(request).await.expect("infallible");
    assert_eq!(
        response.extensions().get::<CsrfRejection>(),
        Some(&CsrfRejection::MissingHost)
    );
}

#[tokio::test]
async fn a_custom_rejection_answers_refused_requests() {
    fn refused(rejection: CsrfRejection) -> Response {
        (StatusCode::BAD_REQUEST, format!("refused: {rejection}")).into_response()
    }

    let app = Router::new().route("/", any(|| async { "done" })).layer(
        CsrfLayer::new()
            .site_scheme(Scheme::HTTP)
            .rejection(refused),
    );
    let request = Request::post("/")
        .header(header::HOST, "example.com")
        .header(header::ORIGIN, "https://example.com")
        .body(Body::empty())
        .expect("a valid request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    assert_eq!(
        body,
        "refused: state-changing request from an origin of another scheme than the site's"
    );
    // The settings made before `rejection` are kept.
    let request = Request::post("/")
        .header(header::HOST, "example.com")
        .header(header::ORIGIN, "http://example.com")
        .body(Body::empty())
        .expect("a valid request");
    let response = app.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);

    // A closure, and the rejection's own response.
    let app = Router::new()
        .route("/", any(|| async { "done" }))
        .layer(CsrfLayer::new().rejection(|rejection| {
            // The argument's type is inferred: `CsrfRejection`.
            let mut response = rejection.into_response();
            response
                .headers_mut()
                .insert("x-refused-by", header::HeaderValue::from_static("csrf"));
            response
        }));
    let request = Request::post("/")
        .header(header::HOST, "example.com")
        .body(Body::empty())
        .expect("a valid request");
    let response = app.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.headers()["x-refused-by"], "csrf");
    assert_eq!(
        response.extensions().get::<CsrfRejection>(),
        Some(&CsrfRejection::MissingOrigin)
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    assert_eq!(body, "cross-origin request refused");
}
