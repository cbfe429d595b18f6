//! `update_data` and `modify_data` through the middleware: the rest of the request
//! sees the new data, no cookie is written, and a lost race is a `409`.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use narvik_actix::{CurrentSession, NarvikMiddleware, SessionRejection};

use crate::common::{with_token, AppData, Harness, Sessions};

/// Renames the user: the body is the name the request's session has afterwards.
async fn rename(sessions: Sessions) -> Result<String, SessionRejection> {
    sessions
        .modify_data(|data| data.username = "jane".to_owned())
        .await?;
    let session = sessions
        .session()?
        .ok_or(SessionRejection::Unauthenticated)?;
    Ok(session.data.username)
}

/// Updates from the request's read after another writer changed the data.
async fn stale_update(
    session: CurrentSession<AppData>,
    sessions: Sessions,
) -> Result<String, SessionRejection> {
    sessions
        .narvik()
        .modify_session_data(&session.id, |data| data.username = "other".to_owned())
        .await?;
    let data = AppData {
        username: "mine".to_owned(),
    };
    sessions.update_data(data).await?;
    Ok("updated".to_owned())
}

async fn send(harness: &Harness, request: TestRequest) -> (StatusCode, Vec<String>, String) {
    let app = App::new()
        .route("/rename", web::post().to(rename))
        .route("/stale", web::post().to(stale_update))
        .wrap(NarvikMiddleware::new(harness.narvik.clone()));
    let app = test::init_service(app).await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .map(|value| value.to_str().expect("ASCII").to_owned())
        .collect();
    let body = test::read_body(response).await;
    (status, cookies, String::from_utf8_lossy(&body).into_owned())
}

#[actix_web::test]
async fn a_modification_is_seen_at_once_and_writes_no_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let request = with_token(TestRequest::post().uri("/rename"), &token);
    let (status, cookies, body) = send(&harness, request).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "jane"));
    assert_eq!(cookies, Vec::<String>::new());
    let session = harness
        .narvik
        .validate_session(&token)
        .await
        .expect("the store works")
        .expect("a session");
    assert_eq!(session.data.username, "jane");
}

#[actix_web::test]
async fn a_lost_race_is_a_409_and_loses_nothing() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let request = with_token(TestRequest::post().uri("/stale"), &token);
    let (status, cookies, body) = send(&harness, request).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body, "the session changed meanwhile: try again");
    assert_eq!(cookies, Vec::<String>::new());
    let session = harness
        .narvik
        .validate_session(&token)
        .await
        .expect("the store works")
        .expect("a session");
    assert_eq!(
        session.data.username, "other",
        "the other writer's change stays"
    );
}
