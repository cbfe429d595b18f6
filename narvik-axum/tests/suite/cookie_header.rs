//! The session cookie is found among others, in any `Cookie` header; duplicates
//! are each tried (more in `hostile_cookies`).

use axum::http::StatusCode;

use crate::common::{body, get_request, single_set_cookie, with_cookies, Harness, BLANK_COOKIE};

#[tokio::test]
async fn the_session_cookie_is_found_wherever_the_cookie_headers_carry_it() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let session = format!("narvik_session={token}");
    for (case, cookies) in [
        (
            "among other cookies",
            vec![format!("theme=dark; {session}; lang=en")],
        ),
        (
            "in a later Cookie header",
            vec!["theme=dark; lang=en".to_owned(), session.clone()],
        ),
        (
            "with spaces, tabs and missing spaces between cookies",
            vec![format!("theme=dark;narvik_session=\t{token} ;lang=en")],
        ),
        ("quoted", vec![format!("narvik_session=\"{token}\"")]),
    ] {
        let cookies: Vec<&str> = cookies.iter().map(String::as_str).collect();
        let response = harness
            .send(with_cookies(get_request("/me"), &cookies))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{case}");
        assert_eq!(body(response).await, "user-1 johnsmith", "{case}");
    }
}

#[tokio::test]
async fn a_valid_session_cookie_is_found_before_or_after_a_malformed_duplicate() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let valid = format!("narvik_session={token}");

    let cookie = format!("{valid}; narvik_session=garbage");
    let response = harness
        .send(with_cookies(get_request("/me"), &[&cookie]))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);

    // The malformed one first (as a tossed cookie on a longer path comes): it
    // neither hides the valid one nor gets the blank cookie, which would delete the
    // valid one instead.
    let request = with_cookies(get_request("/me"), &["narvik_session=garbage", &valid]);
    let response = harness.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
    assert_eq!(
        harness.store.fetches(),
        2,
        "malformed tokens cost no lookup"
    );

    // A single malformed one still gets the blank cookie.
    let request = with_cookies(get_request("/me"), &["narvik_session=garbage"]);
    let response = harness.send(request).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response).as_deref(), Some(BLANK_COOKIE));
}

#[tokio::test]
async fn cookies_with_similar_names_are_not_the_session_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let cookie =
        format!("Narvik_Session={token}; narvik_session_old={token}; x_narvik_session={token}");
    let response = harness
        .send(with_cookies(get_request("/me"), &[&cookie]))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(single_set_cookie(&response), None);
    assert_eq!(harness.store.fetches(), 0);
}

#[tokio::test]
async fn a_configured_cookie_name_is_read() {
    use narvik::{ManualClock, Narvik};
    use narvik_axum::NarvikLayer;

    let store = crate::common::TestStore::default();
    let narvik = Narvik::builder(store)
        .cookie_name("__Host-sid")
        .clock(ManualClock::default())
        .build()
        .expect("valid settings");
    let created = narvik
        .create_session(
            "user-9",
            crate::common::AppData {
                username: "ann".into(),
            },
        )
        .await
        .expect("the store works");
    let app = crate::common::app().layer(NarvikLayer::new(narvik));
    let cookie = format!(
        "narvik_session=garbage; __Host-sid={}",
        created.token.as_str()
    );
    let response = tower::ServiceExt::oneshot(app, with_cookies(get_request("/me"), &[&cookie]))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "user-9 ann");
}
