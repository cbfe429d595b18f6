//! `SessionManager::update_data` and `modify_data`: the request's session takes the
//! new data at once, a stale update is a conflict, and the token stays as it is.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use narvik::{Narvik, SessionId};
use narvik_axum::{CurrentSession, RequireFresh, SessionRejection};

use crate::common::{
    body, error_chain, get_request, post_request, single_set_cookie, with_token, AppData, Harness,
    Sessions, TestStore, BLANK_COOKIE,
};

fn data(username: &str) -> AppData {
    AppData {
        username: username.to_owned(),
    }
}

/// The id of the request's session, read through the manager.
fn current_id(sessions: &Sessions) -> SessionId {
    let session = sessions.session().expect("validated").expect("signed in");
    session.id
}

/// `/rename` renames the user with `update_data`, then reads the request's session
/// through the manager and through extractors run afterwards; a middleware reads
/// it again once the handler is done.
fn rename_routes() -> Router {
    let handler = |sessions: Sessions, mut parts: Parts| async move {
        let updated = sessions.update_data(data("jane-doe")).await;
        let updated = updated.expect("no conflict").expect("signed in");
        assert_eq!(updated.username, "jane-doe");
        assert_eq!(updated.data_version(), 1);

        let current = sessions.session().expect("validated").expect("signed in");
        assert_eq!(current, updated);
        let extracted = CurrentSession::<AppData>::from_request_parts(&mut parts, &()).await;
        assert_eq!(extracted.expect("signed in").0, updated);
        let fresh = RequireFresh::<AppData, 300>::from_request_parts(&mut parts, &()).await;
        assert_eq!(fresh.expect("just signed in").username, "jane-doe");
        "renamed"
    };
    Router::new()
        .route("/rename", post(handler))
        .layer(axum::middleware::from_fn(
            |sessions: Sessions, request, next: axum::middleware::Next| async move {
                let response = next.run(request).await;
                let after = sessions.session().expect("validated").expect("signed in");
                assert_eq!(after.username, "jane-doe", "seen after the handler");
                response
            },
        ))
        .route(
            "/me",
            get(|session: CurrentSession<AppData>| async move { session.username.clone() }),
        )
}

