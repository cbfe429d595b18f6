//! Sign in, validate, extension, sign out, invalid cookies, caching, and one
//! validation per request.

use actix_web::http::StatusCode;
use time::Duration;

use crate::common::{
    get, post, token_of, with_cookies, with_token, Harness, BLANK_COOKIE, COOKIE_ATTRIBUTES,
};

#[actix_web::test]
async fn sign_in_sets_the_cookie_and_the_cookie_validates() {
    let harness = Harness::new();
    let answer = harness.send(post("/sign-in")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let set_cookie = answer.single_set_cookie().expect("a session cookie");
    assert!(set_cookie.ends_with(COOKIE_ATTRIBUTES), "{set_cookie}");
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let token = token_of(&set_cookie).expect("a token");

    let answer = harness.send(with_token(get("/me"), token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "user-1 johnsmith");
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    assert_eq!(answer.header("cache-control"), None);
}

#[actix_web::test]
async fn an_extended_session_gets_its_cookie_again() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.clock.advance(Duration::days(16));
    let answer = harness.send(with_token(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    let set_cookie = answer.single_set_cookie().expect("the cookie again");
    assert_eq!(token_of(&set_cookie), Some(token.as_str()));
    assert!(set_cookie.ends_with(COOKIE_ATTRIBUTES), "{set_cookie}");
    assert_eq!(answer.header("cache-control"), Some("no-store"));

    // Once extended, the next request sends nothing.
    let answer = harness.send(with_token(get("/me"), &token)).await;
    assert_eq!(answer.set_cookies, Vec::<String>::new());
}

#[actix_web::test]
async fn sign_out_ends_the_session_and_clears_the_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let answer = harness.send(with_token(post("/sign-out"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookies, [BLANK_COOKIE]);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(harness.store.len(), 0);
    assert!(!harness.validates(&token).await);

    let answer = harness.send(with_token(get("/me"), &token)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, "sign-in required");
}

#[actix_web::test]
async fn signing_in_again_ends_the_presented_session() {
    let harness = Harness::new();
    let first = harness.sign_in().await;
    let answer = harness.send(with_token(post("/sign-in"), &first)).await;
    let second = answer.single_set_cookie().expect("a new cookie");
    let second = token_of(&second).expect("a token");
    assert_ne!(second, first);
    assert!(!harness.validates(&first).await, "the old token is dead");
    assert!(harness.validates(second).await);
    assert_eq!(harness.store.len(), 1);
}

#[actix_web::test]
async fn an_invalid_cookie_gets_the_blank_cookie() {
    let harness = Harness::new();
    for uri in ["/me", "/maybe", "/public"] {
        for token in ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "garbage"] {
            let answer = harness.send(with_token(get(uri), token)).await;
            assert_eq!(answer.set_cookies, [BLANK_COOKIE], "{uri} {token}");
            assert_eq!(answer.header("cache-control"), Some("no-store"));
        }
    }
    let answer = harness
        .send(with_token(
            get("/maybe"),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ))
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "none")
    );
    // One lookup per well-formed token; a malformed one never reached the store.
    assert_eq!(harness.store.fetches(), 4);
}

#[actix_web::test]
async fn no_cookie_gets_no_cookie_and_no_store_lookup() {
    let harness = Harness::new();
    let answer = harness.send(get("/me")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    let answer = harness.send(get("/maybe")).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "none")
    );
    // The blank cookie's empty value, sent back by a client, is no cookie either.
    let answer = harness
        .send(with_cookies(get("/maybe"), &["narvik_session="]))
        .await;
    assert_eq!(answer.set_cookies, Vec::<String>::new());
    assert_eq!(harness.store.fetches(), 0);
}

#[actix_web::test]
async fn every_extractor_reads_the_one_validation() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let before = harness.store.fetches();
    let answer = harness.send(with_token(get("/everything"), &token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, "user-1 johnsmith");
    assert_eq!(harness.store.fetches() - before, 1);
}

#[actix_web::test]
async fn the_handlers_own_cache_control_is_kept() {
    let harness = Harness::new();
    let answer = harness
        .send(with_token(
            get("/cached"),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ))
        .await;
    assert_eq!(answer.set_cookies, [BLANK_COOKIE]);
    assert_eq!(answer.header("cache-control"), Some("private, max-age=60"));
}

#[actix_web::test]
async fn the_rotated_session_gets_its_cookie() {
    let harness = Harness::new();
    let first = harness.sign_in().await;
    let mut token = first.clone();
    for uri in ["/rotate", "/reauthenticate"] {
        let before = harness.store.len();
        let answer = harness.send(with_token(post(uri), &token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        let set_cookie = answer.single_set_cookie().expect("the rotated cookie");
        let rotated = token_of(&set_cookie).expect("a token");
        assert!(answer.body.ends_with(rotated), "{uri}");
        assert!(harness.validates(rotated).await, "{uri}");
        assert_eq!(harness.store.len(), before, "{uri}");
        assert!(!harness.validates(&token).await, "the old token is dead");
        token = rotated.to_owned();
    }
}
