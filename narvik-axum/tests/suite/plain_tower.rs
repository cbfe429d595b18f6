//! The layer around a plain tower `service_fn`, without axum's router.

use std::convert::Infallible;

use http::{header, Request, Response, StatusCode};
use narvik::{MemoryStore, Narvik};
use narvik_axum::{NarvikLayer, SessionManager};
use tower::{service_fn, Layer, ServiceExt};

type Sessions = SessionManager<MemoryStore<()>>;

/// `POST` signs in, `DELETE` signs out, anything else answers with the user id.
async fn handle(request: Request<String>) -> Result<Response<String>, Infallible> {
    let sessions = request
        .extensions()
        .get::<Sessions>()
        .expect("the layer put the manager here")
        .clone();
    let mut response = Response::new(String::new());
    match *request.method() {
        http::Method::POST => {
            let session = sessions.start("user-7", ()).await.expect("the store works");
            assert_eq!(sessions.session().expect("no store failure"), Some(session));
        }
        http::Method::DELETE => {
            sessions.end().await.expect("the store works");
            assert_eq!(sessions.session().expect("no store failure"), None);
        }
        _ => match sessions.session().expect("no store failure") {
            Some(session) => *response.body_mut() = session.user_id,
            None => *response.status_mut() = StatusCode::UNAUTHORIZED,
        },
    }
    Ok(response)
}

fn request(method: http::Method, cookie: Option<&str>) -> Request<String> {
    let mut request = Request::builder().method(method).uri("/");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(String::new()).expect("a valid request")
}

#[tokio::test]
async fn the_layer_serves_a_plain_tower_service() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    let service = NarvikLayer::new(narvik.clone()).layer(service_fn(handle));

    let response = service
        .clone()
        .oneshot(request(http::Method::GET, None))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let response = service
        .clone()
        .oneshot(request(http::Method::POST, None))
        .await
        .expect("infallible");
    let set_cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .expect("ASCII");
    let cookie = set_cookie.split(';').next().expect("name=value").to_owned();
    let token: narvik::SessionToken = cookie
        .trim_start_matches("narvik_session=")
        .parse()
        .expect("a well-formed token");
    let session = narvik.validate_session(token.as_str()).await;
    let session = session.expect("the store works").expect("the new session");
    assert_eq!(
        set_cookie,
        narvik.create_cookie(&token, &session).to_string()
    );

    let response = service
        .clone()
        .oneshot(request(http::Method::GET, Some(&cookie)))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "user-7");

    let response = service
        .clone()
        .oneshot(request(http::Method::DELETE, Some(&cookie)))
        .await
        .expect("infallible");
    assert_eq!(
        response.headers()[header::SET_COOKIE],
        narvik.create_blank_cookie().to_string()
    );

    let response = service
        .oneshot(request(http::Method::GET, Some(&cookie)))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
