//! This session's theme, a preference kept in the session's data and changed on
//! the account page (`POST /account/theme`) through narvik-axum's
//! `SessionManager::modify_data`: it shows on the account page, belongs to one
//! session only, and changes sent at the same time for one session all land
//! (each counts; the theme is the one written last). SQLite in memory, and the
//! concurrent changes again over PostgreSQL, MySQL and Redis.

use axum::http::StatusCode;
use axum::Router;
use narvik_demo::Config;

use crate::support::oneshot::{demo, demo_with, get, post, send, signed_in, signed_up};
use crate::support::{drop_namespace, host_port, require_server, server_url, unique_name};

/// The theme and the count of changes the account page of `cookie` shows.
async fn theme_on_account_page(app: &Router, cookie: &str) -> (String, u64) {
    let answer = send(app, get("/account", Some(cookie))).await;
    answer.assert_page(StatusCode::OK);
    let theme = between(
        &answer.body,
        "<strong id=\"current-theme\" data-theme=\"",
        "\"",
    );
    let changes = between(&answer.body, "<span id=\"theme-changes\">", "<");
    // The whole page wears the theme, not just the form.
    assert!(
        answer
            .body
            .contains(&format!("<body data-theme=\"{theme}\">")),
        "{}",
        answer.body
    );
    (theme.to_owned(), changes.parse().expect("a count"))
}

/// The text of `page` between the first `start` and the next `end`.
#[track_caller]
fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let rest = page
        .split_once(start)
        .unwrap_or_else(|| panic!("no {start:?} in {page}"))
        .1;
    rest.split_once(end).map_or(rest, |(inside, _)| inside)
}

/// `POST /account/theme` with `theme`, from the account page of `cookie`.
async fn set_theme(app: &Router, cookie: &str, theme: &str) -> StatusCode {
    let answer = send(
        app,
        post("/account/theme", &format!("theme={theme}"), Some(cookie)),
    )
    .await;
    if answer.status == StatusCode::SEE_OTHER {
        assert_eq!(answer.location(), Some("/account?notice=theme-changed"));
        // The token stays: a data update sends no new cookie.
        assert_eq!(answer.set_cookie(), None);
    }
    answer.status
}

#[tokio::test]
async fn the_theme_set_on_the_account_page_shows_there_for_this_session_only() {
    let app = demo().await;
    let laptop = signed_up(&app, "ada").await;
    let phone = signed_in(&app, "ada").await;
    assert_eq!(
        theme_on_account_page(&app, &laptop).await,
        ("light".to_owned(), 0)
    );

    assert_eq!(
        set_theme(&app, &laptop, "dark").await,
        StatusCode::SEE_OTHER
    );
    let answer = send(&app, get("/account?notice=theme-changed", Some(&laptop))).await;
    assert!(answer.body.contains("data-notice=\"theme-changed\""));
    assert!(answer.body.contains(
        "<input type=\"radio\" name=\"theme\" value=\"dark\" id=\"theme-dark\" checked>"
    ));
    assert_eq!(
        theme_on_account_page(&app, &laptop).await,
        ("dark".to_owned(), 1)
    );
    // The other device's session keeps its own.
    assert_eq!(
        theme_on_account_page(&app, &phone).await,
        ("light".to_owned(), 0)
    );
    // The other pages of the signed-in wear it too.
    let answer = send(&app, get("/account/password", Some(&laptop))).await;
    assert!(answer.body.contains("<body data-theme=\"dark\">"));

    // Setting the same theme again is a change all the same.
    assert_eq!(
        set_theme(&app, &laptop, "dark").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        set_theme(&app, &laptop, "light").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        theme_on_account_page(&app, &laptop).await,
        ("light".to_owned(), 3)
    );
}

