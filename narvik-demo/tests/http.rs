//! The demo over HTTP without a browser, driven with tower's `oneshot`: every kind
//! of bad input gets a page and the fitting status, never a panic or a `500`; the
//! cookie's attributes; sessions expiring and being extended by a `ManualClock`.
//! The session lifecycle (re-authentication, password change, absolute lifetime,
//! the cap per user) is in `http/lifecycle.rs`; this session's theme, changed
//! concurrently too, in `http/preferences.rs`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails by panicking"
)]

#[path = "http/lifecycle.rs"]
mod lifecycle;
#[path = "http/preferences.rs"]
mod preferences;
mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::header::{self, HeaderValue};
use axum::http::{Request, StatusCode};
use narvik::{ManualClock, SessionToken};
use narvik_demo::{Config, Error, FORM_LIMIT_BYTES};
use support::oneshot::{
    credentials, demo, demo_with, get, post, post_credentials, send, signed_in, signed_up, COOKIE,
    HOST, INSECURE_COOKIE, ORIGIN, PASSWORD,
};
use time::{Duration, OffsetDateTime};

/// The session ids in the account page's sign-out forms (the other sessions).
fn other_session_ids(account_page: &str) -> Vec<String> {
    account_page
        .split("name=\"session_id\" value=\"")
        .skip(1)
        .map(|rest| rest[..64].to_owned())
        .collect()
}

#[tokio::test]
async fn sign_up_sets_the_session_cookie_with_narviks_defaults() {
    // A clock that stands still on a whole second: the cookie's `Max-Age` counts
    // down, in whole seconds rounded down, to the absolute deadline from the
    // moment it is made (and SQL stores keep microseconds).
    let clock = ManualClock::new(time::macros::datetime!(2026-03-01 9:30 UTC));
    let app = demo_with(Config {
        clock: Arc::new(clock),
        ..Config::default()
    })
    .await;
    let answer = post_credentials(&app, "/sign-up", "ada", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), Some("/account"));
    let set_cookie = answer.set_cookie().unwrap();
    // The cookie lives no longer than the session may: 12 hours, the demo's
    // absolute lifetime, not the 30 days of an unused session.
    assert!(
        set_cookie.ends_with("; Max-Age=43200; Path=/; SameSite=Lax; Secure; HttpOnly"),
        "{set_cookie}"
    );
    // Without an absolute lifetime, the session length.
    let app = demo_with(Config {
        absolute_lifetime: None,
        ..Config::default()
    })
    .await;
    let answer = post_credentials(&app, "/sign-up", "ada", PASSWORD).await;
    let set_cookie = answer.set_cookie().unwrap();
    assert!(set_cookie.contains("; Max-Age=2592000;"), "{set_cookie}");
}

#[tokio::test]
async fn the_account_page_shows_the_user_and_the_session_data() {
    let clock = ManualClock::new(time::macros::datetime!(2026-03-01 9:30 UTC));
    let app = demo_with(Config {
        clock: Arc::new(clock),
        ..Config::default()
    })
    .await;
    let cookie = signed_up(&app, "Ada.L").await;
    let answer = send(&app, get("/account", Some(&cookie))).await;
    answer.assert_page(StatusCode::OK);
    assert!(answer
        .body
        .contains("<span id=\"account-username\">ada.l</span>"));
    assert!(answer
        .body
        .contains("<dd id=\"session-issued\">2026-03-01 09:30 UTC</dd>"));
    assert!(answer
        .body
        .contains("<dd id=\"session-authenticated\">2026-03-01 09:30 UTC</dd>"));
    // The absolute lifetime, 12 hours, comes before the 30 days of idle expiry.
    assert!(answer
        .body
        .contains("<dd id=\"session-expires\">2026-03-01 21:30 UTC</dd>"));
    assert!(answer
        .body
        .contains("<dd id=\"session-deadline\">2026-03-01 21:30 UTC"));
    assert!(answer.body.contains("curl 8"), "the user agent");
    assert!(answer.body.contains("(1 active)"));
    assert_eq!(
        answer.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store",
        "private pages are never cached"
    );
    assert!(answer.headers.contains_key(header::CONTENT_SECURITY_POLICY));
}

#[tokio::test]
async fn home_sends_to_sign_in_or_to_the_account() {
    let app = demo().await;
    let answer = send(&app, get("/", None)).await;
    assert_eq!(answer.location(), Some("/sign-in"));
    let cookie = signed_up(&app, "ada").await;
    let answer = send(&app, get("/", Some(&cookie))).await;
    assert_eq!(answer.location(), Some("/account"));
}

