//! A trait-object store (`Arc<dyn SessionStore<Data = D>>`) serves the layer, the
//! extractors and the manager, in handlers that axum requires to be `Send`.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use narvik::{MemoryStore, Narvik, SessionStore};
use narvik_axum::{CurrentSession, NarvikLayer, SessionManager, SessionRejection};

use crate::common::{body, get_request, post_request, single_set_cookie, with_token, AppData};

type DynStore = Arc<dyn SessionStore<Data = AppData>>;
type Sessions = SessionManager<DynStore>;

async fn sign_in(sessions: Sessions) -> Result<&'static str, SessionRejection> {
    let data = AppData {
        username: "ann".into(),
    };
    sessions.start("user-3", data).await?;
    Ok("signed in")
}

async fn sign_out(sessions: Sessions) -> Result<&'static str, SessionRejection> {
    sessions.end().await?;
    Ok("signed out")
}

async fn me(session: CurrentSession<AppData>, sessions: Sessions) -> String {
    let from_manager = sessions.session().ok().flatten();
    assert_eq!(from_manager.as_ref(), Some(&session.0));
    format!("{} {}", session.user_id, session.username)
}

#[tokio::test]
async fn a_trait_object_store_serves_the_layer_and_the_extractors() {
    let store: DynStore = Arc::new(MemoryStore::<AppData>::new());
    let narvik = Narvik::new(store);
    let app = Router::new()
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/me", get(me))
        .layer(NarvikLayer::new(narvik.clone()));
    let send = |request| tower::ServiceExt::oneshot(app.clone(), request);

    let response = send(post_request("/sign-in")).await.expect("infallible");
    let set_cookie = single_set_cookie(&response).expect("a session cookie");
    let token = set_cookie
        .strip_prefix("narvik_session=")
        .and_then(|rest| rest.split(';').next())
        .expect("the cookie's value")
        .to_owned();

    let response = send(with_token(get_request("/me"), &token))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "user-3 ann");

    let response = send(with_token(post_request("/sign-out"), &token))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(narvik
        .validate_session(&token)
        .await
        .expect("the store works")
        .is_none());
}
