//! A response that carries the session cookie gets `Cache-Control: no-store`, so a
//! shared cache never hands one user's token to another; the app's own
//! `Cache-Control` is kept, and responses without the cookie are left alone.

use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use time::Duration;

use crate::common::{
    get_request, post_request, single_set_cookie, start_second_user, with_token, Harness, Sessions,
    BLANK_COOKIE,
};

fn cache_control(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(CACHE_CONTROL)
        .iter()
        .map(|value| value.to_str().expect("ASCII"))
        .collect()
}

#[tokio::test]
async fn a_new_session_cookie_is_not_stored_by_caches() {
    let harness = Harness::new();
    let response = harness.send(post_request("/sign-in")).await;
    assert!(single_set_cookie(&response).is_some());
    assert_eq!(cache_control(response.headers()), ["no-store"]);
}

#[tokio::test]
async fn an_extended_session_cookie_is_not_stored_by_caches() {
    // On a route that uses the session, and on one that does not.
    for uri in ["/me", "/public"] {
        let harness = Harness::new();
        let token = harness.sign_in().await;
        harness.clock.advance(Duration::days(16));
        let response = harness.send(with_token(get_request(uri), &token)).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert!(single_set_cookie(&response).is_some(), "{uri}: extended");
        assert_eq!(cache_control(response.headers()), ["no-store"], "{uri}");
    }
}

#[tokio::test]
async fn the_blank_cookie_is_not_stored_by_caches_either() {
    // A cached blank cookie would sign out every user the cache serves it to.
    let harness = Harness::new();
    let response = harness
        .send(with_token(get_request("/me"), &"a".repeat(32)))
        .await;
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    assert_eq!(cache_control(response.headers()), ["no-store"]);

    let token = harness.sign_in().await;
    let response = harness
        .send(with_token(post_request("/sign-out"), &token))
        .await;
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    assert_eq!(cache_control(response.headers()), ["no-store"]);
}

#[tokio::test]
async fn responses_without_the_cookie_are_left_alone() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    for request in [
        get_request("/public"),
        get_request("/me"),
        with_token(get_request("/me"), &token),
        with_token(get_request("/public"), &token),
    ] {
        let uri = request.uri().clone();
        let response = harness.send(request).await;
        assert_eq!(single_set_cookie(&response), None, "{uri}");
        assert_eq!(
            cache_control(response.headers()),
            Vec::<&str>::new(),
            "{uri}"
        );
    }
    // A store failure sends no cookie, hence no header.
    harness.store.fail(true);
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(cache_control(response.headers()), Vec::<&str>::new());
}

#[tokio::test]
async fn the_apps_own_cache_control_is_kept() {
    async fn sign_in(sessions: Sessions) -> impl IntoResponse {
        start_second_user(&sessions).await;
        ([(CACHE_CONTROL, "private, max-age=60")], "signed in")
    }

    let harness = Harness::new();
    let routes = axum::Router::new().route("/sign-in", axum::routing::post(sign_in));
    let response = harness.send_to(routes, post_request("/sign-in")).await;
    assert!(response.headers().contains_key(SET_COOKIE));
    assert_eq!(cache_control(response.headers()), ["private, max-age=60"]);
}
