//! Apps customise the rejection; a missing layer is a 500 that says so.

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use narvik_axum::{Session, SessionRejection};

use crate::common::{body, get_request, with_token, AppData, Harness};

#[tokio::test]
async fn extracting_a_result_lets_the_handler_answer_for_itself() {
    let harness = Harness::new();
    let response = harness.send(get_request("/custom")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let token = harness.sign_in().await;
    let response = harness
        .send(with_token(get_request("/custom"), &token))
        .await;
    assert_eq!(body(response).await, "johnsmith");

    harness.store.fail(true);
    let response = harness
        .send(with_token(get_request("/custom"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        body(response).await,
        "session store failed: connection refused"
    );
}

#[tokio::test]
async fn extractors_without_the_layer_answer_500() {
    let app = Router::new().route("/me", get(|_: Session<AppData>| async { "unreachable" }));
    let response = tower::ServiceExt::oneshot(app, get_request("/me"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn rejections_have_their_status() {
    assert_eq!(
        SessionRejection::Unauthenticated.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        SessionRejection::MissingLayer.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let store = SessionRejection::from(narvik::Error::store("down"));
    assert_eq!(store.status(), StatusCode::SERVICE_UNAVAILABLE);
    let encode = SessionRejection::from(narvik::Error::encode("a map key that is not a string"));
    assert_eq!(encode.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        matches!(&store, SessionRejection::Store(error) if matches!(**error, narvik::Error::Store { .. }))
    );
    assert_eq!(store.to_string(), "session store failed: down");
}
