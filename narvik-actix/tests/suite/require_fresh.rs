//! `RequireFresh`: "sudo mode" for sensitive routes.

use actix_web::http::StatusCode;
use time::Duration;

use crate::common::{get, post, token_of, with_token, Harness};

#[actix_web::test]
async fn a_fresh_session_passes_and_a_stale_one_is_a_403() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let answer = harness.send(with_token(get("/sudo"), &token)).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "fresh user-1")
    );

    harness.clock.advance(Duration::seconds(301));
    let answer = harness.send(with_token(get("/sudo"), &token)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body, "re-authentication required");

    // Proving the password again stamps the session and rotates its token.
    let answer = harness
        .send(with_token(post("/reauthenticate"), &token))
        .await;
    let set_cookie = answer.single_set_cookie().expect("the rotated cookie");
    let token = token_of(&set_cookie).expect("a token");
    let answer = harness.send(with_token(get("/sudo"), token)).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[actix_web::test]
async fn no_session_is_a_401() {
    let harness = Harness::new();
    let answer = harness.send(get("/sudo")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, "sign-in required");
}
