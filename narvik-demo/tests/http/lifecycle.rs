//! The session lifecycle over HTTP (OWASP ASVS 5.0, V7): sign-in ends the old
//! session, "sign out everywhere else" and the change-password page ask for the
//! password again when its last check is stale, a password change can end every
//! other session, the account page shows each session's sign-in and last proof,
//! the absolute lifetime, and the cap on sessions per user. The demo's clock is a
//! `ManualClock`: a stale proof is the clock moved on, never a sleep. SQLite in
//! memory, and the main flows again over PostgreSQL, MySQL and Redis.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::http::header;
use axum::http::StatusCode;
use axum::Router;
use narvik::ManualClock;
use narvik_demo::{Config, RateLimits};
use time::macros::datetime;
use time::Duration;

use crate::support::oneshot::{
    credentials, demo_with, get, post, post_credentials, send, signed_in, signed_up, Answer,
    COOKIE, PASSWORD,
};
use crate::support::{drop_namespace, host_port, require_server, server_url, unique_name};

const NEW_PASSWORD: &str = "tr0ub4dor and 3";

/// The demo's defaults (a password check counts five minutes, sessions end 12
/// hours after sign-in, 10 at most per user) on `clock`, with rate limits these
/// tests never reach: they check more passwords a minute than a user would.
fn config_on(clock: &ManualClock) -> Config {
    let plenty = NonZeroU32::new(1_000).unwrap();
    Config {
        clock: Arc::new(clock.clone()),
        rate_limits: RateLimits {
            per_username_per_minute: plenty,
            per_address_per_minute: plenty,
        },
        ..Config::default()
    }
}

/// The demo of [`config_on`].
async fn demo_on(clock: &ManualClock) -> Router {
    demo_with(config_on(clock)).await
}

/// A `ManualClock` at 2026-03-01 09:30 UTC.
fn clock() -> ManualClock {
    ManualClock::new(datetime!(2026-03-01 9:30 UTC))
}

/// Whether `cookie` still opens the account page.
async fn signed_in_with(app: &Router, cookie: &str) -> bool {
    let answer = send(app, get("/account", Some(cookie))).await;
    match answer.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(answer.location(), Some("/sign-in?notice=session-ended"));
            false
        }
        other => panic!("GET /account answered {other}: {}", answer.body),
    }
}

/// The form of `password` and, when given, the intent `then`.
fn confirmation(password: &str, then: Option<&str>) -> String {
    let password = password.replace(' ', "+");
    match then {
        Some(then) => format!("password={password}&then={then}"),
        None => format!("password={password}"),
    }
}

/// The change-password form; the box ticked when `end_others`.
fn password_change(current: &str, new: &str, end_others: bool) -> String {
    let mut form = format!(
        "current_password={}&new_password={}",
        current.replace(' ', "+"),
        new.replace(' ', "+")
    );
    if end_others {
        form.push_str("&end_other_sessions=on");
    }
    form
}

/// The new session cookie `answer` sets, which must differ from `old`.
#[track_caller]
fn rotated(answer: &Answer, old: &str) -> String {
    let new = answer
        .session_cookie()
        .expect("the rotated session's cookie");
    assert_ne!(new, old, "a new token");
    new
}

