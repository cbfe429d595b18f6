//! `RequireFresh`: "sudo mode" per route (OWASP ASVS V7.5), and its rejection
//! `NotFresh`.

use axum::http::{header, StatusCode};
use narvik::{SessionStore, SessionTimes, SessionToken, UNKNOWN_TIME};
use narvik_axum::{NotFresh, RequireFresh, SessionRejection};
use time::Duration;

use crate::common::{
    body, get_request, post_request, single_set_cookie, token_of, with_token, AppData, Harness,
};

#[tokio::test]
async fn a_session_proved_within_the_maximum_age_passes() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    for elapsed in [Duration::ZERO, Duration::seconds(299), Duration::SECOND] {
        harness.clock.advance(elapsed); // 0 s, 299 s, then exactly 300 s
        let response = harness.send(with_token(get_request("/sudo"), &token)).await;
        assert_eq!(response.status(), StatusCode::OK, "after {elapsed}");
        assert_eq!(body(response).await, "fresh johnsmith");
    }
}

#[tokio::test]
async fn a_stale_session_is_refused_with_403() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.clock.advance(Duration::seconds(301));
    let response = harness.send(with_token(get_request("/sudo"), &token)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(single_set_cookie(&response), None, "still signed in");
    assert_eq!(body(response).await, "re-authentication required");

    // The session itself is still good for routes without the requirement.
    let response = harness.send(with_token(get_request("/me"), &token)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn no_session_is_refused_with_401_and_a_store_failure_with_503() {
    let harness = Harness::new();
    let response = harness.send(get_request("/sudo")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(response).await, "sign-in required");

    let token = harness.sign_in().await;
    harness.store.fail(true);
    let response = harness.send(with_token(get_request("/sudo"), &token)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(single_set_cookie(&response), None);
    assert_eq!(body(response).await, "service unavailable");
}

#[tokio::test]
async fn the_app_redirects_a_stale_session_and_reauthentication_makes_it_fresh() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let signed_in = harness.narvik.validate_session(&token).await;
    let signed_in = signed_in.expect("the store works").expect("valid");
    harness.clock.advance(Duration::minutes(6));

    let response = harness
        .send(with_token(get_request("/sudo-or-confirm"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let expected = format!(
        "/confirm-password?since={}&max=300",
        signed_in.authenticated_at.unix_timestamp()
    );
    assert_eq!(response.headers()[header::LOCATION], expected.as_str());

    // The "confirm your password" page checked the password, then:
    let response = harness
        .send(with_token(post_request("/reauthenticate"), &token))
        .await;
    let set_cookie = single_set_cookie(&response).expect("the rotated session's cookie");
    let fresh_token = token_of(&set_cookie).expect("a token").to_owned();

    let response = harness
        .send(with_token(get_request("/sudo-or-confirm"), &fresh_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "fresh user-1");

    // Fresh for five minutes from the new proof, then stale again.
    harness.clock.advance(Duration::seconds(301));
    let response = harness
        .send(with_token(get_request("/sudo"), &fresh_token))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_session_without_a_recorded_proof_is_never_fresh() {
    // A session stored before narvik 0.2: the proof's time was not kept.
    let harness = Harness::new();
    let token = SessionToken::generate();
    let now = time::macros::datetime!(2026-01-01 0:00 UTC);
    let times = SessionTimes {
        issued_at: now,
        authenticated_at: UNKNOWN_TIME,
        expires_at: now + Duration::days(30),
    };
    let data = AppData {
        username: "johnsmith".into(),
    };
    let mut session = narvik::Session::new(token.session_id(), "user-1", times, data);
    harness
        .store
        .save_session(&mut session)
        .await
        .expect("the store works");

    let response = harness
        .send(with_token(get_request("/sudo"), token.as_str()))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = harness
        .send(with_token(get_request("/me"), token.as_str()))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_extractor_derefs_to_the_session_and_reports_the_stale_proof() {
    async fn handler(session: Result<RequireFresh<AppData, 60>, NotFresh>) -> String {
        match session {
            Ok(session) => format!("{} {}", session.user_id, session.username),
            Err(NotFresh::Stale {
                authenticated_at,
                max_age,
            }) => format!("stale {} {}", authenticated_at.unix_timestamp(), max_age),
            Err(other) => format!("other {other}"),
        }
    }

    let harness = Harness::new();
    let routes = || axum::Router::new().route("/", axum::routing::get(handler));
    let token = harness.sign_in().await;
    let signed_in = harness.narvik.validate_session(&token).await;
    let signed_in = signed_in.expect("the store works").expect("valid");

    let response = harness
        .send_to(routes(), with_token(get_request("/"), &token))
        .await;
    assert_eq!(body(response).await, "user-1 johnsmith");

    harness.clock.advance(Duration::seconds(61));
    let response = harness
        .send_to(routes(), with_token(get_request("/"), &token))
        .await;
    let expected = format!("stale {} 1m", signed_in.authenticated_at.unix_timestamp());
    assert_eq!(body(response).await, expected);
}

#[tokio::test]
async fn without_the_layer_the_extractor_names_what_is_missing() {
    use tower::ServiceExt;

    async fn handler(session: Result<RequireFresh<AppData, 60>, NotFresh>) -> String {
        match session {
            Err(NotFresh::MissingLayer { type_name }) => type_name.to_owned(),
            other => format!("unexpected {other:?}"),
        }
    }

    let app = axum::Router::new().route("/", axum::routing::get(handler));
    let response = app.oneshot(get_request("/")).await.expect("infallible");
    assert!(body(response).await.contains("Session<"));
}

#[test]
fn rejection_statuses() {
    let stale = NotFresh::Stale {
        authenticated_at: UNKNOWN_TIME,
        max_age: Duration::minutes(5),
    };
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert_eq!(NotFresh::Unauthenticated.status(), StatusCode::UNAUTHORIZED);
    let store = NotFresh::from(SessionRejection::from(narvik::Error::store("down")));
    assert_eq!(store.status(), StatusCode::SERVICE_UNAVAILABLE);
    let missing = NotFresh::MissingLayer { type_name: "x" };
    assert_eq!(missing.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(RequireFresh::<AppData, 300>::MAX_AGE, Duration::minutes(5));
    assert_eq!(
        RequireFresh::<AppData, { u64::MAX }>::MAX_AGE,
        Duration::seconds(i64::MAX)
    );
}

/// The run-time form of the check: the window comes from a value, not the type.
#[test]
fn current_session_require_fresh_checks_a_window_chosen_at_run_time() {
    let now = time::OffsetDateTime::now_utc();
    let times = SessionTimes {
        issued_at: now - Duration::hours(1),
        authenticated_at: now - Duration::minutes(10),
        expires_at: now + Duration::days(1),
    };
    let session_id = SessionToken::generate().session_id();
    let session = narvik::Session::new(
        session_id,
        "user-1",
        times,
        AppData {
            username: "johnsmith".into(),
        },
    );
    let current = narvik_axum::CurrentSession(session);

    let fresh = current.clone().require_fresh(Duration::minutes(15));
    assert_eq!(fresh.map(|session| session.id).ok(), Some(session_id));

    match current.require_fresh(Duration::minutes(5)) {
        Err(NotFresh::Stale {
            authenticated_at,
            max_age,
        }) => {
            assert_eq!(authenticated_at, times.authenticated_at);
            assert_eq!(max_age, Duration::minutes(5));
        }
        other => panic!("a 10-minute-old proof within 5 minutes: {other:?}"),
    }
}