#[tokio::test]
async fn an_update_is_seen_by_the_rest_of_the_request_and_sends_no_cookie() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let response = harness
        .send_to(rename_routes(), with_token(post_request("/rename"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        single_set_cookie(&response),
        None,
        "the token did not change"
    );
    assert_eq!(body(response).await, "renamed");
}

#[tokio::test]
async fn a_later_request_sees_the_updated_data() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let response = harness
        .send_to(rename_routes(), with_token(post_request("/rename"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = harness
        .send_to(rename_routes(), with_token(get_request("/me"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "jane-doe");
    let stored = harness.narvik.validate_session(&token).await;
    let stored = stored.expect("the store works").expect("valid");
    assert_eq!(stored.data_version(), 1);
}

#[tokio::test]
async fn an_update_after_a_concurrent_change_is_a_409_and_writes_nothing() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let narvik: Narvik<TestStore> = harness.narvik.clone();
    let routes = Router::new().route(
        "/rename",
        post(move |sessions: Sessions| async move {
            let read = sessions.session().expect("validated").expect("signed in");
            // Another request changes the data between this one's read and write.
            let other = narvik.modify_session_data(&read.id, |data| data.username = "other".into());
            other.await.expect("the store works").expect("signed in");

            let stale = sessions.update_data(data("jane-doe")).await;
            assert!(matches!(stale, Err(narvik::Error::Conflict)), "{stale:?}");
            let current = sessions.session().expect("validated").expect("signed in");
            assert_eq!(current, read, "the request's session is left as it was");
            sessions.update_data(data("jane-doe")).await?;
            Ok::<_, SessionRejection>("unreachable")
        }),
    );
    let response = harness
        .send_to(routes, with_token(post_request("/rename"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(single_set_cookie(&response), None);
    assert_eq!(
        body(response).await,
        "the session changed meanwhile: try again"
    );
    let stored = harness.narvik.validate_session(&token).await;
    let stored = stored.expect("the store works").expect("valid");
    assert_eq!(stored.username, "other", "the concurrent change is kept");
    assert_eq!(stored.data_version(), 1);
}

#[tokio::test]
async fn modify_applies_the_change_to_the_latest_data() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let narvik: Narvik<TestStore> = harness.narvik.clone();
    let routes = Router::new().route(
        "/exclaim",
        post(move |sessions: Sessions| async move {
            let session_id = current_id(&sessions);
            let other =
                narvik.modify_session_data(&session_id, |data| data.username = "other".into());
            other.await.expect("the store works").expect("signed in");

            let modified = sessions.modify_data(|data| data.username.push('!')).await;
            let modified = modified.expect("no conflict").expect("signed in");
            assert_eq!(modified.username, "other!");
            assert_eq!(modified.data_version(), 2);
            let current = sessions.session().expect("validated").expect("signed in");
            assert_eq!(current, modified);
            current.username.clone()
        }),
    );
    let response = harness
        .send_to(routes, with_token(post_request("/exclaim"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
    assert_eq!(body(response).await, "other!");
    let stored = harness.narvik.validate_session(&token).await;
    let stored = stored.expect("the store works").expect("valid");
    assert_eq!(stored.username, "other!");
}

#[tokio::test]
async fn an_update_of_a_session_ended_elsewhere_sends_the_blank_cookie() {
    for modify in [false, true] {
        let harness = Harness::new();
        let token = harness.sign_in().await;
        let narvik: Narvik<TestStore> = harness.narvik.clone();
        let routes = Router::new().route(
            "/rename",
            post(move |sessions: Sessions| async move {
                // Signed out on another device between validation and the handler.
                let ended = narvik.invalidate_session(&current_id(&sessions)).await;
                ended.expect("the store works");
                let updated = if modify {
                    sessions
                        .modify_data(|data| data.username = "jane".into())
                        .await
                } else {
                    sessions.update_data(data("jane")).await
                };
                assert!(updated.expect("the store works").is_none());
                assert!(sessions.session().expect("no failure").is_none());
            }),
        );
        let response = harness
            .send_to(routes, with_token(post_request("/rename"), &token))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "modify: {modify}");
        let set_cookie = single_set_cookie(&response);
        assert_eq!(
            set_cookie.as_deref(),
            Some(BLANK_COOKIE),
            "modify: {modify}"
        );
        assert_eq!(harness.store.len(), 0, "an update never brings it back");
    }
}

#[tokio::test]
async fn a_failed_update_changes_nothing() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    let store: TestStore = harness.store.clone();
    let routes = Router::new().route(
        "/rename",
        post(move |sessions: Sessions| async move {
            let before = sessions.session().expect("validated").expect("signed in");
            store.fail(true);
            assert!(sessions.update_data(data("jane")).await.is_err());
            assert!(sessions
                .modify_data(|data| data.username.clear())
                .await
                .is_err());
            store.fail(false);
            let after = sessions.session().expect("validated").expect("signed in");
            assert_eq!(after, before);
        }),
    );
    let response = harness
        .send_to(routes, with_token(post_request("/rename"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
    let stored = harness.narvik.validate_session(&token).await;
    let stored = stored.expect("the store works").expect("valid");
    assert_eq!(stored.username, "johnsmith");
    assert_eq!(stored.data_version(), 0);
}

#[tokio::test]
async fn an_update_without_a_session_is_none_and_sends_no_cookie() {
    let harness = Harness::new();
    let routes = Router::new().route(
        "/rename",
        post(|sessions: Sessions| async move {
            let updated = sessions.update_data(data("jane")).await;
            assert!(updated.expect("nothing to fail").is_none());
            let modified = sessions.modify_data(|data| data.username.clear()).await;
            assert!(modified.expect("nothing to fail").is_none());
            assert!(sessions.session().expect("no failure").is_none());
        }),
    );
    let response = harness.send_to(routes, post_request("/rename")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
}

#[tokio::test]
async fn an_update_after_a_failed_validation_is_a_store_error() {
    let harness = Harness::new();
    let token = harness.sign_in().await;
    harness.store.fail(true);
    let store: TestStore = harness.store.clone();
    let routes = Router::new().route(
        "/rename",
        post(move |sessions: Sessions| async move {
            store.fail(false);
            // No read to check the data against: refused, though the store is back.
            let error = sessions
                .update_data(data("jane"))
                .await
                .expect_err("no read");
            assert!(matches!(error, narvik::Error::Store { .. }), "{error:?}");
            assert_eq!(
                error_chain(&error),
                "session store failed: validating the request's session failed, \
                 so there is no read to update: connection refused"
            );
            // `modify_data` reads the session itself.
            let modified = sessions.modify_data(|data| data.username.push('!')).await;
            let modified = modified.expect("the store is back").expect("signed in");
            assert_eq!(modified.username, "johnsmith!");
            let current = sessions
                .session()
                .expect("validated now")
                .expect("signed in");
            assert_eq!(current, modified);
        }),
    );
    let response = harness
        .send_to(routes, with_token(post_request("/rename"), &token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(single_set_cookie(&response), None);
}