#[tokio::test]
async fn signing_in_ends_the_session_the_browser_presented() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let first = signed_up(&app, "ada").await;
    // Someone else's session, planted in the browser before the sign-in
    // ("session fixation"), ends as well.
    let planted = signed_up(&app, "mallory").await;
    // Ada's sessions: the one each sign-in made (the first replaced).
    for (presented, active) in [(first, 1), (planted, 2)] {
        let answer = send(
            &app,
            post("/sign-in", &credentials("ada", PASSWORD), Some(&presented)),
        )
        .await;
        assert_eq!(answer.location(), Some("/account"));
        let fresh = rotated(&answer, &presented);
        assert!(!signed_in_with(&app, &presented).await, "{presented}");
        let page = send(&app, get("/account", Some(&fresh))).await;
        assert!(
            page.body.contains(&format!("({active} active)")),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn signing_out_everywhere_else_asks_for_the_password_when_the_proof_is_stale() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let laptop = signed_up(&app, "ada").await;
    let phone = signed_in(&app, "ada").await;
    let bob = signed_up(&app, "bob").await;

    // Four minutes after signing in: fresh, nothing asked.
    clock.advance(Duration::minutes(4));
    let tablet = signed_in(&app, "ada").await;
    let answer = send(&app, post("/sessions/sign-out-others", "", Some(&tablet))).await;
    assert_eq!(answer.location(), Some("/account?notice=others-signed-out"));
    assert!(!signed_in_with(&app, &laptop).await);
    assert!(!signed_in_with(&app, &phone).await);
    assert!(signed_in_with(&app, &tablet).await);

    // Five minutes and a second later: stale, sent to confirm the password.
    let phone = signed_in(&app, "ada").await;
    clock.advance(Duration::minutes(5) + Duration::SECOND);
    let answer = send(&app, post("/sessions/sign-out-others", "", Some(&tablet))).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.location(),
        Some("/confirm-password?then=sign-out-others")
    );
    assert!(answer.session_cookie().is_none());
    assert!(signed_in_with(&app, &phone).await, "nothing ended yet");

    let page = send(
        &app,
        get("/confirm-password?then=sign-out-others", Some(&tablet)),
    )
    .await;
    page.assert_page(StatusCode::OK);
    assert!(page.body.contains("id=\"confirm-password-form\""));
    assert!(page
        .body
        .contains("<input type=\"hidden\" name=\"then\" value=\"sign-out-others\">"));
    assert!(page.body.contains("5 minutes"), "{}", page.body);
    assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");

    // A wrong password: the form again, nothing ended, no new token.
    let wrong = confirmation("not the password", Some("sign-out-others"));
    let answer = send(&app, post("/confirm-password", &wrong, Some(&tablet))).await;
    answer.assert_page(StatusCode::UNAUTHORIZED);
    assert!(answer.body.contains("Wrong password."));
    assert!(answer.session_cookie().is_none());
    assert!(signed_in_with(&app, &phone).await);
    let empty = send(
        &app,
        post("/confirm-password", "then=sign-out-others", Some(&tablet)),
    )
    .await;
    empty.assert_page(StatusCode::UNPROCESSABLE_ENTITY);

    // The right one: a new token for this device, every other session ended.
    let right = confirmation(PASSWORD, Some("sign-out-others"));
    let answer = send(&app, post("/confirm-password", &right, Some(&tablet))).await;
    assert_eq!(answer.location(), Some("/account?notice=others-signed-out"));
    let confirmed = rotated(&answer, &tablet);
    assert!(!signed_in_with(&app, &tablet).await, "the old token ended");
    assert!(!signed_in_with(&app, &phone).await);
    let page = send(&app, get("/account", Some(&confirmed))).await;
    assert!(page.body.contains("(1 active)"), "{}", page.body);
    assert!(signed_in_with(&app, &bob).await, "other users keep theirs");

    // Fresh again: the next one is done at once.
    let phone = signed_in(&app, "ada").await;
    let answer = send(
        &app,
        post("/sessions/sign-out-others", "", Some(&confirmed)),
    )
    .await;
    assert_eq!(answer.location(), Some("/account?notice=others-signed-out"));
    assert!(!signed_in_with(&app, &phone).await);
}

