//! The store is asked once per request, whatever the handler extracts, and never
//! for requests that cannot have a session.

use axum::http::StatusCode;

use crate::common::{get_request, with_cookies, with_token, Harness};

#[tokio::test]
async fn validation_happens_once_with_several_extractors() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let before = harness.store.fetches();
    let response = harness
        .send(with_token(get_request("/everything"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(harness.store.fetches() - before, 1);
}

#[tokio::test]
async fn validation_happens_once_on_a_route_without_extractors() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let before = harness.store.fetches();
    harness
        .send(with_token(get_request("/public"), &token))
        .await;
    assert_eq!(harness.store.fetches() - before, 1);
}

#[tokio::test]
async fn requests_without_a_cookie_never_reach_the_store() {
    let harness = Harness::new();
    harness.send(get_request("/me")).await;
    harness
        .send(with_cookies(get_request("/maybe"), &["theme=dark"]))
        .await;
    assert_eq!(harness.store.fetches(), 0);
}

#[tokio::test]
async fn malformed_tokens_never_reach_the_store() {
    let harness = Harness::new();
    let response = harness
        .send(with_token(get_request("/me"), "not-a-token"))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(harness.store.fetches(), 0);
}

#[tokio::test]
async fn sign_in_does_not_fetch() {
    let harness = Harness::new();
    harness.sign_in().await;
    assert_eq!(harness.store.fetches(), 0);
}