#[tokio::test]
async fn empty_fields_get_422_and_the_form_again() {
    let app = demo().await;
    for form in [
        "",
        "username=&password=",
        "username=ada",
        "password=12345678",
    ] {
        let answer = send(&app, post("/sign-up", form, None)).await;
        answer.assert_page(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body.contains("id=\"sign-up-form\""), "{form:?}");
        assert!(answer.body.contains("id=\"error\""), "{form:?}");
        assert!(answer.session_cookie().is_none());

        let answer = send(&app, post("/sign-in", form, None)).await;
        answer.assert_page(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer
            .body
            .contains("Enter your username and your password."));
    }
}

#[tokio::test]
async fn invalid_usernames_and_passwords_get_422() {
    let app = demo().await;
    for (username, password) in [
        ("ab", PASSWORD),
        ("ada+lovelace", PASSWORD),
        ("%3Cscript%3E", PASSWORD),
        ("ada", "short"),
        ("ada", &"x".repeat(129)),
    ] {
        let answer = post_credentials(&app, "/sign-up", username, password).await;
        answer.assert_page(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!answer.body.contains("<script>"), "typed text is escaped");
    }
}

#[tokio::test]
async fn an_overlong_field_gets_422_and_is_not_echoed_whole() {
    let app = demo().await;
    let long = "a".repeat(2_000);
    for path in ["/sign-up", "/sign-in"] {
        let answer = post_credentials(&app, path, &long, PASSWORD).await;
        answer.assert_page(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!answer.body.contains(&long), "{path}");
    }
}

