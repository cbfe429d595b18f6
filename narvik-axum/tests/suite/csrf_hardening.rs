//! `CsrfLayer` against a network attacker and other sites: the site's scheme,
//! `Sec-Fetch-Site`, trusted forwarded headers, WebSocket upgrades, and a custom
//! rejection.

use axum::body::Body;
use axum::http::uri::Scheme;
use axum::http::{header, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use narvik_axum::{CsrfLayer, CsrfRejection, ForwardedProto};
use tower::ServiceExt;

use crate::common::{body, done_route, request_with, through_csrf};

/// `method /` on `example.com` with these headers too.
fn to_example_com(method: Method, headers: &[(&str, &str)]) -> Request<Body> {
    let headers = [&[("host", "example.com")], headers].concat();
    request_with(method, "/", &headers)
}

/// Checks the status `csrf` answers to `method` on `example.com` with these headers.
async fn assert_status(
    csrf: &CsrfLayer,
    method: Method,
    headers: &[(&str, &str)],
    expected: StatusCode,
) {
    let request = to_example_com(method.clone(), headers);
    let actual = through_csrf(csrf, request).await.status();
    assert_eq!(actual, expected, "{method} with {headers:?}");
}

#[tokio::test]
async fn origins_of_another_scheme_are_refused_on_an_https_site() {
    let csrf = CsrfLayer::new();
    for (origin, expected) in [
        ("http://example.com", StatusCode::FORBIDDEN),
        ("http://example.com:443", StatusCode::FORBIDDEN),
        ("http://example.com:80", StatusCode::FORBIDDEN),
        ("foo://example.com", StatusCode::FORBIDDEN),
        ("foo://example.com:443", StatusCode::FORBIDDEN),
        ("wss://example.com", StatusCode::FORBIDDEN),
        ("https://example.com", StatusCode::OK),
        ("HTTPS://example.com:443", StatusCode::OK),
    ] {
        assert_status(&csrf, Method::POST, &[("origin", origin)], expected).await;
    }
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
        assert_status(&csrf, Method::POST, &[("origin", origin)], expected).await;
    }
}