#[tokio::test]
async fn signing_out_another_session_asks_for_the_password_when_the_proof_is_stale() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let laptop = signed_up(&app, "ada").await;
    let phone = signed_in(&app, "ada").await;
    let tablet = signed_in(&app, "ada").await;
    let page = send(&app, get("/account", Some(&laptop))).await.body;
    let ids = other_session_ids(&page);
    assert_eq!(ids.len(), 2);
    clock.advance(Duration::minutes(6));

    // Another session: one that is not the user's is refused before any
    // password is asked; one that is sends them to confirm it.
    let form = |id: &str| format!("session_id={id}");
    let bob = signed_up(&app, "bob").await;
    let answer = send(&app, post("/sessions/sign-out", &form(&ids[0]), Some(&bob))).await;
    answer.assert_page(StatusCode::NOT_FOUND);
    let answer = send(
        &app,
        post("/sessions/sign-out", &form(&ids[0]), Some(&laptop)),
    )
    .await;
    let to_confirm = format!(
        "/confirm-password?then=sign-out-session&session_id={}",
        ids[0]
    );
    assert_eq!(answer.location(), Some(to_confirm.as_str()));
    assert!(signed_in_with(&app, &phone).await && signed_in_with(&app, &tablet).await);

    let page = send(&app, get(&to_confirm, Some(&laptop))).await;
    page.assert_page(StatusCode::OK);
    let hidden = format!(
        "<input type=\"hidden\" name=\"session_id\" value=\"{}\">",
        ids[0]
    );
    assert!(page.body.contains(&hidden), "{}", page.body);
    assert!(page.body.contains("Confirm and sign out that session"));

    let right = format!(
        "{}&then=sign-out-session&session_id={}",
        confirmation(PASSWORD, None),
        ids[0]
    );
    let answer = send(&app, post("/confirm-password", &right, Some(&laptop))).await;
    assert_eq!(
        answer.location(),
        Some("/account?notice=session-signed-out")
    );
    let laptop = rotated(&answer, &laptop);
    // Exactly that one ended: the tablet or the phone, whichever `ids[0]` was.
    let alive = [
        signed_in_with(&app, &phone).await,
        signed_in_with(&app, &tablet).await,
    ];
    assert_eq!(alive.iter().filter(|alive| **alive).count(), 1, "{alive:?}");
    let page = send(&app, get("/account", Some(&laptop))).await;
    assert!(page.body.contains("(2 active)"), "{}", page.body);
    assert!(!page.body.contains(&ids[0]));
}

/// The session ids in the account page's sign-out forms (the other sessions).
fn other_session_ids(account_page: &str) -> Vec<String> {
    account_page
        .split("name=\"session_id\" value=\"")
        .skip(1)
        .map(|rest| rest[..64].to_owned())
        .collect()
}

#[tokio::test]
async fn the_freshness_window_comes_from_the_config() {
    let clock = clock();
    let app = demo_with(Config {
        reauthenticate_after: Duration::hours(1),
        ..config_on(&clock)
    })
    .await;
    let laptop = signed_up(&app, "ada").await;
    clock.advance(Duration::minutes(59));
    let answer = send(&app, get("/account/password", Some(&laptop))).await;
    answer.assert_page(StatusCode::OK);
    clock.advance(Duration::minutes(2));
    let answer = send(&app, get("/account/password", Some(&laptop))).await;
    assert_eq!(
        answer.location(),
        Some("/confirm-password?then=change-password")
    );
}

#[tokio::test]
async fn the_change_password_page_asks_for_the_password_when_the_proof_is_stale() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let laptop = signed_up(&app, "ada").await;
    clock.advance(Duration::minutes(6));
    let answer = send(&app, get("/account/password", Some(&laptop))).await;
    assert_eq!(
        answer.location(),
        Some("/confirm-password?then=change-password")
    );

    let right = confirmation(PASSWORD, Some("change-password"));
    let answer = send(&app, post("/confirm-password", &right, Some(&laptop))).await;
    assert_eq!(answer.location(), Some("/account/password"));
    let confirmed = rotated(&answer, &laptop);
    let page = send(&app, get("/account/password", Some(&confirmed))).await;
    page.assert_page(StatusCode::OK);
    assert!(page.body.contains("id=\"change-password-form\""));
    // Ending the other sessions is offered, and ticked by default.
    assert!(
        page.body.contains(
            "<input id=\"end-other-sessions\" type=\"checkbox\" name=\"end_other_sessions\" \
             value=\"on\" checked>"
        ),
        "{}",
        page.body
    );

    // Without an intent, confirming leads back to the account page.
    clock.advance(Duration::minutes(6));
    let answer = send(
        &app,
        post(
            "/confirm-password",
            &confirmation(PASSWORD, None),
            Some(&confirmed),
        ),
    )
    .await;
    assert_eq!(
        answer.location(),
        Some("/account?notice=password-confirmed")
    );
    // An intent the demo does not know is no destination either.
    clock.advance(Duration::minutes(6));
    let confirmed = rotated(&answer, &confirmed);
    let answer = send(
        &app,
        post(
            "/confirm-password",
            &confirmation(PASSWORD, Some("https://evil.example/")),
            Some(&confirmed),
        ),
    )
    .await;
    assert_eq!(
        answer.location(),
        Some("/account?notice=password-confirmed")
    );
}