#[tokio::test]
async fn a_theme_change_needs_a_session_a_known_theme_and_the_sites_own_form() {
    let app = demo().await;
    let cookie = signed_up(&app, "ada").await;
    assert_eq!(
        set_theme(&app, &cookie, "purple").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        set_theme(&app, &cookie, "").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let answer = send(&app, post("/account/theme", "theme=dark", None)).await;
    answer.assert_page(StatusCode::UNAUTHORIZED);
    let forged = "__Host-narvik_session=AAAA";
    assert_eq!(
        set_theme(&app, forged, "dark").await,
        StatusCode::UNAUTHORIZED
    );
    // From another site: the CSRF layer refuses it before the session is read.
    let mut request = post("/account/theme", "theme=dark", Some(&cookie));
    request.headers_mut().insert(
        axum::http::header::ORIGIN,
        axum::http::HeaderValue::from_static("http://evil.test"),
    );
    let answer = send(&app, request).await;
    answer.assert_page(StatusCode::FORBIDDEN);
    // None of these changed anything.
    assert_eq!(
        theme_on_account_page(&app, &cookie).await,
        ("light".to_owned(), 0)
    );
    // After signing out, the old cookie changes nothing.
    send(&app, post("/sign-out", "", Some(&cookie))).await;
    assert_eq!(
        set_theme(&app, &cookie, "dark").await,
        StatusCode::UNAUTHORIZED
    );
}

/// Sends theme changes for one session of `app` two at a time (`tokio::join!`,
/// so that both read the session before either writes), then a burst of them
/// from tasks of their own, and checks that every one counted.
async fn concurrent_theme_changes_all_land(app: &Router) {
    let cookie = signed_up(app, "ada").await;
    const PAIRS: u64 = 10;
    const BURST: u64 = 8;
    for _ in 0..PAIRS {
        let (dark, light) = tokio::join!(
            set_theme(app, &cookie, "dark"),
            set_theme(app, &cookie, "light")
        );
        assert_eq!(
            (dark, light),
            (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
        );
    }
    let (theme, changes) = theme_on_account_page(app, &cookie).await;
    assert_eq!(changes, 2 * PAIRS, "a concurrent change was lost");
    assert!(theme == "dark" || theme == "light");

    let burst: Vec<_> = (0..BURST)
        .map(|index| {
            let app = app.clone();
            let cookie = cookie.clone();
            let theme = if index % 2 == 0 { "dark" } else { "light" };
            tokio::spawn(async move { set_theme(&app, &cookie, theme).await })
        })
        .collect();
    for change in burst {
        assert_eq!(change.await.expect("no panic"), StatusCode::SEE_OTHER);
    }
    let (_, changes) = theme_on_account_page(app, &cookie).await;
    assert_eq!(changes, 2 * PAIRS + BURST, "a concurrent change was lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_theme_changes_of_one_session_all_land() {
    concurrent_theme_changes_all_land(&demo().await).await;
}

/// [`concurrent_theme_changes_all_land`] over the shared store at the URL in
/// `url_var` (or `default_url`), in a namespace of its own, dropped afterwards.
async fn concurrent_changes_over(name: &str, url_var: &str, default_url: &str) {
    let url = server_url(url_var, default_url);
    if !require_server(name, &host_port(&url)).await {
        return;
    }
    let namespace = unique_name("demo");
    // On a task of its own, so that the tables or keys are dropped even when the
    // test fails; then its failure is passed on.
    let test = tokio::spawn({
        let config = Config {
            store_url: url.clone(),
            namespace: namespace.clone(),
            ..Config::default()
        };
        async move {
            let app = demo_with(config).await;
            concurrent_theme_changes_all_land(&app).await;
        }
    });
    let outcome = test.await;
    drop_namespace(&url, &namespace).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_theme_changes_over_postgres() {
    concurrent_changes_over(
        "PostgreSQL",
        "NARVIK_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_theme_changes_over_mysql() {
    concurrent_changes_over(
        "MySQL",
        "NARVIK_TEST_MYSQL_URL",
        "mysql://root@127.0.0.1:3306/test",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_theme_changes_over_redis() {
    concurrent_changes_over("Redis", "NARVIK_TEST_REDIS_URL", "redis://127.0.0.1:6379").await;
}
