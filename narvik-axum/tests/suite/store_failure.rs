//! A store failure is a 503, never a sign-out: no blank cookie.

use axum::http::StatusCode;

use crate::common::{body, get_request, post_request, single_set_cookie, with_token, Harness};

#[tokio::test]
async fn a_store_failure_is_a_503_without_a_blank_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.store.fail(true);
    for uri in ["/me", "/maybe", "/everything"] {
        let response = harness.send(with_token(get_request(uri), &token)).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(single_set_cookie(&response), None, "{uri}");
        let text = body(response).await;
        assert_eq!(text, "service unavailable", "{uri}");
    }

    // Once the store is back, the same cookie works: nothing was signed out.
    harness.store.fail(false);
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn routes_without_session_extractors_work_while_the_store_fails() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.store.fail(true);
    let response = harness
        .send(with_token(get_request("/public"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
}

#[tokio::test]
async fn a_failed_sign_in_is_a_503_without_a_cookie() {
    let harness = Harness::new();
    harness.store.fail(true);
    let response = harness.send(post_request("/sign-in")).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(single_set_cookie(&response), None);
}

#[tokio::test]
async fn a_failed_sign_out_is_a_503_and_keeps_the_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.store.fail(true);
    let response = harness
        .send(with_token(post_request("/sign-out"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(single_set_cookie(&response), None);
    harness.store.fail(false);
    assert_eq!(harness.store.len(), 1, "the session still exists");
}

#[tokio::test]
async fn sign_out_still_deletes_the_session_when_validation_failed() {
    // The store fails validating, then recovers before the handler ends the session.
    use crate::common::{Sessions, TestStore};

    let harness = Harness::new();
    let token = harness.sign_in().await;
    let store: TestStore = harness.store.clone();
    let routes = axum::Router::new().route(
        "/sign-out",
        axum::routing::post(move |sessions: Sessions| async move {
            assert!(sessions.session().is_err());
            store.fail(false);
            sessions.end().await.expect("the store is back");
        }),
    );
    harness.store.fail(true);
    let request = with_token(post_request("/sign-out"), &token);
    let response = harness.send_to(routes, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(harness.store.len(), 0);
    assert!(
        single_set_cookie(&response).is_some_and(|cookie| cookie.starts_with("narvik_session=;"))
    );
}