#[tokio::test]
async fn changing_the_password_checks_the_current_one_and_can_end_every_other_session() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let laptop = signed_up(&app, "ada").await;
    let phone = signed_in(&app, "ada").await;
    let bob = signed_up(&app, "bob").await;

    for (form, status, error) in [
        (
            password_change("not the password", NEW_PASSWORD, true),
            StatusCode::UNAUTHORIZED,
            "Wrong current password.",
        ),
        (
            password_change(PASSWORD, "short", true),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least 8 characters",
        ),
        (
            password_change(PASSWORD, PASSWORD, true),
            StatusCode::UNPROCESSABLE_ENTITY,
            "the one you have now",
        ),
        (
            password_change("", NEW_PASSWORD, true),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Enter your current password and a new one.",
        ),
    ] {
        let answer = send(&app, post("/account/password", &form, Some(&laptop))).await;
        answer.assert_page(status);
        assert!(answer.body.contains(error), "{form}: {}", answer.body);
        assert!(answer.session_cookie().is_none());
        // The box stays as the user left it.
        assert!(answer.body.contains("value=\"on\" checked>"), "{form}");
    }
    let unticked = password_change("not the password", NEW_PASSWORD, false);
    let answer = send(&app, post("/account/password", &unticked, Some(&laptop))).await;
    assert!(answer.body.contains("value=\"on\">"), "{}", answer.body);
    assert!(signed_in_with(&app, &phone).await);

    let change = password_change(PASSWORD, NEW_PASSWORD, true);
    let answer = send(&app, post("/account/password", &change, Some(&laptop))).await;
    assert_eq!(
        answer.location(),
        Some("/account?notice=password-changed-others-signed-out")
    );
    let changed = rotated(&answer, &laptop);
    assert!(!signed_in_with(&app, &laptop).await, "the old token ended");
    assert!(
        !signed_in_with(&app, &phone).await,
        "the phone is signed out"
    );
    assert!(signed_in_with(&app, &changed).await);
    assert!(signed_in_with(&app, &bob).await);

    // The old password opens nothing any more; the new one does.
    let answer = post_credentials(&app, "/sign-in", "ada", PASSWORD).await;
    answer.assert_page(StatusCode::UNAUTHORIZED);
    let answer = post_credentials(&app, "/sign-in", "ada", NEW_PASSWORD).await;
    assert_eq!(answer.location(), Some("/account"));
}

#[tokio::test]
async fn changing_the_password_without_the_box_keeps_the_other_sessions() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let laptop = signed_up(&app, "ada").await;
    let phone = signed_in(&app, "ada").await;
    // The form is its own proof: no freshness asked of the POST.
    clock.advance(Duration::minutes(30));
    let change = password_change(PASSWORD, NEW_PASSWORD, false);
    let answer = send(&app, post("/account/password", &change, Some(&laptop))).await;
    assert_eq!(answer.location(), Some("/account?notice=password-changed"));
    let changed = rotated(&answer, &laptop);
    assert!(signed_in_with(&app, &phone).await);
    let page = send(&app, get("/account", Some(&changed))).await;
    assert!(page.body.contains("(2 active)"));
    // And the change counted as a proof of the password.
    let answer = send(&app, get("/account/password", Some(&changed))).await;
    answer.assert_page(StatusCode::OK);
}

