//! A store failure is a 503, never a sign-out: no blank cookie.

use actix_web::http::StatusCode;

use crate::common::{get, post, with_token, Harness};

#[actix_web::test]
async fn a_store_failure_is_a_503_without_a_blank_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.store.fail(true);
    for uri in ["/me", "/maybe", "/everything", "/sudo", "/custom"] {
        let answer = harness.send(with_token(get(uri), &token)).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(answer.set_cookies, Vec::<String>::new(), "{uri}");
        assert_eq!(answer.body, "service unavailable", "{uri}");
    }

    // Once the store is back, the same cookie works: nothing was signed out.
    harness.store.fail(false);
    let answer = harness.send(with_token(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[actix_web::test]
async fn routes_without_session_extractors_work_while_the_store_fails() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.store.fail(true);
    let answer = harness.send(with_token(get("/public"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
}

#[actix_web::test]
async fn a_failed_sign_in_is_a_503_without_a_cookie() {
    let harness = Harness::new();
    harness.store.fail(true);
    let answer = harness.send(post("/sign-in")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
}

#[actix_web::test]
async fn a_failed_sign_out_is_a_503_and_keeps_the_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.store.fail(true);
    let answer = harness.send(with_token(post("/sign-out"), &token)).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    harness.store.fail(false);
    assert_eq!(harness.store.len(), 1, "the session still exists");
}