#[tokio::test]
async fn sec_fetch_site_cross_site_is_refused_even_with_a_matching_origin() {
    let csrf = CsrfLayer::new();
    let headers = [
        ("origin", "https://example.com"),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_status(&csrf, Method::POST, &headers, StatusCode::FORBIDDEN).await;
    // Safe methods still pass: a link from another site is a navigation.
    assert_status(&csrf, Method::GET, &headers, StatusCode::OK).await;
    // An allowed origin may be another site.
    let csrf = CsrfLayer::new().allow_origin("https://partner.example");
    let headers = [
        ("origin", "https://partner.example"),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_status(&csrf, Method::POST, &headers, StatusCode::OK).await;
}

#[tokio::test]
async fn sec_fetch_site_same_origin_is_accepted_without_origin() {
    let csrf = CsrfLayer::new();
    for method in [Method::POST, Method::DELETE] {
        let same_origin = [("sec-fetch-site", "same-origin")];
        assert_status(&csrf, method.clone(), &same_origin, StatusCode::OK).await;
        // Even with `Origin: null`, which some redirects send.
        let headers = [("sec-fetch-site", "same-origin"), ("origin", "null")];
        assert_status(&csrf, method, &headers, StatusCode::OK).await;
    }
}

#[tokio::test]
async fn sec_fetch_site_same_site_needs_an_allowed_origin() {
    let headers = [
        ("origin", "https://sub.example.com"),
        ("sec-fetch-site", "same-site"),
    ];
    assert_status(
        &CsrfLayer::new(),
        Method::POST,
        &headers,
        StatusCode::FORBIDDEN,
    )
    .await;
    let csrf = CsrfLayer::new().allow_origin("https://sub.example.com");
    assert_status(&csrf, Method::POST, &headers, StatusCode::OK).await;
}

#[tokio::test]
async fn sec_fetch_site_none_still_needs_the_origin() {
    // `none`: the user typed the address or chose a bookmark; browsers send it
    // only on navigations, so an unsafe method must still name its origin.
    let csrf = CsrfLayer::new();
    let none = [("sec-fetch-site", "none")];
    let with_origin = [none[0], ("origin", "https://example.com")];
    assert_status(&csrf, Method::POST, &with_origin, StatusCode::OK).await;
    assert_status(&csrf, Method::POST, &none, StatusCode::FORBIDDEN).await;
    assert_status(&csrf, Method::GET, &none, StatusCode::OK).await;
}

#[tokio::test]
async fn unknown_or_repeated_sec_fetch_site_values_fall_back_to_the_origin() {
    let csrf = CsrfLayer::new();
    let unknown = [("sec-fetch-site", "same-planet")];
    assert_status(&csrf, Method::POST, &unknown, StatusCode::FORBIDDEN).await;
    let repeated = [
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-site", "same-origin"),
    ];
    assert_status(&csrf, Method::POST, &repeated, StatusCode::FORBIDDEN).await;
    let repeated_with_origin = [
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://example.com"),
    ];
    assert_status(&csrf, Method::POST, &repeated_with_origin, StatusCode::OK).await;
}

const WEBSOCKET_UPGRADE: [(&str, &str); 2] = [
    ("connection", "keep-alive, Upgrade"),
    ("upgrade", "websocket"),
];

/// A WebSocket handshake from `origin`.
fn upgrade_from(origin: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut headers = WEBSOCKET_UPGRADE.to_vec();
    headers.push(("origin", origin));
    headers
}

#[tokio::test]
async fn a_websocket_upgrade_from_another_origin_is_refused() {
    let csrf = CsrfLayer::new();
    let mut cross_site = upgrade_from("https://example.com");
    cross_site.push(("sec-fetch-site", "cross-site"));
    let upper_case = vec![
        ("connection", "UPGRADE"),
        ("upgrade", "WebSocket"),
        ("origin", "https://evil.example"),
    ];
    for (headers, expected) in [
        (upgrade_from("https://evil.example"), StatusCode::FORBIDDEN),
        (upgrade_from("http://example.com"), StatusCode::FORBIDDEN),
        (upgrade_from("null"), StatusCode::FORBIDDEN),
        // No Origin.
        (WEBSOCKET_UPGRADE.to_vec(), StatusCode::FORBIDDEN),
        (cross_site, StatusCode::FORBIDDEN),
        (upgrade_from("https://example.com"), StatusCode::OK),
        (upper_case, StatusCode::FORBIDDEN),
        // A plain GET from another origin is a link followed: it passes.
        (vec![("origin", "https://evil.example")], StatusCode::OK),
    ] {
        assert_status(&csrf, Method::GET, &headers, expected).await;
    }
}

#[tokio::test]
async fn a_websocket_upgrade_passes_when_the_guard_is_off() {
    let csrf = CsrfLayer::new().guard_websocket_upgrades(false);
    let headers = upgrade_from("https://evil.example");
    assert_status(&csrf, Method::GET, &headers, StatusCode::OK).await;
    // Unsafe methods are still checked.
    assert_status(&csrf, Method::POST, &headers, StatusCode::FORBIDDEN).await;
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
        assert_status(
            &csrf,
            Method::POST,
            &[header, http_origin],
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_status(&csrf, Method::POST, &[header, https_origin], StatusCode::OK).await;
    }

    // Each setting reads its own header only.
    for (trusted, header, ignored) in [
        (ForwardedProto::XForwardedProto, says_http[0], says_http[1]),
        (ForwardedProto::Forwarded, says_http[1], says_http[0]),
    ] {
        let csrf = CsrfLayer::new().trust_forwarded_proto(trusted);
        assert_status(&csrf, Method::POST, &[header, http_origin], StatusCode::OK).await;
        assert_status(
            &csrf,
            Method::POST,
            &[header, https_origin],
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_status(
            &csrf,
            Method::POST,
            &[ignored, http_origin],
            StatusCode::FORBIDDEN,
        )
        .await;
        // Without the header, or with a list, the configured scheme holds.
        assert_status(&csrf, Method::POST, &[https_origin], StatusCode::OK).await;
    }
    let csrf = CsrfLayer::new().trust_forwarded_proto(ForwardedProto::XForwardedProto);
    for list in [
        [("x-forwarded-proto", "http, https"), http_origin],
        [("x-forwarded-proto", ""), http_origin],
    ] {
        assert_status(&csrf, Method::POST, &list, StatusCode::FORBIDDEN).await;
    }
    let repeated = [
        ("x-forwarded-proto", "http"),
        ("x-forwarded-proto", "http"),
        http_origin,
    ];
    assert_status(&csrf, Method::POST, &repeated, StatusCode::FORBIDDEN).await;
    let csrf = CsrfLayer::new().trust_forwarded_proto(ForwardedProto::Forwarded);
    let two_proxies = [("forwarded", "proto=http, proto=https"), http_origin];
    assert_status(&csrf, Method::POST, &two_proxies, StatusCode::FORBIDDEN).await;
}

/// The default answer: `403`, empty, with the reason in the extensions.
async fn rejection_of(csrf: &CsrfLayer, request: Request<Body>) -> CsrfRejection {
    let response = through_csrf(csrf, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::CONTENT_TYPE).is_none());
    let rejection = *response
        .extensions()
        .get::<CsrfRejection>()
        .expect("the rejection in the extensions");
    assert!(body(response).await.is_empty());
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
        let request = to_example_com(Method::POST, headers);
        assert_eq!(rejection_of(&csrf, request).await, expected, "{headers:?}");
    }
    // No host to compare with.
    let request = request_with(Method::POST, "/", &[("origin", "https://example.com")]);
    assert_eq!(
        rejection_of(&csrf, request).await,
        CsrfRejection::MissingHost
    );
}

#[tokio::test]
async fn a_custom_rejection_answers_refused_requests() {
    fn refused(rejection: CsrfRejection) -> Response {
        (StatusCode::BAD_REQUEST, format!("refused: {rejection}")).into_response()
    }

    let app = done_route().layer(
        CsrfLayer::new()
            .site_scheme(Scheme::HTTP)
            .rejection(refused),
    );
    let request = to_example_com(Method::POST, &[("origin", "https://example.com")]);
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        body(response).await,
        "refused: state-changing request from an origin of another scheme than the site's"
    );
    // The settings made before `rejection` are kept.
    let request = to_example_com(Method::POST, &[("origin", "http://example.com")]);
    let response = app.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);

    // A closure that keeps the rejection for a middleware further out.
    let app = done_route().layer(CsrfLayer::new().rejection(|rejection: CsrfRejection| {
        let mut response = (rejection.status(), "cross-origin request refused").into_response();
        response.extensions_mut().insert(rejection);
        response
            .headers_mut()
            .insert("x-refused-by", header::HeaderValue::from_static("csrf"));
        response
    }));
    let request = to_example_com(Method::POST, &[]);
    let response = app.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.headers()["x-refused-by"], "csrf");
    assert_eq!(
        response.extensions().get::<CsrfRejection>(),
        Some(&CsrfRejection::MissingOrigin)
    );
    assert_eq!(body(response).await, "cross-origin request refused");
}
