//! Sign in, use the session, extend it, let it expire, sign out.

use axum::http::StatusCode;
use time::Duration;

use crate::common::{
    body, get_request, post_request, single_set_cookie, with_cookies, with_token, Harness,
    BLANK_COOKIE, COOKIE_ATTRIBUTES,
};

#[tokio::test]
async fn sign_in_sets_the_session_cookie() {
    let harness = Harness::new();
    let response = harness.send(post_request("/sign-in")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("a session cookie");
    let token = set_cookie
        .strip_prefix("narvik_session=")
        .and_then(|rest| rest.strip_suffix(COOKIE_ATTRIBUTES))
        .expect("narvik_session=<token>; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly");
    assert!(narvik::token::is_well_formed(token), "{token}");
    let session = harness
        .narvik
        .validate_session(token)
        .await
        .expect("the store works");
    let session = session.expect("the new session");
    let token: narvik::SessionToken = token.parse().expect("a well-formed token");
    assert_eq!(
        set_cookie,
        harness.narvik.create_cookie(&token, &session).to_string()
    );
    assert_eq!(harness.store.len(), 1);
}

#[tokio::test]
async fn a_request_with_the_cookie_reaches_the_handler_with_the_session() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None, "no refresh needed");
    assert_eq!(body(response).await, "user-1 johnsmith");
}

#[tokio::test]
async fn a_request_without_a_cookie_is_refused_with_401() {
    let harness = Harness::new();
    let response = harness.send(get_request("/me")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response), None);
    assert_eq!(body(response).await, "sign-in required");
}

#[tokio::test]
async fn the_option_extractor_gives_none_without_a_cookie() {
    let harness = Harness::new();
    let response = harness.send(get_request("/maybe")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
    assert_eq!(body(response).await, "none");
}

#[tokio::test]
async fn the_option_extractor_gives_the_session_with_a_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let response = harness
        .send(with_token(get_request("/maybe"), &token))
        .await;
    assert_eq!(body(response).await, "some user-1");
}

#[tokio::test]
async fn invalid_tokens_get_the_blank_cookie_and_401() {
    let harness = Harness::new();
    let forged = "a".repeat(32); // well formed, but no session has it
    let cases = [
        "narvik_session=garbage".to_owned(),
        format!("narvik_session={forged}"),
        "narvik_session=HHWNVR2C6HBVVTCIPMSFAZYI2CM7LF5J".to_owned(),
        "narvik_session=\"\"\"".to_owned(),
    ];
    for cookie in &cases {
        let response = harness
            .send(with_cookies(get_request("/me"), &[cookie]))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{cookie}");
        assert_eq!(
            single_set_cookie(&response).as_deref(),
            Some(BLANK_COOKIE),
            "{cookie}"
        );
    }
    // The option extractor: no session, but the blank cookie all the same.
    let response = harness
        .send(with_token(get_request("/maybe"), &forged))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
}

#[tokio::test]
async fn a_non_utf8_token_gets_the_blank_cookie() {
    let harness = Harness::new();
    let mut request = get_request("/me");
    let value = axum::http::HeaderValue::from_bytes(b"narvik_session=\xffabc").expect("obs-text");
    request
        .headers_mut()
        .append(axum::http::header::COOKIE, value);
    let response = harness.send(request).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    assert_eq!(harness.store.fetches(), 0);
}

#[tokio::test]
async fn an_empty_cookie_counts_as_none_and_is_not_cleared_again() {
    let harness = Harness::new();
    let response = harness
        .send(with_cookies(get_request("/me"), &["narvik_session="]))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response), None);
}

#[tokio::test]
async fn an_expired_session_gets_the_blank_cookie_and_is_deleted() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.clock.advance(Duration::days(30));
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    assert_eq!(harness.store.len(), 0);
}

#[tokio::test]
async fn an_extended_session_gets_its_cookie_again() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.clock.advance(Duration::days(15));
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let expected = format!("narvik_session={token}{COOKIE_ATTRIBUTES}");
    assert_eq!(single_set_cookie(&response), Some(expected));

    // Extended to a full length from now: the next request needs no refresh.
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(single_set_cookie(&response), None);
    harness.clock.advance(Duration::days(29));
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_extension_is_sent_even_when_no_extractor_asks() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.clock.advance(Duration::days(20));
    let response = harness
        .send(with_token(get_request("/public"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let expected = format!("narvik_session={token}{COOKIE_ATTRIBUTES}");
    assert_eq!(single_set_cookie(&response), Some(expected));
}

#[tokio::test]
async fn sign_out_sends_the_blank_cookie_and_the_old_token_then_fails() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let response = harness
        .send(with_token(post_request("/sign-out"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
    assert_eq!(harness.store.len(), 0);

    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
}

#[tokio::test]
async fn sign_out_without_a_session_still_sends_the_blank_cookie() {
    let harness = Harness::new();
    let response = harness.send(post_request("/sign-out")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
}

#[tokio::test]
async fn the_layer_appends_to_the_handlers_own_set_cookie() {
    use axum::http::header::SET_COOKIE;
    use axum::response::AppendHeaders;

    use crate::common::{set_cookies, start_second_user, Sessions};

    async fn sign_in(sessions: Sessions) -> impl axum::response::IntoResponse {
        start_second_user(&sessions).await;
        AppendHeaders([(SET_COOKIE, "theme=dark")])
    }

    let harness = Harness::new();
    let routes = axum::Router::new().route("/sign-in", axum::routing::post(sign_in));
    let response = harness.send_to(routes, post_request("/sign-in")).await;
    let set_cookies = set_cookies(response.headers());
    assert_eq!(set_cookies.len(), 2, "{set_cookies:?}");
    assert_eq!(set_cookies[0], "theme=dark");
    assert!(set_cookies[1].starts_with("narvik_session="));
}

#[tokio::test]
async fn the_set_cookie_header_is_marked_sensitive() {
    let harness = Harness::new();
    let response = harness.send(post_request("/sign-in")).await;
    let value = &response.headers()[axum::http::header::SET_COOKIE];
    assert!(value.is_sensitive());
}

#[tokio::test]
async fn debug_output_never_shows_the_token() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let response = harness
        .send(with_token(get_request("/everything"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let debug = body(response).await;
    assert!(debug.contains("SessionManager"), "{debug}");
    // The id as its `Debug` shows it: its first eight characters.
    let session_id = format!("{:?}", narvik::SessionId::of_token(&token));
    assert!(debug.contains(&session_id), "the id is shown: {debug}");
    assert!(!debug.contains(&token), "{debug}");
}
