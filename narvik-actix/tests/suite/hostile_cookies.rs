//! Cookie tossing: a sibling subdomain sets `narvik_session` for the parent domain,
//! which browsers may send before the victim's own cookie. Every well-formed
//! cookie of the name is tried, in order, up to a bound; malformed ones cost no
//! store call; with several cookies of the name the middleware never sends the
//! blank cookie nor writes a session's cookie on its own.

use actix_web::http::StatusCode;
use time::Duration;

use crate::common::{get, post, with_cookies, AppData, Harness, BLANK_COOKIE};

/// Well formed (32 characters of `a-z2-7`), but no session has them.
const UNKNOWN: [&str; 3] = [
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "cccccccccccccccccccccccccccccccc",
];

/// The victim's session, as [`Harness::sign_in`] starts it.
const VICTIM: &str = "user-1 johnsmith";

fn cookie(value: &str) -> String {
    format!("narvik_session={value}")
}

/// What `GET /me` answered, and how many store lookups it cost.
#[derive(Debug, PartialEq)]
struct Seen {
    status: StatusCode,
    body: String,
    fetches: usize,
    set_cookies: Vec<String>,
}

impl Seen {
    /// The page of `user` after `fetches` lookups, no cookie sent.
    fn page_of(user: &str, fetches: usize) -> Self {
        Self {
            status: StatusCode::OK,
            body: user.to_owned(),
            fetches,
            set_cookies: Vec::new(),
        }
    }
}

/// `GET /me` with these session cookie values, all in one `Cookie` header and
/// one `Cookie` header each.
async fn me_both_ways(harness: &Harness, values: &[&str]) -> [Seen; 2] {
    let one = values
        .iter()
        .map(|value| cookie(value))
        .collect::<Vec<_>>()
        .join("; ");
    let several: Vec<String> = values.iter().map(|value| cookie(value)).collect();
    let several: Vec<&str> = several.iter().map(String::as_str).collect();
    [send(harness, &[&one]).await, send(harness, &several).await]
}

async fn send(harness: &Harness, cookies: &[&str]) -> Seen {
    let before = harness.store.fetches();
    let answer = harness.send(with_cookies(get("/me"), cookies)).await;
    Seen {
        status: answer.status,
        body: answer.body,
        fetches: harness.store.fetches() - before,
        set_cookies: answer.set_cookies,
    }
}

/// A session of another account, as an attacker would sign in to toss its token.
async fn attackers_token(harness: &Harness) -> String {
    let data = AppData {
        username: "mallory".into(),
    };
    let created = harness
        .narvik
        .create_session("attacker", data)
        .await
        .expect("the store works");
    created.token.as_str().to_owned()
}

#[actix_web::test]
async fn a_tossed_cookie_before_the_victims_neither_hides_nor_clears_it() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    for seen in me_both_ways(&harness, &[UNKNOWN[0], &victim]).await {
        assert_eq!(seen, Seen::page_of(VICTIM, 2), "no blank cookie");
    }
    // A malformed one costs no store call.
    for seen in me_both_ways(&harness, &["garbage", &victim]).await {
        assert_eq!(seen, Seen::page_of(VICTIM, 1));
    }
    for seen in me_both_ways(&harness, &[&victim, UNKNOWN[0]]).await {
        assert_eq!(seen, Seen::page_of(VICTIM, 1));
    }
    assert_eq!(harness.store.len(), 1, "the victim's session lives");
}

#[actix_web::test]
async fn the_first_valid_session_wins_and_is_not_written_back() {
    let harness = Harness::new();
    let attacker = attackers_token(&harness).await;
    harness.clock.advance(Duration::days(16));
    let victim = harness.sign_in().await;
    for seen in me_both_ways(&harness, &[&attacker, &victim]).await {
        // Extended, but writing it back would plant the tossed token.
        assert_eq!(
            seen,
            Seen::page_of("attacker mallory", 1),
            "no cookie planted"
        );
    }
}

#[actix_web::test]
async fn several_invalid_cookies_get_no_blank_cookie() {
    let harness = Harness::new();
    for (values, fetches) in [
        (&[UNKNOWN[0], UNKNOWN[1]][..], 2),
        (&["garbage", "other"][..], 0),
        (&["", UNKNOWN[0]][..], 1),
    ] {
        for seen in me_both_ways(&harness, values).await {
            assert_eq!(seen.status, StatusCode::UNAUTHORIZED, "{values:?}");
            assert_eq!(seen.fetches, fetches, "{values:?}");
            assert_eq!(seen.set_cookies, Vec::<String>::new(), "{values:?}");
        }
    }
    // A single invalid cookie is still cleared.
    let seen = send(&harness, &[&cookie(UNKNOWN[0])]).await;
    assert_eq!(seen.set_cookies, [BLANK_COOKIE]);
}

#[actix_web::test]
async fn candidates_beyond_the_bound_are_not_tried() {
    assert_eq!(narvik_actix::MAX_SESSION_COOKIES_TRIED, 3);
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    for seen in me_both_ways(&harness, &[UNKNOWN[0], UNKNOWN[1], UNKNOWN[2], &victim]).await {
        assert_eq!(seen.status, StatusCode::UNAUTHORIZED);
        assert_eq!(seen.fetches, 3);
        assert_eq!(seen.set_cookies, Vec::<String>::new(), "no blank cookie");
    }
    // Repeats and malformed values do not count.
    let values = [UNKNOWN[0], UNKNOWN[0], "garbage", "", UNKNOWN[1], &victim];
    for seen in me_both_ways(&harness, &values).await {
        assert_eq!(seen, Seen::page_of(VICTIM, 3));
    }
}

#[actix_web::test]
async fn a_store_failure_among_several_cookies_stops_and_clears_nothing() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    harness.store.fail(true);
    for seen in me_both_ways(&harness, &[UNKNOWN[0], &victim]).await {
        assert_eq!(seen.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(seen.fetches, 1, "an outage is not retried per cookie");
        assert_eq!(seen.set_cookies, Vec::<String>::new());
    }
}

#[actix_web::test]
async fn signing_out_with_several_cookies_sends_the_blank_cookie() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    let request = with_cookies(post("/sign-out"), &[&cookie(UNKNOWN[0]), &cookie(&victim)]);
    let answer = harness.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookies, [BLANK_COOKIE]);
    assert_eq!(harness.store.len(), 0);
}
