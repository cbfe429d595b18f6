//! End-to-end tests of the demo in headless Chromium, driven with fantoccini
//! through chromedriver.
//!
//! Each test serves the demo in-process on a free port of 127.0.0.1 (SQLite in
//! memory unless it names a shared store), starts its own chromedriver, and opens
//! one Chromium per device, each with a fresh profile. Waits are for elements and
//! page loads, never fixed sleeps; expiry uses a `ManualClock`.
//!
//! Without `chromium` and `chromedriver` (Debian: `chromium`, `chromium-driver`;
//! `scripts/test.sh` installs them) the tests skip, or fail under `CI=true`.
//! `NARVIK_UPDATE_SCREENSHOTS=1` saves the README's screenshots to
//! `docs/screenshots/`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails by panicking"
)]

mod support;

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use narvik::{Clock, ManualClock};
use narvik_demo::{Config, RateLimits};
use support::browser::{require_browser, Browser, Chromedriver};
use support::{
    host_port, raw_request, require_server, server_url, unique_name, DemoServer, RawResponse,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "correct horse battery";
/// The session cookie's name: `__Host-`, as the cookie is `Secure` by default.
const COOKIE: &str = "__Host-narvik_session";
/// The second device's browser: a phone.
const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                     (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

/// Runs `test`, failing it if it takes more than a minute: a hung browser fails
/// the run instead of stalling it.
async fn within_a_minute(test: impl Future<Output = ()>) {
    tokio::time::timeout(std::time::Duration::from_secs(60), test)
        .await
        .expect("the test finishes within a minute");
}

/// Runs `test` on the demo of `config`, served in-process, with a chromedriver of
/// its own, failing it if it takes more than a minute; skips without a browser.
async fn with_demo(config: Config, test: impl AsyncFnOnce(&DemoServer, &Chromedriver)) {
    if !require_browser() {
        return;
    }
    within_a_minute(async {
        let server = DemoServer::start(config).await;
        let driver = Chromedriver::start().await;
        test(&server, &driver).await;
    })
    .await;
}

/// A new browser, signed up on `server` as `ada` and on the account page.
async fn signed_up_as_ada(server: &DemoServer, driver: &Chromedriver) -> Browser {
    let browser = driver.browser(None).await;
    browser.sign_up(&server.origin(), "ada", PASSWORD).await;
    browser
}

/// The value of the browser's session cookie, if it has one.
async fn session_token(browser: &Browser) -> Option<String> {
    browser
        .cookie(COOKIE)
        .await
        .map(|cookie| cookie.value().to_owned())
}

/// `GET /account` with `cookie` (`__Host-narvik_session=...`) over a plain `TcpStream`
/// to the demo at `addr`, as a script replaying a stolen cookie would send it.
async fn replay_account(addr: SocketAddr, cookie: &str) -> RawResponse {
    raw_request(addr, "GET", "/account", &[("Cookie", cookie)], "").await
}

/// Checks `response` sends to the sign-in page, saying the session ended.
#[track_caller]
fn assert_session_ended(response: &RawResponse) {
    assert_eq!(response.status, 303);
    assert_eq!(
        response.header("location"),
        Some("/sign-in?notice=session-ended")
    );
}

/// Reloads the page and waits for element `then` on the new one.
async fn reload(browser: &Browser, then: &str) {
    let url = browser.client.current_url().await.expect("the current URL");
    browser.goto(url.as_str()).await;
    browser.wait_for(then).await;
}

/// The rows of the account page's session list.
async fn session_rows(browser: &Browser) -> Vec<String> {
    browser.wait_for("#sessions").await;
    let rows = browser
        .client
        .find_all(fantoccini::Locator::Css("tr.session"))
        .await
        .expect("the session rows");
    let mut texts = Vec::new();
    for row in rows {
        texts.push(row.text().await.expect("a row's text"));
    }
    texts
}

/// The demo's defaults on `clock`, with rate limits these tests never reach:
/// they check more passwords a minute than a user would.
fn config_on(clock: &ManualClock) -> Config {
    let plenty = NonZeroU32::new(1_000).expect("above 0");
    Config {
        clock: Arc::new(clock.clone()),
        rate_limits: RateLimits {
            per_username_per_minute: plenty,
            per_address_per_minute: plenty,
        },
        ..Config::default()
    }
}

/// Signs `username` in on `server` over a plain `TcpStream`, as another device
/// would; the session cookie's `name=value`.
async fn sign_in_over_http(server: &DemoServer, username: &str) -> String {
    let origin = server.origin();
    let form = format!(
        "username={username}&password={}",
        PASSWORD.replace(' ', "+")
    );
    let answer = raw_request(
        server.addr,
        "POST",
        "/sign-in",
        &[
            ("Origin", &origin),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("User-Agent", PHONE),
        ],
        &form,
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let set_cookie = answer.header("set-cookie").expect("a session cookie");
    let pair = set_cookie.split(';').next().expect("a name=value");
    assert!(pair.starts_with(&format!("{COOKIE}=")), "{set_cookie}");
    pair.to_owned()
}

/// Checks the session of `cookie` (`name=value`) is alive on `server`.
async fn assert_alive(server: &DemoServer, cookie: &str) {
    let response = replay_account(server.addr, cookie).await;
    assert_eq!(response.status, 200, "{cookie} refused");
}

/// The text of element `css` in this device's row of the session list.
async fn this_device(browser: &Browser, css: &str) -> String {
    browser
        .text(&format!("tr.session[data-current=true] {css}"))
        .await
}

#[tokio::test]
async fn sign_up_signs_in_with_a_secure_http_only_lax_cookie() {
    with_demo(Config::default(), async |server, driver| {
        let browser = driver.browser(None).await;
        browser.goto(&server.url("/sign-up")).await;
        browser.wait_for("#sign-up-form").await;
        browser.screenshot("sign-up").await;
        browser
            .submit_credentials("  Ada ", PASSWORD, "#account-username")
            .await;
        assert_eq!(browser.path().await, "/account");
        assert_eq!(browser.text("#account-username").await, "ada");
        let device = browser.text("#session-user-agent").await;
        assert!(device.starts_with("Headless Chrome"), "{device}");

        // The attributes as the browser keeps them.
        let cookie = browser.cookie(COOKIE).await.expect("the session cookie");
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(
            cookie.secure(),
            Some(true),
            "Chromium keeps a Secure cookie from http://127.0.0.1"
        );
        assert_eq!(
            cookie.same_site().map(|same_site| same_site.to_string()),
            Some("Lax".to_owned())
        );
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.value().len(), 32);
        // At the demo's absolute lifetime, 12 hours, before the 30 days an
        // unused session would last.
        let expires = cookie.expires_datetime().expect("a persistent cookie");
        let twelve_hours = OffsetDateTime::now_utc() + Duration::hours(12);
        assert!(
            (expires - twelve_hours).abs() < Duration::minutes(2),
            "expires {expires}, expected about {twelve_hours}"
        );
        // HttpOnly: scripts on the page never see it.
        assert!(!browser.document_cookie().await.contains(COOKIE));

        // A reload is still signed in, with the same cookie.
        reload(&browser, "#account-username").await;
        assert_eq!(browser.path().await, "/account");
        assert_eq!(browser.text("#account-username").await, "ada");
        let again = session_token(&browser).await;
        assert_eq!(again.as_deref(), Some(cookie.value()));

        // The sign-up form is not for the signed-in.
        browser.goto(&server.url("/sign-up")).await;
        browser.wait_for("#account-username").await;
        assert_eq!(browser.path().await, "/account");
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_right_one_signs_in() {
    with_demo(Config::default(), async |server, driver| {
        let browser = signed_up_as_ada(server, driver).await;

        browser.sign_out().await;
        assert_eq!(browser.path().await, "/sign-in?notice=signed-out");
        assert!(browser.cookie(COOKIE).await.is_none(), "sign-out clears it");
        browser.screenshot("signed-out").await;

        browser
            .submit_credentials("ada", "not the password", "#error")
            .await;
        assert_eq!(browser.text("#error").await, "Wrong username or password.");
        assert!(browser.cookie(COOKIE).await.is_none());
        // The username is filled in again, the password never.
        let username = browser.wait_for("#username").await;
        assert_eq!(
            username.prop("value").await.unwrap().as_deref(),
            Some("ada")
        );
        let password = browser.wait_for("#password").await;
        assert_eq!(password.prop("value").await.unwrap().as_deref(), Some(""));
        browser.screenshot("sign-in-refused").await;

        browser.fill("#password", PASSWORD).await;
        browser.click_and_wait("#submit", "#account-username").await;
        assert_eq!(browser.text("#account-username").await, "ada");
        assert!(browser.cookie(COOKIE).await.is_some());
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_taken_username_is_refused_on_sign_up() {
    with_demo(Config::default(), async |server, driver| {
        signed_up_as_ada(server, driver).await.close().await;

        let second = driver.browser(None).await;
        second.goto(&server.url("/sign-up")).await;
        second
            .submit_credentials("ada", "another password", "#error")
            .await;
        assert!(second.text("#error").await.contains("is taken"));
        assert!(second.cookie(COOKIE).await.is_none());
        second.screenshot("sign-up-taken").await;
        second.close().await;
    })
    .await;
}

#[tokio::test]
async fn sign_out_ends_the_session_and_a_replayed_token_is_refused() {
    with_demo(Config::default(), async |server, driver| {
        let browser = signed_up_as_ada(server, driver).await;
        let token = session_token(&browser).await.expect("a session");
        let stolen = format!("{COOKIE}={token}");

        // The token works from anywhere while the session lives...
        let replayed = replay_account(server.addr, &stolen).await;
        assert_eq!(replayed.status, 200);
        assert!(replayed.body.contains("ada"));

        browser.sign_out().await;
        assert!(browser.cookie(COOKIE).await.is_none());
        browser.goto(&server.url("/account")).await;
        browser.wait_for("#sign-in-form").await;
        assert_eq!(browser.path().await, "/sign-in");

        // ...and nowhere once it is signed out: pages send it to sign in and clear it,
        let replayed = replay_account(server.addr, &stolen).await;
        assert_session_ended(&replayed);
        let cleared = replayed.header("set-cookie").expect("the blank cookie");
        assert!(
            cleared.starts_with(&format!("{COOKIE}=; Max-Age=0;")),
            "{cleared}"
        );
        // actions refuse it.
        let origin = server.origin();
        let replayed = raw_request(
            server.addr,
            "POST",
            "/sessions/sign-out-others",
            &[
                ("Cookie", &stolen),
                ("Origin", &origin),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            "",
        )
        .await;
        assert_eq!(replayed.status, 401);
        assert!(replayed.body.contains("Not signed in"));
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn two_devices_sign_each_other_out() {
    with_demo(Config::default(), async |server, driver| {
        let base = server.origin();
        let laptop = driver.browser(None).await;
        let phone = driver.browser(Some(PHONE)).await;
        laptop.sign_up(&base, "ada", PASSWORD).await;
        phone.sign_in(&base, "ada", PASSWORD).await;
        assert_ne!(
            session_token(&laptop).await,
            session_token(&phone).await,
            "each device has its own session"
        );

        reload(&laptop, "#sessions").await;
        let rows = session_rows(&laptop).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[0].contains("this device"), "{rows:?}");
        assert!(rows[1].contains("Chrome 156 on Android"), "{rows:?}");
        laptop.screenshot("account").await;

        // "Sign out" on the phone's row ends the phone's session only.
        laptop
            .click_and_wait(
                "button.sign-out-session",
                "#notice[data-notice=session-signed-out]",
            )
            .await;
        assert_eq!(session_rows(&laptop).await.len(), 1);
        phone.goto(&format!("{base}/account")).await;
        phone.wait_for("#notice[data-notice=session-ended]").await;
        assert_eq!(phone.path().await, "/sign-in?notice=session-ended");
        assert!(
            phone.cookie(COOKIE).await.is_none(),
            "the dead cookie is cleared"
        );

        // "Sign out everywhere else" ends the phone's new session, not the laptop's.
        phone.sign_in(&base, "ada", PASSWORD).await;
        reload(&laptop, "#sessions").await;
        assert_eq!(session_rows(&laptop).await.len(), 2);
        laptop
            .click_and_wait("#sign-out-others", "#notice[data-notice=others-signed-out]")
            .await;
        assert_eq!(session_rows(&laptop).await.len(), 1);
        assert!(
            !laptop.has("#sign-out-others").await,
            "no one else to sign out"
        );
        phone.goto(&format!("{base}/account")).await;
        phone.wait_for("#notice[data-notice=session-ended]").await;
        phone.screenshot("session-ended").await;

        reload(&laptop, "#account-username").await;
        assert!(laptop.path().await.starts_with("/account"));
        laptop.close().await;
        phone.close().await;
    })
    .await;
}

#[tokio::test]
async fn signing_in_ends_the_session_the_browser_held() {
    with_demo(Config::default(), async |server, driver| {
        // An attacker's own session, planted in the victim's browser before the
        // victim signs in ("session fixation"): a cookie of the site's name.
        let planted = sign_in_over_http_as_new(server, "mallory").await;
        let browser = driver.browser(None).await;
        browser.goto(&server.url("/sign-up")).await;
        browser.wait_for("#sign-up-form").await;
        let token = planted.split_once('=').expect("name=value").1.to_owned();
        // By a script, as a page of the site could (WebDriver's scripts are not
        // held to the page's `Content-Security-Policy`); chromedriver's "add
        // cookie" insists on a `Domain`, which a `__Host-` cookie may not have.
        browser
            .client
            .execute(
                "document.cookie = arguments[0];",
                vec![format!("{COOKIE}={token}; Path=/; Secure; SameSite=Lax").into()],
            )
            .await
            .expect("the cookie is planted");
        assert_eq!(
            session_token(&browser).await.as_deref(),
            Some(token.as_str())
        );

        // The victim signs up: a new token, and the planted session is over.
        browser
            .submit_credentials("ada", PASSWORD, "#account-username")
            .await;
        assert_eq!(browser.text("#account-username").await, "ada");
        let signed_in = session_token(&browser).await.expect("a session");
        assert_ne!(signed_in, token);
        assert_session_ended(&replay_account(server.addr, &planted).await);

        // Signing in again on the same browser ends the session it had: signed
        // out here, in again in another tab, then the sign-in form this tab still
        // shows is sent.
        browser.sign_out().await;
        let stale_form = browser.client.window().await.expect("this tab");
        let new_tab = browser.client.new_window(true).await.expect("a new tab");
        browser
            .client
            .switch_to_window(new_tab.handle)
            .await
            .expect("to the new tab");
        browser.sign_in(&server.origin(), "ada", PASSWORD).await;
        let second = format!(
            "{COOKIE}={}",
            session_token(&browser).await.expect("a session")
        );
        browser
            .client
            .switch_to_window(stale_form)
            .await
            .expect("back to the first tab");
        browser
            .submit_credentials("ada", PASSWORD, "#account-username")
            .await;
        let third = format!(
            "{COOKIE}={}",
            session_token(&browser).await.expect("a session")
        );
        assert_ne!(third, second);
        assert_session_ended(&replay_account(server.addr, &second).await);
        assert_eq!(session_rows(&browser).await.len(), 1, "one session left");
        browser.close().await;
    })
    .await;
}

/// Signs `username` up on `server` over a plain `TcpStream`; the session
/// cookie's `name=value`.
async fn sign_in_over_http_as_new(server: &DemoServer, username: &str) -> String {
    let origin = server.origin();
    let form = format!(
        "username={username}&password={}",
        PASSWORD.replace(' ', "+")
    );
    let answer = raw_request(
        server.addr,
        "POST",
        "/sign-up",
        &[
            ("Origin", &origin),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form,
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let set_cookie = answer.header("set-cookie").expect("a session cookie");
    set_cookie
        .split(';')
        .next()
        .expect("a name=value")
        .to_owned()
}

#[tokio::test]
async fn signing_out_everywhere_else_asks_for_the_password_when_the_proof_is_stale() {
    let clock = ManualClock::new(OffsetDateTime::now_utc());
    with_demo(config_on(&clock), async |server, driver| {
        let laptop = signed_up_as_ada(server, driver).await;
        let phone = sign_in_over_http(server, "ada").await;
        // Six minutes since the password was last given: stale.
        clock.advance(Duration::minutes(6));
        reload(&laptop, "#sessions").await;
        assert_eq!(session_rows(&laptop).await.len(), 2);
        let before = session_token(&laptop).await.expect("a session");

        laptop
            .click_and_wait("#sign-out-others", "#confirm-password-form")
            .await;
        assert_eq!(
            laptop.path().await,
            "/confirm-password?then=sign-out-others"
        );
        assert!(laptop.text("#confirm-password").await.contains("5 minutes"));
        assert_alive(server, &phone).await;
        laptop.screenshot("confirm-password").await;

        laptop.fill("#password", "not the password").await;
        laptop.click_and_wait("#submit", "#error").await;
        assert_eq!(laptop.text("#error").await, "Wrong password.");
        assert_alive(server, &phone).await;

        laptop.fill("#password", PASSWORD).await;
        laptop
            .click_and_wait("#submit", "#notice[data-notice=others-signed-out]")
            .await;
        assert_eq!(laptop.path().await, "/account?notice=others-signed-out");
        assert_eq!(session_rows(&laptop).await.len(), 1);
        let after = session_token(&laptop).await.expect("a session");
        assert_ne!(after, before, "confirming the password gives a new token");
        assert_session_ended(&replay_account(server.addr, &phone).await);
        let old = format!("{COOKIE}={before}");
        assert_session_ended(&replay_account(server.addr, &old).await);
        // The proof is on this device's row now.
        let now = clock.now();
        let proved = this_device(&laptop, "td.authenticated").await;
        assert_eq!(proved, format_minute(now));

        // Fresh: the next time, nothing is asked.
        let phone = sign_in_over_http(server, "ada").await;
        reload(&laptop, "#sessions").await;
        laptop
            .click_and_wait("#sign-out-others", "#notice[data-notice=others-signed-out]")
            .await;
        assert_session_ended(&replay_account(server.addr, &phone).await);
        laptop.close().await;
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_signs_out_every_other_session_when_ticked() {
    let clock = ManualClock::new(OffsetDateTime::now_utc());
    with_demo(config_on(&clock), async |server, driver| {
        let new_password = "tr0ub4dor and 3";
        let laptop = signed_up_as_ada(server, driver).await;
        let phone = sign_in_over_http(server, "ada").await;
        clock.advance(Duration::minutes(6));

        // Stale: the password first, then the form.
        laptop
            .click_and_wait("#change-password", "#confirm-password-form")
            .await;
        assert_eq!(
            laptop.path().await,
            "/confirm-password?then=change-password"
        );
        laptop.fill("#password", PASSWORD).await;
        laptop
            .click_and_wait("#submit", "#change-password-form")
            .await;
        assert_eq!(laptop.path().await, "/account/password");
        let end_others = laptop.wait_for("#end-other-sessions").await;
        assert_eq!(
            end_others.prop("checked").await.unwrap().as_deref(),
            Some("true"),
            "ending the other sessions is offered, ticked"
        );
        laptop.screenshot("change-password").await;

        laptop.fill("#current-password", "not the password").await;
        laptop.fill("#new-password", new_password).await;
        laptop.click_and_wait("#submit", "#error").await;
        assert_eq!(laptop.text("#error").await, "Wrong current password.");
        assert_alive(server, &phone).await;

        laptop.fill("#current-password", PASSWORD).await;
        laptop.fill("#new-password", new_password).await;
        laptop
            .click_and_wait(
                "#submit",
                "#notice[data-notice=password-changed-others-signed-out]",
            )
            .await;
        assert_eq!(session_rows(&laptop).await.len(), 1);
        assert_session_ended(&replay_account(server.addr, &phone).await);

        // Signed out from the header, there on every page of the signed-in; then
        // the old password opens nothing, and the new one does.
        laptop.goto(&server.url("/account/password")).await;
        laptop
            .click_and_wait("#header-sign-out", "#notice[data-notice=signed-out]")
            .await;
        laptop.submit_credentials("ada", PASSWORD, "#error").await;
        laptop.fill("#password", new_password).await;
        laptop.click_and_wait("#submit", "#account-username").await;
        assert_eq!(laptop.text("#account-username").await, "ada");
        laptop.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_account_page_lists_each_sessions_sign_in_and_last_proof() {
    let clock = ManualClock::new(datetime!(2026-03-01 9:30 UTC));
    with_demo(config_on(&clock), async |server, driver| {
        let laptop = signed_up_as_ada(server, driver).await;
        clock.advance(Duration::hours(2));
        let phone = driver.browser(Some(PHONE)).await;
        phone.sign_in(&server.origin(), "ada", PASSWORD).await;
        phone.close().await;
        clock.advance(Duration::minutes(10));

        // The password confirmed at 11:40, on the way to changing it.
        laptop.goto(&server.url("/account/password")).await;
        laptop.fill("#password", PASSWORD).await;
        laptop
            .click_and_wait("#submit", "#change-password-form")
            .await;
        laptop.click_and_wait("#cancel", "#sessions").await;

        assert_eq!(laptop.text("#session-issued").await, "2026-03-01 09:30 UTC");
        assert_eq!(
            laptop.text("#session-authenticated").await,
            "2026-03-01 11:40 UTC"
        );
        let deadline = laptop.text("#session-deadline").await;
        assert!(deadline.starts_with("2026-03-01 21:30 UTC"), "{deadline}");
        assert_eq!(session_rows(&laptop).await.len(), 2);
        // This device: signed in at 09:30 (kept through the new token), the
        // password checked at 11:40; the phone: both at 11:30.
        assert_eq!(
            this_device(&laptop, "td.issued").await,
            "2026-03-01 09:30 UTC"
        );
        assert_eq!(
            this_device(&laptop, "td.authenticated").await,
            "2026-03-01 11:40 UTC"
        );
        let other = |css: &str| format!("tr.session[data-current=false] {css}");
        assert_eq!(
            laptop.text(&other("td.issued")).await,
            "2026-03-01 11:30 UTC"
        );
        assert_eq!(
            laptop.text(&other("td.authenticated")).await,
            "2026-03-01 11:30 UTC"
        );
        laptop.close().await;
    })
    .await;
}

/// The colour the page's `body` is painted with, as the browser computed it.
async fn body_background(browser: &Browser) -> String {
    let value = browser
        .client
        .execute(
            "return getComputedStyle(document.body).backgroundColor;",
            Vec::new(),
        )
        .await
        .expect("a script runs");
    value.as_str().unwrap_or_default().to_owned()
}

/// The light theme's background, `#f4f5f7`, and the dark one's, `#12151c`.
const LIGHT_BACKGROUND: &str = "rgb(244, 245, 247)";
const DARK_BACKGROUND: &str = "rgb(18, 21, 28)";

/// Waits until the current page is `path` (with its query).
async fn wait_for_path(browser: &Browser, path: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now_at = browser.path().await;
        if now_at == path {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still at {now_at}, not {path}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_theme_chosen_on_the_account_page_stays_after_a_reload() {
    with_demo(Config::default(), async |server, driver| {
        let browser = signed_up_as_ada(server, driver).await;
        assert_eq!(browser.text("#current-theme").await, "Light");
        assert_eq!(browser.text("#theme-changes").await, "0");
        assert_eq!(body_background(&browser).await, LIGHT_BACKGROUND);

        browser
            .wait_for("#theme-dark")
            .await
            .click()
            .await
            .expect("the radio button");
        browser
            .click_and_wait("#save-theme", "#notice[data-notice=theme-changed]")
            .await;
        assert_eq!(browser.text("#current-theme").await, "Dark");
        assert_eq!(browser.text("#theme-changes").await, "1");
        assert_eq!(body_background(&browser).await, DARK_BACKGROUND);

        // Kept in the session, not the page: a fresh load of the account page.
        browser.goto(&server.url("/account")).await;
        browser.wait_for("#theme-form").await;
        assert_eq!(browser.text("#current-theme").await, "Dark");
        assert_eq!(browser.text("#theme-changes").await, "1");
        assert!(browser.has("#theme-dark:checked").await);
        assert_eq!(body_background(&browser).await, DARK_BACKGROUND);
        // Another browser of the same user has a session, and a theme, of its own.
        let phone = driver.browser(Some(PHONE)).await;
        phone.sign_in(&server.origin(), "ada", PASSWORD).await;
        assert_eq!(phone.text("#current-theme").await, "Light");
        assert_eq!(body_background(&phone).await, LIGHT_BACKGROUND);
        phone.close().await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn two_windows_of_one_session_changing_the_theme_at_once_both_count() {
    with_demo(Config::default(), async |server, driver| {
        let browser = signed_up_as_ada(server, driver).await;
        let first = browser.client.window().await.expect("this window");
        let second = browser
            .client
            .new_window(false)
            .await
            .expect("a second window")
            .handle;
        // Both show the account page as it is now: light, no change yet.
        browser
            .client
            .switch_to_window(second.clone())
            .await
            .expect("to the second window");
        browser.goto(&server.url("/account")).await;
        assert_eq!(browser.text("#theme-changes").await, "0");
        browser
            .wait_for("#theme-light")
            .await
            .click()
            .await
            .expect("the radio button");
        browser
            .client
            .switch_to_window(first.clone())
            .await
            .expect("back to the first window");
        browser
            .wait_for("#theme-dark")
            .await
            .click()
            .await
            .expect("the radio button");

        // Each window's form is sent a moment from now, by a timer of its own,
        // so that the two are on their way together rather than one after the
        // other as WebDriver's commands would have it.
        let send_soon = "setTimeout(() => document.getElementById('theme-form').submit(), 300);";
        for window in [&first, &second] {
            browser
                .client
                .switch_to_window(window.clone())
                .await
                .expect("to the window");
            browser
                .client
                .execute(send_soon, Vec::new())
                .await
                .expect("a script runs");
        }
        let mut counts = Vec::new();
        for window in [&first, &second] {
            browser
                .client
                .switch_to_window(window.clone())
                .await
                .expect("to the window");
            wait_for_path(&browser, "/account?notice=theme-changed").await;
            browser.wait_for("#notice[data-notice=theme-changed]").await;
            counts.push(browser.text("#theme-changes").await);
        }
        // Whichever was written last saw the other's change: two, not one.
        assert!(counts.contains(&"2".to_owned()), "{counts:?}");

        // Reloaded, both windows agree: both changes counted, one theme.
        let mut themes = Vec::new();
        for window in [&first, &second] {
            browser
                .client
                .switch_to_window(window.clone())
                .await
                .expect("to the window");
            browser.goto(&server.url("/account")).await;
            assert_eq!(browser.text("#theme-changes").await, "2");
            themes.push(browser.text("#current-theme").await);
        }
        assert_eq!(themes[0], themes[1]);
        assert!(themes[0] == "Light" || themes[0] == "Dark", "{themes:?}");
        assert_eq!(
            session_rows(&browser).await.len(),
            1,
            "one session, two windows"
        );
        browser.close().await;
    })
    .await;
}

/// `at` as the pages show it: `2026-05-01 14:03 UTC`.
fn format_minute(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .expect("a date that formats")
}

/// A phone's screen, in CSS pixels.
const PHONE_SCREEN: (u32, u32) = (390, 844);

#[tokio::test]
async fn the_account_page_fits_a_phone_screen() {
    with_demo(Config::default(), async |server, driver| {
        let base = server.origin();
        // Two other devices, still signed in after their browsers close.
        for user_agent in [None, Some(PHONE)] {
            let other = driver.browser(user_agent).await;
            if user_agent.is_none() {
                other.sign_up(&base, "ada", PASSWORD).await;
            } else {
                other.sign_in(&base, "ada", PASSWORD).await;
            }
            other.close().await;
        }
        let phone = driver.phone(PHONE, PHONE_SCREEN).await;
        phone.sign_in(&base, "ada", PASSWORD).await;
        assert_eq!(session_rows(&phone).await.len(), 3);

        let layout = phone
            .client
            .execute(
                "const card = document.querySelector('#sessions').getBoundingClientRect();
                 const buttons = [...document.querySelectorAll('#sessions button')]
                     .map(button => button.getBoundingClientRect())
                     .map(rect => [rect.left, rect.right]);
                 return {
                     innerWidth: window.innerWidth,
                     scrollWidth: document.documentElement.scrollWidth,
                     card: [card.left, card.right],
                     buttons,
                 };",
                Vec::new(),
            )
            .await
            .expect("a script runs");
        let number = |value: &serde_json::Value| value.as_f64().expect("a number");
        let inner_width = number(&layout["innerWidth"]);
        // Wider content would make the phone zoom out to a wider viewport.
        assert_eq!(
            inner_width,
            f64::from(PHONE_SCREEN.0),
            "the page is wider than the phone: {layout}"
        );
        assert!(
            number(&layout["scrollWidth"]) <= inner_width,
            "the page scrolls sideways: {layout}"
        );
        let card = &layout["card"];
        let (card_left, card_right) = (number(&card[0]), number(&card[1]));
        assert!(0.0 <= card_left && card_right <= inner_width, "{layout}");
        let buttons = layout["buttons"].as_array().expect("the buttons");
        // A "Sign out" on each row, and the two below the table.
        assert_eq!(buttons.len(), 5, "{layout}");
        for button in buttons {
            let (left, right) = (number(&button[0]), number(&button[1]));
            assert!(
                card_left <= left && right <= card_right,
                "a button off the card: {layout}"
            );
        }
        // The picture shows the list of sessions and the buttons below it.
        phone
            .client
            .execute(
                "document.querySelector('#sessions').scrollIntoView({ block: 'end' });",
                Vec::new(),
            )
            .await
            .expect("a script runs");
        phone.screenshot("account-phone").await;
        phone.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_expired_session_sends_the_user_back_to_sign_in() {
    let clock = ManualClock::new(OffsetDateTime::now_utc());
    let config = Config {
        clock: Arc::new(clock.clone()),
        // Idle expiry alone: no absolute lifetime to end the session first.
        absolute_lifetime: None,
        ..Config::default()
    };
    with_demo(config, async |server, driver| {
        let browser = signed_up_as_ada(server, driver).await;

        // Used after 20 days: extended, still signed in.
        clock.advance(Duration::days(20));
        reload(&browser, "#account-username").await;
        assert_eq!(browser.path().await, "/account");

        // Unused for 31 days: expired by the server's clock, though the browser
        // (on real time) still sends the cookie.
        clock.advance(Duration::days(31));
        assert!(browser.cookie(COOKIE).await.is_some());
        reload(&browser, "#sign-in-form").await;
        assert_eq!(browser.path().await, "/sign-in?notice=session-ended");
        assert!(
            browser.cookie(COOKIE).await.is_none(),
            "the dead cookie is cleared"
        );
        browser.close().await;
    })
    .await;
}

/// Two demo instances on two ports over the store at `url`: a session started
/// through one is recognised by the other, and signed out through one it is
/// refused by the other.
async fn two_instances_share_one_store(name: &str, url_var: &str, default_url: &str) {
    let url = server_url(url_var, default_url);
    if !require_browser() || !require_server(name, &host_port(&url)).await {
        return;
    }
    let namespace = unique_name("demo");
    // On a task of its own, so that the tables or keys are dropped even when the
    // test fails; then its failure is passed on.
    let test = tokio::spawn(within_a_minute({
        let (url, namespace) = (url.clone(), namespace.clone());
        async move {
            let config = Config {
                store_url: url.clone(),
                namespace: namespace.clone(),
                ..Config::default()
            };
            let first = DemoServer::start(config.clone()).await;
            let second = DemoServer::start(config).await;
            let driver = Chromedriver::start().await;
            let browser = driver.browser(None).await;

            // The account made through the first instance signs in through the second.
            browser.sign_up(&first.origin(), "ada", PASSWORD).await;
            browser.close().await;
            let browser = driver.browser(None).await;
            browser.sign_in(&second.origin(), "ada", PASSWORD).await;
            let token = session_token(&browser).await.expect("a session");
            let cookie = format!("{COOKIE}={token}");

            // Cookies do not tell ports apart: the browser brings the second's session
            // to the first, which finds it in the shared store.
            browser.goto(&first.url("/account")).await;
            assert_eq!(browser.text("#account-username").await, "ada");
            assert_eq!(browser.path().await, "/account");
            // Both sessions, the sign-up's through the first and this one.
            let rows = session_rows(&browser).await;
            assert_eq!(rows.len(), 2, "{rows:?}");

            // Signed out through the first, refused by the second.
            browser.sign_out().await;
            assert_session_ended(&replay_account(second.addr, &cookie).await);
            browser.close().await;
        }
    }));
    let outcome = test.await;
    support::drop_namespace(&url, &namespace).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

#[tokio::test]
async fn two_instances_share_sessions_over_postgres() {
    two_instances_share_one_store(
        "PostgreSQL",
        "NARVIK_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    )
    .await;
}

#[tokio::test]
async fn two_instances_share_sessions_over_mysql() {
    two_instances_share_one_store(
        "MySQL",
        "NARVIK_TEST_MYSQL_URL",
        "mysql://root@127.0.0.1:3306/test",
    )
    .await;
}

#[tokio::test]
async fn two_instances_share_sessions_over_redis() {
    two_instances_share_one_store("Redis", "NARVIK_TEST_REDIS_URL", "redis://127.0.0.1:6379").await;
}
