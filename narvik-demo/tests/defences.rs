//! The demo under attack, driven with tower's `oneshot`: password hashing is
//! bounded (a `503` past the queue), sign-in and sign-up are rate limited per
//! username and per client address (a `429` that says when to retry), and the
//! backend is described only to the signed-in, never with its credentials. The
//! password forms of the signed-in (confirm, change) count against the same limits.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails by panicking"
)]

mod support;

use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use narvik_demo::{Config, HashingPool, RateLimits};
use support::oneshot::{
    credentials, demo, demo_with, from_client, get, post, send, signed_in, signed_up, Answer,
    PASSWORD,
};
use support::{drop_namespace, host_port, require_server, server_url, unique_name};

/// Words of the footer's backend description, whatever the backend.
const BACKEND_WORDS: [&str; 6] = [
    "SQLite",
    "PostgreSQL",
    "MySQL",
    "Redis",
    "kept in",
    "memory",
];

#[track_caller]
fn assert_no_backend(page: &str) {
    for word in BACKEND_WORDS {
        assert!(!page.contains(word), "{word:?} shown: {page}");
    }
}

#[tokio::test]
async fn the_backend_is_not_described_to_the_signed_out() {
    let app = demo().await;
    for path in ["/sign-in", "/sign-up", "/nowhere"] {
        let answer = send(&app, get(path, None)).await;
        assert_no_backend(&answer.body);
    }
    let cookie = signed_up(&app, "ada").await;
    let account = send(&app, get("/account", Some(&cookie))).await;
    assert!(
        account.body.contains("SQLite (in memory)"),
        "{}",
        account.body
    );
    // Error pages are for anyone, signed in or not.
    let answer = send(&app, get("/nowhere", Some(&cookie))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_no_backend(&answer.body);
}

#[tokio::test]
async fn the_signed_in_see_the_backend_without_its_credentials() {
    let url = server_url(
        "NARVIK_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    );
    if !require_server("PostgreSQL", &host_port(&url)).await {
        return;
    }
    // The test server trusts local connections and ignores the password.
    let (scheme, rest) = url.split_once("://").unwrap();
    let location = rest.rsplit_once('@').map_or(rest, |(_, location)| location);
    let location = location.to_owned();
    let user = rest.rsplit_once('@').map_or("postgres", |(user, _)| {
        user.split(':').next().unwrap_or(user)
    });
    let user = user.to_owned();
    let password = "s3cret-pw";
    let with_password = format!("{scheme}://{user}:{password}@{location}");
    let namespace = unique_name("demo");
    let config = Config {
        store_url: with_password.clone(),
        namespace: namespace.clone(),
        ..Config::default()
    };
    let outcome = tokio::spawn(async move {
        let app = demo_with(config).await;
        let sign_in = send(&app, get("/sign-in", None)).await;
        assert_no_backend(&sign_in.body);
        let cookie = signed_up(&app, "ada").await;
        let account = send(&app, get("/account", Some(&cookie))).await;
        assert_eq!(account.status, StatusCode::OK);
        let host = location.split(['/', '?']).next().unwrap();
        assert!(
            account.body.contains(&format!("PostgreSQL at {host}")),
            "{}",
            account.body
        );
        assert!(!account.body.contains(password), "{}", account.body);
        assert!(
            !account.body.contains(&format!("{user}:")),
            "{}",
            account.body
        );
    })
    .await;
    drop_namespace(&url, &namespace).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// Rate limits of `per_username` and `per_address` attempts a minute.
fn rate_limits(per_username: u32, per_address: u32) -> RateLimits {
    RateLimits {
        per_username_per_minute: NonZeroU32::new(per_username).unwrap(),
        per_address_per_minute: NonZeroU32::new(per_address).unwrap(),
    }
}

/// The demo with [`rate_limits`] of `per_username` and `per_address`.
async fn demo_with_limits(per_username: u32, per_address: u32) -> Router {
    demo_with(Config {
        rate_limits: rate_limits(per_username, per_address),
        ..Config::default()
    })
    .await
}

/// `POST path` of `username` and the right password, from `client` (`IP:PORT`).
async fn attempt(app: &Router, path: &str, username: &str, client: &str) -> Answer {
    let form = credentials(username, PASSWORD);
    send(app, from_client(post(path, &form, None), client)).await
}

/// The demo hashing on `hashing`, with `ada` signed up; the answers to `count`
/// sign-ins of hers sent at once.
async fn burst_of_sign_ins(hashing: &HashingPool, count: usize) -> (Router, Vec<Answer>) {
    let app = demo_with(Config {
        hashing: hashing.clone(),
        rate_limits: rate_limits(100, 100),
        ..Config::default()
    })
    .await;
    signed_up(&app, "ada").await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..count {
        let app = app.clone();
        let form = credentials("ada", PASSWORD);
        attempts.spawn(async move { send(&app, post("/sign-in", &form, None)).await });
    }
    (app, attempts.join_all().await)
}

#[tokio::test]
async fn no_more_hashes_run_at_once_than_the_pool_has_permits() {
    let hashing = HashingPool::new(NonZeroUsize::new(2).unwrap(), Duration::from_secs(60));
    let (_, answers) = burst_of_sign_ins(&hashing, 8).await;
    for answer in &answers {
        // Each waited for its turn, well within the queue's time.
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    let peak = hashing.peak_in_flight();
    assert!((1..=2).contains(&peak), "{peak} hashes ran at once");
    assert_eq!(hashing.in_flight(), 0);
}

#[tokio::test]
async fn hashes_past_the_queue_timeout_get_503_with_retry_after() {
    let hashing = HashingPool::new(NonZeroUsize::new(1).unwrap(), Duration::from_millis(1));
    let (app, answers) = burst_of_sign_ins(&hashing, 6).await;
    let succeeded = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::SEE_OTHER)
        .count();
    let busy: Vec<&Answer> = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(succeeded >= 1, "the permitted sign-in succeeds");
    assert!(!busy.is_empty(), "the queue is a millisecond long");
    assert_eq!(succeeded + busy.len(), answers.len());
    for answer in busy {
        answer.assert_page(StatusCode::SERVICE_UNAVAILABLE);
        assert!(answer.retry_after_secs() >= 1);
        assert!(answer.body.contains("try again"), "{}", answer.body);
        assert!(answer.session_cookie().is_none());
    }
    assert_eq!(hashing.peak_in_flight(), 1);
    // Once the burst is over, signing in works again.
    signed_in(&app, "ada").await;
}

/// Checks `answer` is the `429` page, its `Retry-After` at most `max_secs` and the
/// page saying the same wait; and that it signed no one in.
#[track_caller]
fn assert_too_many(answer: &Answer, max_secs: u64) {
    answer.assert_page(StatusCode::TOO_MANY_REQUESTS);
    let secs = answer.retry_after_secs();
    assert!((1..=max_secs).contains(&secs), "Retry-After: {secs}");
    assert!(
        answer.body.contains(&format!("Try again in {secs} second")),
        "{}",
        answer.body
    );
    assert!(answer.session_cookie().is_none());
}

#[tokio::test]
async fn the_attempt_past_a_usernames_limit_gets_429_from_any_address() {
    let app = demo_with_limits(2, 100).await;
    let first = attempt(&app, "/sign-up", "ada", "192.0.2.1:1000").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let wrong = credentials("ada", "not the password");
    let second = send(
        &app,
        from_client(post("/sign-in", &wrong, None), "192.0.2.2:1000"),
    )
    .await;
    assert_eq!(second.status, StatusCode::UNAUTHORIZED);
    // Two a minute: one more every 30 s.
    let third = attempt(&app, "/sign-in", "ada", "192.0.2.3:1000").await;
    assert_too_many(&third, 30);
    // The name as typed counts as the name kept, and sign-up shares the limit.
    let shouted = attempt(&app, "/sign-in", "+ADA+", "198.51.100.7:1000").await;
    assert_too_many(&shouted, 30);
    let sign_up = attempt(&app, "/sign-up", "ada", "198.51.100.8:1000").await;
    assert_too_many(&sign_up, 30);
    // Another username, from the same addresses, is not affected.
    let bob = attempt(&app, "/sign-up", "bob", "192.0.2.3:1000").await;
    assert_eq!(bob.status, StatusCode::SEE_OTHER, "{}", bob.body);
    let bob = attempt(&app, "/sign-in", "bob", "192.0.2.1:1000").await;
    assert_eq!(bob.status, StatusCode::SEE_OTHER, "{}", bob.body);
}

#[tokio::test]
async fn the_attempt_past_an_addresss_limit_gets_429_whatever_the_username() {
    let app = demo_with_limits(100, 3).await;
    for username in ["ada", "bob", "cyd"] {
        let answer = attempt(&app, "/sign-up", username, "192.0.2.1:1000").await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    // Three a minute: one more every 20 s, whatever the port.
    let fourth = attempt(&app, "/sign-in", "dan", "192.0.2.1:2000").await;
    assert_too_many(&fourth, 20);
    // Another address is not affected.
    let elsewhere = attempt(&app, "/sign-up", "dan", "192.0.2.2:1000").await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);

    // An IPv6 client holds a whole /64: its addresses share one limit.
    for (username, client) in [
        ("eve", "[2001:db8::1]:1000"),
        ("fay", "[2001:db8::2]:1000"),
        ("gus", "[2001:db8::ffff:1]:1000"),
    ] {
        let answer = attempt(&app, "/sign-up", username, client).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    let same_network = attempt(&app, "/sign-up", "hal", "[2001:db8::3]:1000").await;
    assert_too_many(&same_network, 20);
    let next_network = attempt(&app, "/sign-up", "hal", "[2001:db8:0:1::1]:1000").await;
    assert_eq!(next_network.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn refused_forms_cost_no_attempt() {
    let app = demo_with_limits(1, 2).await;
    // Nothing to hash: refused before the limits are consulted.
    for form in ["", "username=ada", "username=ada&password=short"] {
        let answer = send(
            &app,
            from_client(post("/sign-up", form, None), "192.0.2.1:1"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let answer = attempt(&app, "/sign-up", "ada", "192.0.2.1:1").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
}

#[tokio::test]
async fn confirming_or_changing_the_password_counts_as_an_attempt() {
    let app = demo_with_limits(3, 100).await;
    let cookie = signed_up(&app, "ada").await;
    let from =
        |path: &str, form: &str, client: &str| from_client(post(path, form, Some(&cookie)), client);
    // Refused before any hash: not counted.
    let empty = send(&app, from("/confirm-password", "password=", "192.0.2.1:1")).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The sign-up, then these two: three of ada's three a minute, from any address.
    let wrong = send(
        &app,
        from("/confirm-password", "password=not+it+at+all", "192.0.2.1:1"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let change = "current_password=not+it+at+all&new_password=another+password";
    let wrong = send(&app, from("/account/password", change, "192.0.2.2:1")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // The next waits, even with the right password, and whatever the form.
    let right = format!("password={}", PASSWORD.replace(' ', "+"));
    let answer = send(&app, from("/confirm-password", &right, "192.0.2.3:1")).await;
    assert_too_many(&answer, 20);
    let change = format!(
        "current_password={}&new_password=another+password",
        PASSWORD.replace(' ', "+")
    );
    let answer = send(&app, from("/account/password", &change, "192.0.2.4:1")).await;
    assert_too_many(&answer, 20);
    let answer = attempt(&app, "/sign-in", "ada", "192.0.2.5:1").await;
    assert_too_many(&answer, 20);
}