#[tokio::test]
async fn the_account_page_shows_each_sessions_sign_in_and_last_proof() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let laptop = signed_up(&app, "ada").await;
    clock.advance(Duration::hours(2));
    signed_in(&app, "ada").await;
    clock.advance(Duration::minutes(10));
    let answer = send(
        &app,
        post(
            "/confirm-password",
            &confirmation(PASSWORD, None),
            Some(&laptop),
        ),
    )
    .await;
    let laptop = rotated(&answer, &laptop);

    let page = send(&app, get("/account", Some(&laptop))).await.body;
    assert!(page.contains("<dd id=\"session-issued\">2026-03-01 09:30 UTC</dd>"));
    assert!(page.contains("<dd id=\"session-authenticated\">2026-03-01 11:40 UTC</dd>"));
    // Twelve hours after sign-in, however active.
    assert!(page.contains("<dd id=\"session-deadline\">2026-03-01 21:30 UTC"));
    let issued = |at| format!("<td class=\"time issued\" data-label=\"Signed in\">{at}</td>");
    let proved =
        |at| format!("<td class=\"time authenticated\" data-label=\"Password checked\">{at}</td>");
    // This device first: signed in at 09:30, password confirmed at 11:40 (the
    // rotation kept the sign-in time); then the phone, both at 11:30.
    let this_device = page.find(&issued("2026-03-01 09:30 UTC")).unwrap();
    let phone = page.find(&issued("2026-03-01 11:30 UTC")).unwrap();
    assert!(this_device < phone);
    assert!(page.contains(&proved("2026-03-01 11:40 UTC")));
    assert!(page.contains(&proved("2026-03-01 11:30 UTC")));
}

#[tokio::test]
async fn every_page_of_the_signed_in_has_a_sign_out_button() {
    let clock = clock();
    let app = demo_on(&clock).await;
    let cookie = signed_up(&app, "ada").await;
    let button = "<form class=\"inline\" method=\"post\" action=\"/sign-out\">\
                  <button class=\"header\" id=\"header-sign-out\" type=\"submit\">Sign out</button>";
    for path in ["/account", "/account/password", "/confirm-password"] {
        let page = send(&app, get(path, Some(&cookie))).await;
        page.assert_page(StatusCode::OK);
        assert!(page.body.contains(button), "{path}: {}", page.body);
    }
    // Not on the pages of the signed-out.
    let page = send(&app, get("/sign-in", None)).await;
    assert!(!page.body.contains("header-sign-out"));
}

#[tokio::test]
async fn the_absolute_lifetime_ends_even_a_session_in_use() {
    let clock = clock();
    let app = demo_with(Config {
        absolute_lifetime: Some(Duration::hours(2)),
        session_length: Duration::hours(1),
        ..config_on(&clock)
    })
    .await;
    let answer = post_credentials(&app, "/sign-up", "ada", PASSWORD).await;
    let max_age = |answer: &Answer| {
        let set_cookie = answer.set_cookie().expect("the cookie sent again");
        let max_age = set_cookie.split("Max-Age=").nth(1).unwrap();
        max_age.split(';').next().unwrap().to_owned()
    };
    assert_eq!(max_age(&answer), "3600");
    let cookie = answer.session_cookie().unwrap();
    // Used at 10:10: extended by a whole hour.
    clock.advance(Duration::minutes(40));
    let answer = send(&app, get("/account", Some(&cookie))).await;
    answer.assert_page(StatusCode::OK);
    assert_eq!(max_age(&answer), "3600");
    // Used at 10:50: extended to the deadline, 11:30, and the cookie with it.
    clock.advance(Duration::minutes(40));
    let answer = send(&app, get("/account", Some(&cookie))).await;
    answer.assert_page(StatusCode::OK);
    assert_eq!(max_age(&answer), "2400");
    // Used at 11:20: still valid, but nothing to extend.
    clock.advance(Duration::minutes(30));
    let answer = send(&app, get("/account", Some(&cookie))).await;
    answer.assert_page(StatusCode::OK);
    assert!(answer.set_cookie().is_none());
    // Past 11:30: ended, in use or not.
    clock.advance(Duration::minutes(10) + Duration::SECOND);
    assert!(!signed_in_with(&app, &cookie).await);
}

