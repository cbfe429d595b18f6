//! The rejections' statuses, their customisation, and a missing middleware.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, ResponseError};
use narvik::time::Duration;
use narvik_actix::{NarvikMiddleware, NotFresh, SessionManager, SessionRejection};

use crate::common::{get, routes, with_token, Harness};

#[test]
fn the_statuses_are_narvik_axums() {
    let store = |error: narvik::Error| SessionRejection::Store(Arc::new(error));
    let cases = [
        (SessionRejection::Unauthenticated, StatusCode::UNAUTHORIZED),
        (
            store(narvik::Error::store("down")),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        (store(narvik::Error::Conflict), StatusCode::CONFLICT),
        (
            SessionRejection::MissingMiddleware { type_name: "T" },
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
    ];
    for (rejection, status) in cases {
        assert_eq!(rejection.status(), status, "{rejection:?}");
        assert_eq!(rejection.error_response().status(), status, "{rejection:?}");
        let fresh = NotFresh::from(rejection);
        assert_eq!(fresh.status(), status, "{fresh:?}");
        assert_eq!(fresh.error_response().status(), status, "{fresh:?}");
    }
    let stale = NotFresh::Stale {
        authenticated_at: narvik::UNKNOWN_TIME,
        max_age: Duration::minutes(5),
    };
    assert_eq!(stale.error_response().status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn the_session_limit_refuses_with_a_403() {
    type Store = narvik::MemoryStore<()>;
    async fn sign_in(sessions: SessionManager<Store>) -> Result<&'static str, SessionRejection> {
        sessions.start("user-1", ()).await?;
        Ok("signed in")
    }
    let narvik = narvik::Narvik::builder(Store::new())
        .max_sessions_per_user(1)
        .session_limit_policy(narvik::SessionLimitPolicy::RefuseNew)
        .build()
        .expect("valid settings");
    let app = App::new()
        .route("/sign-in", web::post().to(sign_in))
        .wrap(NarvikMiddleware::new(narvik));
    let app = test::init_service(app).await;
    let first = test::call_service(&app, TestRequest::post().uri("/sign-in").to_request()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let second = test::call_service(&app, TestRequest::post().uri("/sign-in").to_request()).await;
    assert_eq!(second.status(), StatusCode::FORBIDDEN);
    assert!(second.headers().get("set-cookie").is_none());
    let body = test::read_body(second).await;
    assert_eq!(body, "too many sessions: sign out on another device first");
}

#[actix_web::test]
async fn a_handler_can_answer_the_rejection_its_own_way() {
    let harness = Harness::new();
    let answer = harness.send(get("/custom")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header("location"), Some("/sign-in"));
    let token = harness.sign_in().await;
    let answer = harness.send(with_token(get("/custom"), &token)).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "user-1")
    );
}

#[actix_web::test]
async fn without_the_middleware_every_extractor_is_a_500() {
    let app = test::init_service(App::new().configure(routes)).await;
    for (request, uri) in [
        (TestRequest::get().uri("/me"), "/me"),
        (TestRequest::get().uri("/maybe"), "/maybe"),
        (TestRequest::get().uri("/sudo"), "/sudo"),
        (TestRequest::post().uri("/sign-in"), "/sign-in"),
    ] {
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{uri}"
        );
        let body = test::read_body(response).await;
        assert_eq!(body, "internal server error", "{uri}");
    }
}
