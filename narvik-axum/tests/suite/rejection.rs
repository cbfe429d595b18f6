//! Apps customise the rejection; a missing layer is a 500 whose rejection names the
//! type it looked for.

use std::any::type_name;

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use narvik::{MemoryStore, Narvik};
use narvik_axum::{CurrentSession, NarvikLayer, SessionRejection};

use crate::common::{body, error_chain, get_request, with_token, AppData, Harness, Sessions};

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
    let app = Router::new().route(
        "/me",
        get(|_: CurrentSession<AppData>| async { "unreachable" }),
    );
    let response = tower::ServiceExt::oneshot(app, get_request("/me"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body(response).await, "internal server error");
}

/// The rejection's message, or `accepted` when the extractor found what it wanted.
async fn rejection_message<T>(extracted: Result<T, SessionRejection>) -> String {
    match extracted {
        Ok(_) => "accepted".to_owned(),
        Err(rejection) => {
            assert_eq!(rejection.status(), StatusCode::INTERNAL_SERVER_ERROR);
            rejection.to_string()
        }
    }
}

/// What the rejection says when `missing` is not in the request's extensions.
fn missing_layer_message(missing: &str) -> String {
    format!(
        "narvik session layer missing: no `{missing}` in the request extensions; add \
         `.layer(NarvikLayer::new(narvik))` to the router, over every route that \
         extracts a session, with a `Narvik` whose store is of the type the handler names"
    )
}

#[tokio::test]
async fn the_missing_layer_rejection_names_the_type_it_looked_for() {
    let app = Router::new()
        .route(
            "/session",
            get(rejection_message::<CurrentSession<AppData>>),
        )
        .route("/manager", get(rejection_message::<Sessions>));

    let response = tower::ServiceExt::oneshot(app.clone(), get_request("/session"))
        .await
        .expect("infallible");
    let session_type = type_name::<narvik::Session<AppData>>();
    assert!(
        session_type.starts_with("narvik::") && session_type.ends_with("::SuiteData>"),
        "{session_type}"
    );
    assert_eq!(body(response).await, missing_layer_message(session_type));

    let response = tower::ServiceExt::oneshot(app, get_request("/manager"))
        .await
        .expect("infallible");
    let manager_type = type_name::<Sessions>();
    assert!(
        manager_type.starts_with("narvik_axum::") && manager_type.ends_with("::SuiteStore>"),
        "{manager_type}"
    );
    assert_eq!(body(response).await, missing_layer_message(manager_type));
}

#[tokio::test]
async fn a_manager_of_another_store_type_than_the_layers_is_a_missing_layer() {
    // A layer over `MemoryStore<AppData>`: the session data matches, the store not.
    let narvik = Narvik::new(MemoryStore::<AppData>::new());
    let app = Router::new()
        .route(
            "/session",
            get(rejection_message::<Option<CurrentSession<AppData>>>),
        )
        .route("/manager", get(rejection_message::<Sessions>))
        .layer(NarvikLayer::new(narvik));

    let response = tower::ServiceExt::oneshot(app.clone(), get_request("/session"))
        .await
        .expect("infallible");
    assert_eq!(body(response).await, "accepted");

    let response = tower::ServiceExt::oneshot(app, get_request("/manager"))
        .await
        .expect("infallible");
    let message = body(response).await;
    assert_eq!(message, missing_layer_message(type_name::<Sessions>()));
    assert!(message.contains("SessionManager<"), "{message}");
    assert!(!message.contains("MemoryStore"), "{message}");
}

#[test]
fn rejections_have_their_status() {
    assert_eq!(
        SessionRejection::Unauthenticated.status(),
        StatusCode::UNAUTHORIZED
    );
    let missing_layer = SessionRejection::MissingLayer {
        type_name: type_name::<narvik::Session<AppData>>(),
    };
    assert_eq!(missing_layer.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let store = SessionRejection::from(narvik::Error::store("down"));
    assert_eq!(store.status(), StatusCode::SERVICE_UNAVAILABLE);
    let encode = SessionRejection::from(narvik::Error::encode("a map key that is not a string"));
    assert_eq!(encode.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        matches!(&store, SessionRejection::Store(error) if matches!(**error, narvik::Error::Store { .. }))
    );
    // The cause is said once along the chain: in the source, not the message too.
    assert_eq!(error_chain(&store), "session store failed: down");
    assert_eq!(store.to_string(), "session store failed");
}