#[tokio::test]
async fn signing_in_beyond_the_cap_ends_the_least_recently_extended_session() {
    let clock = clock();
    let app = demo_with(Config {
        max_sessions_per_user: NonZeroU32::new(3),
        ..config_on(&clock)
    })
    .await;
    let mut cookies = vec![signed_up(&app, "ada").await];
    let bob = signed_up(&app, "bob").await;
    for _ in 0..3 {
        clock.advance(Duration::SECOND);
        cookies.push(signed_in(&app, "ada").await);
    }
    // The first ended for the fourth; the three newest live.
    assert!(!signed_in_with(&app, &cookies[0]).await);
    for cookie in &cookies[1..] {
        assert!(signed_in_with(&app, cookie).await);
    }
    let page = send(&app, get("/account", Some(&cookies[3]))).await;
    assert!(page.body.contains("(3 active)"), "{}", page.body);
    assert!(signed_in_with(&app, &bob).await, "the cap is per user");
    assert!(cookies[3].starts_with(&format!("{COOKIE}=")));
}

/// The lifecycle on the store at `url` (which may not be reached: then skipped):
/// a stale "sign out everywhere else" confirmed, a password change ending the
/// other sessions (the account updated in that backend's user table), the cap.
async fn lifecycle_over(name: &str, url_var: &str, default_url: &str) {
    let url = server_url(url_var, default_url);
    if !require_server(name, &host_port(&url)).await {
        return;
    }
    let namespace = unique_name("demo");
    // Now, not the other tests' fixed date: Redis expires keys by the real clock.
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    // On a task of its own, so that the tables or keys are dropped even when the
    // test fails; then its failure is passed on.
    let test = tokio::spawn({
        let config = Config {
            store_url: url.clone(),
            namespace: namespace.clone(),
            max_sessions_per_user: NonZeroU32::new(3),
            ..config_on(&clock)
        };
        let clock = clock.clone();
        async move {
            let app = demo_with(config).await;
            let laptop = signed_up(&app, "ada").await;
            let phone = signed_in(&app, "ada").await;
            clock.advance(Duration::minutes(6));
            let answer = send(&app, post("/sessions/sign-out-others", "", Some(&laptop))).await;
            assert_eq!(
                answer.location(),
                Some("/confirm-password?then=sign-out-others")
            );
            let right = confirmation(PASSWORD, Some("sign-out-others"));
            let answer = send(&app, post("/confirm-password", &right, Some(&laptop))).await;
            assert_eq!(answer.location(), Some("/account?notice=others-signed-out"));
            let laptop = rotated(&answer, &laptop);
            assert!(!signed_in_with(&app, &phone).await);

            let phone = signed_in(&app, "ada").await;
            let change = password_change(PASSWORD, NEW_PASSWORD, true);
            let answer = send(&app, post("/account/password", &change, Some(&laptop))).await;
            assert_eq!(
                answer.location(),
                Some("/account?notice=password-changed-others-signed-out")
            );
            let laptop = rotated(&answer, &laptop);
            assert!(!signed_in_with(&app, &phone).await);
            let answer = post_credentials(&app, "/sign-in", "ada", PASSWORD).await;
            answer.assert_page(StatusCode::UNAUTHORIZED);

            // Three at most: the fourth sign-in ends the least recently extended.
            let mut cookies = vec![laptop];
            for _ in 0..3 {
                clock.advance(Duration::SECOND);
                let answer = post_credentials(&app, "/sign-in", "ada", NEW_PASSWORD).await;
                cookies.push(answer.session_cookie().expect("a session"));
            }
            assert!(!signed_in_with(&app, &cookies[0]).await);
            for cookie in &cookies[1..] {
                assert!(signed_in_with(&app, cookie).await);
            }
        }
    });
    let outcome = test.await;
    drop_namespace(&url, &namespace).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

#[tokio::test]
async fn the_lifecycle_over_postgres() {
    lifecycle_over(
        "PostgreSQL",
        "NARVIK_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    )
    .await;
}

#[tokio::test]
async fn the_lifecycle_over_mysql() {
    lifecycle_over(
        "MySQL",
        "NARVIK_TEST_MYSQL_URL",
        "mysql://root@127.0.0.1:3306/test",
    )
    .await;
}

#[tokio::test]
async fn the_lifecycle_over_redis() {
    lifecycle_over("Redis", "NARVIK_TEST_REDIS_URL", "redis://127.0.0.1:6379").await;
}
