//! Signing in ends the session the request presented (OWASP ASVS V7.2.4), unless
//! the handler asks for `start_alongside`.

use axum::http::StatusCode;
use narvik::SessionLimitPolicy;

use crate::common::{
    body, get_request, post_request, single_set_cookie, token_of, with_token, Harness, Sessions,
    TestStore, BLANK_COOKIE, COOKIE_ATTRIBUTES,
};

#[tokio::test]
async fn signing_in_again_ends_the_presented_session() {
    let harness = Harness::new();
    let old_token = harness.sign_in().await;
    let response = harness
        .send(with_token(post_request("/sign-in"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the new session's cookie");
    let new_token = token_of(&set_cookie).expect("a token").to_owned();
    assert_ne!(new_token, old_token);
    assert!(set_cookie.ends_with(COOKIE_ATTRIBUTES), "{set_cookie}");
    assert_eq!(harness.store.len(), 1, "only the new session is left");

    assert!(!harness.validates(&old_token).await);
    let response = harness
        .send(with_token(get_request("/me"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = harness
        .send(with_token(get_request("/me"), &new_token))
        .await;
    assert_eq!(body(response).await, "user-1 johnsmith");
}

#[tokio::test]
async fn start_alongside_keeps_the_presented_session() {
    let harness = Harness::new();
    let old_token = harness.sign_in().await;
    let response = harness
        .send(with_token(post_request("/sign-in-alongside"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the new session's cookie");
    let new_token = token_of(&set_cookie).expect("a token").to_owned();
    assert_ne!(new_token, old_token);
    assert_eq!(harness.store.len(), 2);
    assert!(harness.validates(&old_token).await);
    assert!(harness.validates(&new_token).await);
}

#[tokio::test]
async fn signing_in_with_a_token_that_did_not_validate_ends_nothing_else() {
    let harness = Harness::new();
    let other_token = harness.sign_in().await;
    let forged = "a".repeat(32); // well formed, but no session has it
    let response = harness
        .send(with_token(post_request("/sign-in"), &forged))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the new session's cookie");
    assert!(token_of(&set_cookie).is_some(), "{set_cookie}");
    assert_eq!(harness.store.len(), 2);
    assert!(harness.validates(&other_token).await);
}

#[tokio::test]
async fn a_second_start_in_one_request_ends_the_first() {
    async fn sign_in_twice(sessions: Sessions) -> String {
        let data = crate::common::AppData {
            username: "johnsmith".into(),
        };
        let first = sessions.start("user-1", data.clone()).await;
        let second = sessions.start("user-1", data).await;
        let (first, second) = (first.expect("stored"), second.expect("stored"));
        assert_ne!(first.id, second.id);
        "signed in".to_owned()
    }

    let harness = Harness::new();
    let routes = axum::Router::new().route("/sign-in", axum::routing::post(sign_in_twice));
    let response = harness.send_to(routes, post_request("/sign-in")).await;
    let set_cookie = single_set_cookie(&response).expect("the second session's cookie");
    let token = token_of(&set_cookie).expect("a token");
    assert_eq!(harness.store.len(), 1);
    assert!(harness.validates(token).await);
}

#[tokio::test]
async fn a_failure_ending_the_presented_session_fails_the_sign_in_and_changes_nothing() {
    let harness = Harness::new();
    let old_token = harness.sign_in().await;
    harness.store.fail(true);
    let response = harness
        .send(with_token(post_request("/sign-in"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(single_set_cookie(&response), None);
    harness.store.fail(false);
    assert_eq!(harness.store.len(), 1, "no new session");
    assert!(harness.validates(&old_token).await, "the old one is intact");
}

#[tokio::test]
async fn signing_in_still_ends_the_presented_session_when_validation_failed() {
    // The store fails validating, then recovers before the handler signs in.
    let harness = Harness::new();
    let old_token = harness.sign_in().await;
    let store: TestStore = harness.store.clone();
    let routes = axum::Router::new().route(
        "/sign-in",
        axum::routing::post(move |sessions: Sessions| async move {
            assert!(sessions.session().is_err());
            store.fail(false);
            let data = crate::common::AppData {
                username: "johnsmith".into(),
            };
            sessions
                .start("user-1", data)
                .await
                .expect("the store is back");
        }),
    );
    harness.store.fail(true);
    let response = harness
        .send_to(routes, with_token(post_request("/sign-in"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the new session's cookie");
    assert!(token_of(&set_cookie).is_some_and(|token| token != old_token));
    assert_eq!(harness.store.len(), 1);
    assert!(!harness.validates(&old_token).await);
}

#[tokio::test]
async fn a_failure_creating_the_new_session_leaves_the_request_signed_out() {
    let harness = Harness::new();
    let old_token = harness.sign_in().await;
    harness.store.fail_saves(true);
    let response = harness
        .send(with_token(post_request("/sign-in"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The old session was ended before the new one failed: its cookie goes too.
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    harness.store.fail_saves(false);
    assert_eq!(harness.store.len(), 0);
    assert!(!harness.validates(&old_token).await);
}

#[tokio::test]
async fn signing_in_again_under_a_refusing_cap_frees_the_presented_sessions_place() {
    let harness = Harness::configured(|builder| {
        builder
            .max_sessions_per_user(1)
            .session_limit_policy(SessionLimitPolicy::RefuseNew)
    });
    let old_token = harness.sign_in().await;

    // Another browser is refused: the user has a session already.
    let response = harness.send(post_request("/sign-in")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(single_set_cookie(&response), None);
    let text = body(response).await;
    assert_eq!(text, "too many sessions: sign out on another device first");

    // The browser holding that session may sign in again: its session ends first.
    let response = harness
        .send(with_token(post_request("/sign-in"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the new session's cookie");
    let new_token = token_of(&set_cookie).expect("a token");
    assert_eq!(harness.store.len(), 1);
    assert!(harness.validates(new_token).await);
    assert!(!harness.validates(&old_token).await);
}
