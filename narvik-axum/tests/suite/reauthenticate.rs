//! `SessionManager::reauthenticate` and `rotate`: a new token whose cookie the
//! layer sends, the old token ended, the request's session the rotated one.

use axum::http::StatusCode;
use narvik::SessionId;
use time::Duration;

use crate::common::{
    body, get_request, post_request, single_set_cookie, token_of, with_token, Harness, Sessions,
    TestStore, BLANK_COOKIE, COOKIE_ATTRIBUTES,
};

/// The handler's report of a rotation: the returned session's id, the request's
/// session's id afterwards, and `authenticated_at` in Unix seconds.
fn parse_report(report: &str) -> (String, String, i64) {
    let parts: Vec<&str> = report.split(' ').collect();
    let [returned, current, authenticated_at] = parts[..] else {
        panic!("not a rotation report: {report}");
    };
    let authenticated_at = authenticated_at.parse().expect("Unix seconds");
    (returned.to_owned(), current.to_owned(), authenticated_at)
}

#[tokio::test]
async fn reauthenticate_sends_a_new_cookie_and_ends_the_old_token() {
    let harness = Harness::new();
    let old_token = harness.sign_in().await;
    let signed_in = harness.narvik.validate_session(&old_token).await;
    let signed_in = signed_in.expect("the store works").expect("valid");
    harness.clock.advance(Duration::minutes(10));

    let response = harness
        .send(with_token(post_request("/reauthenticate"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the rotated session's cookie");
    assert!(set_cookie.ends_with(COOKIE_ATTRIBUTES), "{set_cookie}");
    let new_token = token_of(&set_cookie).expect("a token").to_owned();
    assert_ne!(new_token, old_token);

    // The handler saw the rotated session, returned and current alike.
    let (returned, current, authenticated_at) = parse_report(&body(response).await);
    let new_id = SessionId::of_token(&new_token).to_string();
    assert_eq!(returned, new_id);
    assert_eq!(current, new_id);
    let now = signed_in.issued_at + Duration::minutes(10);
    assert_eq!(authenticated_at, now.unix_timestamp());

    assert!(!harness.validates(&old_token).await);
    let rotated = harness.narvik.validate_session(&new_token).await;
    let rotated = rotated.expect("the store works").expect("valid");
    assert_eq!(rotated.authenticated_at, now);
    assert_eq!(rotated.issued_at, signed_in.issued_at, "sign-in time kept");
    assert_eq!(rotated.user_id, "user-1");
    assert_eq!(rotated.username, "johnsmith");
    assert_eq!(harness.store.len(), 1);

    let response = harness
        .send(with_token(get_request("/me"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rotate_sends_a_new_cookie_and_keeps_the_time_stamps() {
    let harness = Harness::new();
    let old_token = harness.sign_in().await;
    let signed_in = harness.narvik.validate_session(&old_token).await;
    let signed_in = signed_in.expect("the store works").expect("valid");
    harness.clock.advance(Duration::minutes(10));

    let response = harness
        .send(with_token(post_request("/rotate"), &old_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the rotated session's cookie");
    let new_token = token_of(&set_cookie).expect("a token").to_owned();
    assert_ne!(new_token, old_token);
    let (returned, current, authenticated_at) = parse_report(&body(response).await);
    assert_eq!(returned, current);
    assert_eq!(
        authenticated_at,
        signed_in.authenticated_at.unix_timestamp()
    );

    assert!(!harness.validates(&old_token).await);
    let rotated = harness.narvik.validate_session(&new_token).await;
    let rotated = rotated.expect("the store works").expect("valid");
    assert_eq!(rotated.times(), signed_in.times());
}

#[tokio::test]
async fn reauthenticate_without_a_session_is_none_and_sends_no_cookie() {
    let harness = Harness::new();
    for uri in ["/reauthenticate", "/rotate"] {
        let response = harness.send(post_request(uri)).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(single_set_cookie(&response), None, "{uri}");
        assert_eq!(body(response).await, "none", "{uri}");
    }
}

#[tokio::test]
async fn reauthenticate_after_the_session_ended_elsewhere_sends_the_blank_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let narvik = harness.narvik.clone();
    let routes = axum::Router::new().route(
        "/reauthenticate",
        axum::routing::post(move |sessions: Sessions| async move {
            let session = sessions.session().expect("validated").expect("signed in");
            // Signed out on another device between validation and the handler.
            narvik
                .invalidate_session(&session.id)
                .await
                .expect("the store works");
            let rotated = sessions.reauthenticate().await.expect("the store works");
            assert!(rotated.is_none());
            assert!(sessions.session().expect("no failure").is_none());
        }),
    );
    let response = harness
        .send_to(routes, with_token(post_request("/reauthenticate"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    assert_eq!(harness.store.len(), 0, "a rotation never brings it back");
}

#[tokio::test]
async fn a_failed_reauthentication_leaves_the_cookie_and_the_session() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let store: TestStore = harness.store.clone();
    let routes = axum::Router::new().route(
        "/reauthenticate",
        axum::routing::post(move |sessions: Sessions| async move {
            let before = sessions.session().expect("validated").expect("signed in");
            store.fail(true);
            assert!(sessions.reauthenticate().await.is_err());
            assert!(sessions.rotate().await.is_err());
            store.fail(false);
            let after = sessions.session().expect("validated").expect("signed in");
            assert_eq!(after, before);
        }),
    );
    let response = harness
        .send_to(routes, with_token(post_request("/reauthenticate"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
    assert!(harness.validates(&token).await);
}
