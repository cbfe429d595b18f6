//! With an absolute lifetime, the cookie's `Max-Age` never outlives the
//! session's absolute deadline: on sign-in, on extension, on rotation.

use axum::http::StatusCode;
use time::Duration;

use crate::common::{
    get_request, max_age_of, post_request, single_set_cookie, token_of, with_token, Harness,
};

/// Sessions of 10 days, extended once 5 or fewer are left, at most 15 days in all.
fn harness() -> Harness {
    Harness::configured(|builder| {
        builder
            .session_expires_in(Duration::days(10))
            .absolute_lifetime(Duration::days(15))
    })
}

#[tokio::test]
async fn the_sign_in_cookie_is_capped_by_the_absolute_lifetime() {
    let harness = Harness::configured(|builder| builder.absolute_lifetime(Duration::days(7)));
    let response = harness.send(post_request("/sign-in")).await;
    let set_cookie = single_set_cookie(&response).expect("the session cookie");
    assert_eq!(
        max_age_of(&set_cookie),
        Some(Duration::days(7).whole_seconds())
    );

    // Without it, the cookie lives as long as the session.
    let harness = Harness::new();
    let response = harness.send(post_request("/sign-in")).await;
    let set_cookie = single_set_cookie(&response).expect("the session cookie");
    assert_eq!(
        max_age_of(&set_cookie),
        Some(Duration::days(30).whole_seconds())
    );
}

#[tokio::test]
async fn the_extension_cookie_is_capped_by_the_absolute_deadline() {
    let harness = harness();
    let token = harness.sign_in().await;
    harness.clock.advance(Duration::days(6));
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the extended cookie");
    assert_eq!(token_of(&set_cookie), Some(token.as_str()));
    // 15 days after sign-in, not 10 days from now.
    assert_eq!(
        max_age_of(&set_cookie),
        Some(Duration::days(9).whole_seconds())
    );

    // Past the deadline the session is gone, however active.
    harness.clock.advance(Duration::days(9));
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_rotated_cookie_is_capped_by_the_absolute_deadline() {
    let harness = harness();
    let token = harness.sign_in().await;
    // Extended to the deadline on day 6, then used on day 12.
    harness.clock.advance(Duration::days(6));
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    harness.clock.advance(Duration::days(6));
    let response = harness
        .send(with_token(post_request("/reauthenticate"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = single_set_cookie(&response).expect("the rotated session's cookie");
    let new_token = token_of(&set_cookie).expect("a token, not the blank cookie");
    assert_ne!(new_token, token);
    assert_eq!(
        max_age_of(&set_cookie),
        Some(Duration::days(3).whole_seconds())
    );
}