#[tokio::test]
async fn a_form_over_the_limit_gets_413() {
    let app = demo().await;
    let huge = credentials(&"a".repeat(FORM_LIMIT_BYTES), PASSWORD);
    for (user, path) in [
        "/sign-up",
        "/sign-in",
        "/sessions/sign-out",
        "/confirm-password",
        "/account/password",
    ]
    .into_iter()
    .enumerate()
    {
        let cookie = signed_up(&app, &format!("user{user}")).await;
        let answer = send(&app, post(path, &huge, Some(&cookie))).await;
        answer.assert_page(StatusCode::PAYLOAD_TOO_LARGE);
        assert!(answer.body.contains("Form too large"), "{path}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_form_gets_415() {
    let app = demo().await;
    let request = Request::post("/sign-in")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"username":"ada"}"#))
        .unwrap();
    send(&app, request)
        .await
        .assert_page(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_form_that_does_not_parse_gets_a_4xx_page() {
    let app = demo().await;
    for form in [
        "username=a&username=b&password=12345678",
        "username=%FF%FE&password=x",
    ] {
        let answer = send(&app, post("/sign-in", form, None)).await;
        assert!(
            answer.status.is_client_error(),
            "{form:?}: {}",
            answer.status
        );
        answer.assert_page(answer.status);
    }
}

#[tokio::test]
async fn a_taken_username_gets_409() {
    let app = demo().await;
    signed_up(&app, "ada").await;
    // Usernames are compared as stored: trimmed and lower-cased.
    let answer = post_credentials(&app, "/sign-up", "+ADA+", "another password").await;
    answer.assert_page(StatusCode::CONFLICT);
    assert!(answer.body.contains("is taken"));
    assert!(answer.session_cookie().is_none());
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_gets_401_alike() {
    let app = demo().await;
    signed_up(&app, "ada").await;
    let wrong_password = post_credentials(&app, "/sign-in", "ada", "not it at all").await;
    wrong_password.assert_page(StatusCode::UNAUTHORIZED);
    let unknown_user = post_credentials(&app, "/sign-in", "bob", PASSWORD).await;
    unknown_user.assert_page(StatusCode::UNAUTHORIZED);
    assert!(wrong_password.body.contains("Wrong username or password."));
    assert!(unknown_user.body.contains("Wrong username or password."));
    assert!(wrong_password.session_cookie().is_none());
    // The right one still works.
    signed_in(&app, "ada").await;
}

#[tokio::test]
async fn garbage_and_forged_cookies_are_cleared_and_sent_to_sign_in() {
    let app = demo().await;
    let forged = format!("{COOKIE}={}", SessionToken::generate().as_str());
    let long = format!("{COOKIE}={}", "a".repeat(4_000));
    for cookie in [
        format!("{COOKIE}=garbage"),
        format!("{COOKIE}=\"quoted\""),
        format!("{COOKIE}=%00%ff"),
        forged.clone(),
        long,
    ] {
        let answer = send(&app, get("/account", Some(&cookie))).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{cookie}");
        assert_eq!(answer.location(), Some("/sign-in?notice=session-ended"));
        let cleared = answer.set_cookie().unwrap();
        assert!(
            cleared.starts_with(&format!("{COOKIE}=; Max-Age=0;")),
            "{cleared}"
        );
    }
    // Bytes that are not UTF-8 at all.
    let mut not_utf8 = format!("{COOKIE}=").into_bytes();
    not_utf8.extend_from_slice(b"\xff\xfe");
    let request = Request::get("/account")
        .header(header::HOST, HOST)
        .header(header::COOKIE, HeaderValue::from_bytes(&not_utf8).unwrap())
        .body(Body::empty())
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    // Actions refuse them.
    let answer = send(&app, post("/sessions/sign-out-others", "", Some(&forged))).await;
    answer.assert_page(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_replayed_token_after_sign_out_is_refused() {
    let app = demo().await;
    let cookie = signed_up(&app, "ada").await;
    let answer = send(&app, post("/sign-out", "", Some(&cookie))).await;
    assert_eq!(answer.location(), Some("/sign-in?notice=signed-out"));
    assert!(answer
        .set_cookie()
        .unwrap()
        .starts_with(&format!("{COOKIE}=; Max-Age=0;")));

    let answer = send(&app, get("/account", Some(&cookie))).await;
    assert_eq!(answer.location(), Some("/sign-in?notice=session-ended"));
    for path in [
        "/sessions/sign-out-others",
        "/sessions/sign-out",
        "/confirm-password",
        "/account/password",
    ] {
        let answer = send(&app, post(path, "", Some(&cookie))).await;
        answer.assert_page(StatusCode::UNAUTHORIZED);
    }
    for path in ["/confirm-password", "/account/password"] {
        let answer = send(&app, get(path, Some(&cookie))).await;
        assert_eq!(answer.location(), Some("/sign-in?notice=session-ended"));
        let answer = send(&app, get(path, None)).await;
        assert_eq!(answer.location(), Some("/sign-in"));
    }
}

#[tokio::test]
async fn cross_site_forms_get_403_with_a_page() {
    let app = demo().await;
    let cookie = signed_up(&app, "ada").await;
    let from_elsewhere = |path: &str, origin: Option<&str>| {
        let mut request = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        request.body(Body::empty()).unwrap()
    };
    for path in [
        "/sessions/sign-out-others",
        "/confirm-password",
        "/account/password",
    ] {
        for origin in [Some("https://evil.example"), Some("null"), None] {
            let answer = send(&app, from_elsewhere(path, origin)).await;
            answer.assert_page(StatusCode::FORBIDDEN);
            assert!(answer.body.contains("Request refused"), "{path} {origin:?}");
        }
    }
    // The session was left alone.
    let answer = send(&app, get("/account", Some(&cookie))).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_one_session_takes_only_the_users_own() {
    let app = demo().await;
    let ada_laptop = signed_up(&app, "ada").await;
    let ada_phone = signed_in(&app, "ada").await;
    let bob = signed_up(&app, "bob").await;

    let page = send(&app, get("/account", Some(&ada_laptop))).await.body;
    let phone_id = other_session_ids(&page).pop().expect("the phone's session");

    // Malformed ids, and another user's session, are refused.
    for form in [
        "",
        "session_id=",
        "session_id=1234",
        "session_id=%3Cscript%3E",
    ] {
        let answer = send(&app, post("/sessions/sign-out", form, Some(&bob))).await;
        answer.assert_page(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let form = format!("session_id={phone_id}");
    let answer = send(&app, post("/sessions/sign-out", &form, Some(&bob))).await;
    answer.assert_page(StatusCode::NOT_FOUND);
    assert_eq!(
        send(&app, get("/account", Some(&ada_phone))).await.status,
        StatusCode::OK
    );

    // Ada's own request ends it.
    let answer = send(&app, post("/sessions/sign-out", &form, Some(&ada_laptop))).await;
    assert_eq!(
        answer.location(),
        Some("/account?notice=session-signed-out")
    );
    let answer = send(&app, get("/account", Some(&ada_phone))).await;
    assert_eq!(answer.location(), Some("/sign-in?notice=session-ended"));
    // Again: it is gone.
    let answer = send(&app, post("/sessions/sign-out", &form, Some(&ada_laptop))).await;
    answer.assert_page(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_this_session_and_other_users() {
    let app = demo().await;
    let laptop = signed_up(&app, "ada").await;
    let phone = signed_in(&app, "ada").await;
    let tablet = signed_in(&app, "ada").await;
    let bob = signed_up(&app, "bob").await;

    let answer = send(&app, post("/sessions/sign-out-others", "", Some(&laptop))).await;
    assert_eq!(answer.location(), Some("/account?notice=others-signed-out"));
    for gone in [&phone, &tablet] {
        let answer = send(&app, get("/account", Some(gone))).await;
        assert_eq!(answer.location(), Some("/sign-in?notice=session-ended"));
    }
    let page = send(&app, get("/account", Some(&laptop))).await;
    page.assert_page(StatusCode::OK);
    assert!(page.body.contains("(1 active)"));
    assert_eq!(
        send(&app, get("/account", Some(&bob))).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_session_in_use_is_extended_and_an_unused_one_expires() {
    let clock = ManualClock::new(OffsetDateTime::now_utc());
    let app = demo_with(Config {
        clock: Arc::new(clock.clone()),
        // Idle expiry alone: the absolute lifetime is `lifecycle`'s.
        absolute_lifetime: None,
        ..Config::default()
    })
    .await;
    let cookie = signed_up(&app, "ada").await;

    // Before half the length: nothing to send again.
    clock.advance(Duration::days(10));
    let answer = send(&app, get("/account", Some(&cookie))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.set_cookie().is_none());
    // Past it: extended, and the cookie sent again with a fresh Max-Age.
    clock.advance(Duration::days(10));
    let answer = send(&app, get("/account", Some(&cookie))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.session_cookie().as_deref(), Some(cookie.as_str()));
    assert!(answer.set_cookie().unwrap().contains("Max-Age=2592000"));
    // Unused for a whole length: expired.
    clock.advance(Duration::days(30) + Duration::SECOND);
    let answer = send(&app, get("/account", Some(&cookie))).await;
    assert_eq!(answer.location(), Some("/sign-in?notice=session-ended"));
    assert!(answer
        .set_cookie()
        .unwrap()
        .starts_with(&format!("{COOKIE}=; Max-Age=0;")));
}

#[tokio::test]
async fn the_session_length_and_secure_flag_come_from_the_config() {
    let app = demo_with(Config {
        session_length: Duration::seconds(2),
        secure_cookies: false,
        ..Config::default()
    })
    .await;
    let answer = post_credentials(&app, "/sign-up", "ada", PASSWORD).await;
    let (pair, attributes) = answer.set_cookie().unwrap().split_once(';').unwrap();
    assert_eq!(attributes, " Max-Age=2; Path=/; SameSite=Lax; HttpOnly");
    // Browsers refuse a `__Host-` cookie without `Secure`: the plain name then.
    assert!(pair.starts_with(&format!("{INSECURE_COOKIE}=")), "{pair}");
    // And that name is the one read back.
    let cookie = pair.to_owned();
    let answer = send(&app, get("/account", Some(&cookie))).await;
    answer.assert_page(StatusCode::OK);
}

#[tokio::test]
async fn a_secure_cookie_has_the_host_prefix_so_no_subdomain_can_set_it() {
    let app = demo().await;
    let answer = post_credentials(&app, "/sign-up", "ada", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let set_cookie = answer.set_cookie().unwrap();
    let (pair, attributes) = set_cookie.split_once(';').unwrap();
    assert!(pair.starts_with("__Host-narvik_session="), "{set_cookie}");
    // What a browser requires of a `__Host-` cookie: Secure, Path=/, no Domain.
    let attributes: Vec<&str> = attributes.split(';').map(str::trim).collect();
    assert!(attributes.contains(&"Secure"), "{set_cookie}");
    assert!(attributes.contains(&"Path=/"), "{set_cookie}");
    assert!(
        !attributes
            .iter()
            .any(|attribute| attribute.to_ascii_lowercase().starts_with("domain")),
        "{set_cookie}"
    );
    // The plain name is not read: a cookie a subdomain tossed under it is ignored.
    let token = pair.split_once('=').unwrap().1;
    let tossed = format!("{INSECURE_COOKIE}={token}");
    let answer = send(&app, get("/account", Some(&tossed))).await;
    assert_eq!(answer.location(), Some("/sign-in"));
}

#[tokio::test]
async fn unknown_paths_get_404_and_wrong_methods_405() {
    let app = demo().await;
    send(&app, get("/nowhere", None))
        .await
        .assert_page(StatusCode::NOT_FOUND);
    for path in [
        "/sign-out",
        "/sessions/sign-out",
        "/sessions/sign-out-others",
    ] {
        let answer = send(&app, get(path, None)).await;
        answer.assert_page(StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.headers.get(header::ALLOW).unwrap(), "POST");
    }
    let answer = send(&app, post("/account", "", None)).await;
    answer.assert_page(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers.get(header::ALLOW).unwrap(), "GET,HEAD");
}

#[tokio::test]
async fn a_bad_store_or_namespace_is_refused_at_start() {
    let config = |store_url: &str, namespace: &str| Config {
        store_url: store_url.to_owned(),
        namespace: namespace.to_owned(),
        ..Config::default()
    };
    let error = narvik_demo::app(config("ftp://user:secret@host/x", "demo"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UnsupportedStore { .. }), "{error}");
    assert!(!error.to_string().contains("secret"), "{error}");
    for namespace in ["", "Demo", "demo; DROP TABLE users", "9demo"] {
        let error = narvik_demo::app(config("sqlite::memory:", namespace))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidNamespace(_)), "{error}");
    }
    let error = narvik_demo::app(Config {
        session_length: Duration::ZERO,
        ..Config::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Narvik(_)), "{error}");
}
