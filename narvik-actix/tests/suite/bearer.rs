//! `Authorization: Bearer`: API clients sign in for a token in the body, present
//! it in the header, and never get `Set-Cookie`.

use actix_web::http::StatusCode;
use narvik_actix::TokenSource;
use time::Duration;

use crate::common::{
    get, post, token_of, with_bearer, with_token, Harness, BLANK_COOKIE, EXPIRY_HEADER,
};

#[actix_web::test]
async fn the_bearer_flow_signs_in_validates_and_signs_out() {
    let harness = Harness::bearer();
    let token = harness.sign_in_bearer().await;
    assert!(harness.validates(&token).await);

    let answer = harness.send(with_bearer(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "user-1 johnsmith");
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    assert_eq!(answer.header(EXPIRY_HEADER), None, "not extended");

    let answer = harness.send(with_bearer(post("/sign-out"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookies, Vec::<String>::new(), "no blank cookie");
    assert_eq!(harness.store.len(), 0);

    let answer = harness.send(with_bearer(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
}

#[actix_web::test]
async fn an_extension_is_told_by_the_expiry_header_not_a_cookie() {
    let harness = Harness::bearer();
    let token = harness.sign_in_bearer().await;
    harness.clock.advance(Duration::days(16));
    let answer = harness.send(with_bearer(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    let session = harness
        .narvik
        .validate_session(&token)
        .await
        .expect("the store works")
        .expect("a session");
    let expires = session.expires_at.unix_timestamp().to_string();
    assert_eq!(answer.header(EXPIRY_HEADER), Some(expires.as_str()));
    assert_eq!(answer.header("cache-control"), Some("no-store"));

    // Without the header configured, nothing tells it.
    let harness = Harness::new().middleware(|m| m.token_source(TokenSource::Bearer));
    let token = harness.sign_in_bearer().await;
    harness.clock.advance(Duration::days(16));
    let answer = harness.send(with_bearer(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(EXPIRY_HEADER), None);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
}

#[actix_web::test]
async fn invalid_header_tokens_are_refused_without_a_cookie() {
    let harness = Harness::bearer();
    for token in ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "garbage"] {
        let answer = harness.send(with_bearer(get("/me"), token)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(answer.set_cookies, Vec::<String>::new(), "{token}");
    }
    // Another scheme is no token at all, and costs no lookup.
    let before = harness.store.fetches();
    let request = get("/me").insert_header(("authorization", "Basic dXNlcjpwYXNz"));
    let answer = harness.send(request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(harness.store.fetches(), before);
}

#[actix_web::test]
async fn a_header_token_beside_an_invalid_cookie_gets_no_blank_cookie() {
    let harness = Harness::bearer();
    let token = harness.sign_in_bearer().await;
    let request = with_bearer(
        with_token(get("/me"), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        &token,
    );
    let answer = harness.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    // Without the header, the invalid cookie is cleared as ever.
    let answer = harness
        .send(with_token(get("/me"), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
        .await;
    assert_eq!(answer.set_cookies, [BLANK_COOKIE]);
}

#[actix_web::test]
async fn the_cookie_comes_first() {
    let harness = Harness::bearer();
    let header_token = harness.sign_in_bearer().await;
    let cookie_token = harness.sign_in().await;
    harness
        .send(with_bearer(post("/rotate"), &header_token))
        .await;
    let request = with_bearer(with_token(get("/me"), &cookie_token), &header_token);
    let before = harness.store.fetches();
    let answer = harness.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        harness.store.fetches() - before,
        1,
        "the header was not read"
    );
}

#[actix_web::test]
async fn each_source_reads_only_its_own() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    // Cookies only (the default): the header is ignored.
    let answer = harness.send(with_bearer(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    // Header only: the cookie is ignored, and never cleared.
    let harness = harness.middleware(|m| m.token_source(TokenSource::Bearer));
    let answer = harness.send(with_token(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    let answer = harness.send(with_bearer(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_rotated_header_session_hands_the_new_token_in_the_body() {
    let harness = Harness::bearer();
    let token = harness.sign_in_bearer().await;
    let answer = harness
        .send(with_bearer(post("/reauthenticate"), &token))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    let rotated = answer.body.rsplit(' ').next().expect("the new token");
    assert!(harness.validates(rotated).await);
    assert!(!harness.validates(&token).await);
}

#[actix_web::test]
async fn a_store_failure_by_header_is_a_503_without_a_cookie() {
    let harness = Harness::bearer();
    let token = harness.sign_in_bearer().await;
    harness.store.fail(true);
    let answer = harness.send(with_bearer(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    assert_eq!(answer.header(EXPIRY_HEADER), None);
}

#[actix_web::test]
async fn a_cookie_sign_in_under_cookie_or_bearer_still_sets_the_cookie() {
    let harness = Harness::bearer();
    let answer = harness.send(post("/sign-in")).await;
    let set_cookie = answer.single_set_cookie().expect("a cookie");
    assert!(token_of(&set_cookie).is_some());
    assert_eq!(answer.header(EXPIRY_HEADER), None);
}
