//! Cookie tossing: a sibling subdomain sets `narvik_session` for the parent domain
//! on a longer path, so browsers send it before the victim's own cookie. Every
//! well-formed cookie of the name is tried, in order, up to a bound; malformed ones
//! cost no store call; with several cookies of the name the layer never sends the
//! blank cookie (it could hit the victim's real one) nor writes a session's cookie
//! on its own (it could plant the tosser's token as the host's).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use time::Duration;

use crate::common::{
    body, get_request, post_request, set_cookies, with_cookies, AppData, Harness, BLANK_COOKIE,
};

/// Well formed (32 characters of `a-z2-7`), but no session has them.
const UNKNOWN: [&str; 3] = [
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "cccccccccccccccccccccccccccccccc",
];

fn cookie(value: &str) -> String {
    format!("narvik_session={value}")
}

/// What the handler saw, how many store lookups the request cost, and the
/// response's `Set-Cookie` headers.
#[derive(Debug, PartialEq)]
struct Seen {
    status: StatusCode,
    body: String,
    fetches: usize,
    set_cookies: Vec<String>,
}

impl Seen {
    /// `GET /me` answered with the session of `user` (`user-id username`) after
    /// `fetches` lookups, and no cookie sent.
    fn page_of(user: &str, fetches: usize) -> Self {
        Self {
            status: StatusCode::OK,
            body: user.to_owned(),
            fetches,
            set_cookies: Vec::new(),
        }
    }
}

/// The victim's session, as [`Harness::sign_in`] starts it.
const VICTIM: &str = "user-1 johnsmith";

async fn send(harness: &Harness, request: Request<Body>) -> Seen {
    let before = harness.store.fetches();
    let response = harness.send(request).await;
    let fetches = harness.store.fetches() - before;
    let status = response.status();
    let set_cookies = set_cookies(response.headers());
    Seen {
        status,
        body: body(response).await,
        fetches,
        set_cookies,
    }
}

/// `GET /me` with these session cookie values, all in one `Cookie` header.
async fn me_in_one_header(harness: &Harness, values: &[&str]) -> Seen {
    let header = values
        .iter()
        .map(|value| cookie(value))
        .collect::<Vec<_>>()
        .join("; ");
    send(harness, with_cookies(get_request("/me"), &[&header])).await
}

/// `GET /me` with these session cookie values, one `Cookie` header each.
async fn me_in_several_headers(harness: &Harness, values: &[&str]) -> Seen {
    let headers: Vec<String> = values.iter().map(|value| cookie(value)).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    send(harness, with_cookies(get_request("/me"), &headers)).await
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

#[tokio::test]
async fn the_victims_cookie_before_a_tossed_one_is_used() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    for seen in [
        me_in_one_header(&harness, &[&victim, UNKNOWN[0]]).await,
        me_in_several_headers(&harness, &[&victim, "garbage"]).await,
    ] {
        assert_eq!(
            seen,
            Seen::page_of(VICTIM, 1),
            "the first candidate validated"
        );
    }
}

#[tokio::test]
async fn a_tossed_cookie_before_the_victims_neither_hides_nor_clears_it() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    for (seen, fetches) in [
        (me_in_one_header(&harness, &[UNKNOWN[0], &victim]).await, 2),
        (
            me_in_several_headers(&harness, &[UNKNOWN[0], &victim]).await,
            2,
        ),
        // A malformed one costs no store call.
        (me_in_one_header(&harness, &["garbage", &victim]).await, 1),
        (me_in_several_headers(&harness, &["x y", &victim]).await, 1),
    ] {
        assert_eq!(seen, Seen::page_of(VICTIM, fetches), "no blank cookie");
    }
    assert_eq!(harness.store.len(), 1, "the victim's session lives");
}

#[tokio::test]
async fn an_empty_cookie_hides_no_later_one() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    for seen in [
        me_in_one_header(&harness, &["", &victim]).await,
        me_in_several_headers(&harness, &["", &victim]).await,
        me_in_one_header(&harness, &[&victim, ""]).await,
        me_in_several_headers(&harness, &[&victim, ""]).await,
        me_in_one_header(&harness, &["\"\"", "", &victim]).await,
    ] {
        assert_eq!(seen, Seen::page_of(VICTIM, 1));
    }
}

#[tokio::test]
async fn the_first_valid_session_wins_even_the_attackers() {
    // The limit of this defence, and why the `__Host-` prefix is the real one: a
    // tossed token that is valid (the attacker's own account) comes first.
    let harness = Harness::new();
    let attacker = attackers_token(&harness).await;
    let victim = harness.sign_in().await;
    for seen in [
        me_in_one_header(&harness, &[&attacker, &victim]).await,
        me_in_several_headers(&harness, &[&attacker, &victim]).await,
    ] {
        assert_eq!(seen, Seen::page_of("attacker mallory", 1));
    }
    let seen = me_in_one_header(&harness, &[&victim, &attacker]).await;
    assert_eq!(seen.body, VICTIM);
}

#[tokio::test]
async fn an_extended_session_among_several_cookies_is_not_written_back() {
    // Writing the cookie back would make a tossed token the host's own cookie, on
    // every path: the attacker's account everywhere.
    let harness = Harness::new();
    let attacker = attackers_token(&harness).await;
    harness.clock.advance(Duration::days(16));
    let victim = harness.sign_in().await;
    let seen = me_in_several_headers(&harness, &[&attacker, &victim]).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body, "attacker mallory");
    assert_eq!(seen.set_cookies, Vec::<String>::new(), "no cookie planted");

    // The victim's own session, extended while a tossed cookie came first: not
    // written back either (the next request without the tossed cookie refreshes it).
    harness.clock.advance(Duration::days(16));
    let seen = me_in_several_headers(&harness, &[UNKNOWN[0], &victim]).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body, VICTIM);
    assert_eq!(seen.set_cookies, Vec::<String>::new());
    let seen = me_in_several_headers(&harness, &[&victim]).await;
    assert_eq!(seen.set_cookies, Vec::<String>::new(), "already extended");
}

#[tokio::test]
async fn several_invalid_cookies_get_no_blank_cookie() {
    let harness = Harness::new();
    for (values, fetches) in [
        (&[UNKNOWN[0], UNKNOWN[1]][..], 2),
        (&["garbage", "other"][..], 0),
        (&["", "garbage"][..], 0),
        (&["garbage", ""][..], 0),
        (&["", UNKNOWN[0]][..], 1),
    ] {
        for seen in [
            me_in_one_header(&harness, values).await,
            me_in_several_headers(&harness, values).await,
        ] {
            assert_eq!(seen.status, StatusCode::UNAUTHORIZED, "{values:?}");
            assert_eq!(seen.fetches, fetches, "{values:?}");
            assert_eq!(seen.set_cookies, Vec::<String>::new(), "{values:?}");
        }
    }
    // A single invalid cookie is still cleared.
    let seen = me_in_one_header(&harness, &[UNKNOWN[0]]).await;
    assert_eq!(seen.set_cookies, [BLANK_COOKIE]);
}

#[tokio::test]
async fn malformed_cookies_do_not_count_against_the_bound() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    let values = [
        "garbage",
        "",
        "\"\"\"",
        UNKNOWN[0],
        "HHWNVR2C6HBVVTCIPMSFAZYI2CM7LF5J",
        UNKNOWN[1],
        "x",
        &victim,
    ];
    for seen in [
        me_in_one_header(&harness, &values).await,
        me_in_several_headers(&harness, &values).await,
    ] {
        assert_eq!(
            seen,
            Seen::page_of(VICTIM, 3),
            "one lookup per well-formed cookie"
        );
    }
}

#[tokio::test]
async fn candidates_beyond_the_bound_are_not_tried() {
    assert_eq!(narvik_axum::MAX_SESSION_COOKIES_TRIED, 3);
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    for seen in [
        me_in_one_header(&harness, &[UNKNOWN[0], UNKNOWN[1], UNKNOWN[2], &victim]).await,
        me_in_several_headers(&harness, &[UNKNOWN[0], UNKNOWN[1], UNKNOWN[2], &victim]).await,
    ] {
        assert_eq!(seen.status, StatusCode::UNAUTHORIZED);
        assert_eq!(seen.fetches, 3);
        assert_eq!(seen.set_cookies, Vec::<String>::new(), "no blank cookie");
    }
}

#[tokio::test]
async fn a_repeated_token_is_looked_up_once() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    let seen =
        me_in_several_headers(&harness, &[UNKNOWN[0], UNKNOWN[0], UNKNOWN[0], &victim]).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body, VICTIM);
    assert_eq!(seen.fetches, 2);
    let seen = me_in_one_header(&harness, &[&victim, &victim]).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.fetches, 1);
    assert_eq!(seen.set_cookies, Vec::<String>::new());
}

#[tokio::test]
async fn a_store_failure_among_several_cookies_stops_and_clears_nothing() {
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    harness.store.fail(true);
    let seen = me_in_several_headers(&harness, &[UNKNOWN[0], &victim]).await;
    assert_eq!(seen.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(seen.fetches, 1, "an outage is not retried per cookie");
    assert_eq!(seen.set_cookies, Vec::<String>::new());
}

#[tokio::test]
async fn signing_out_with_several_cookies_ends_the_session_and_sends_the_blank_cookie() {
    // Signing out is the user's own request: the blank cookie clears the host's
    // cookie, the one the app set.
    let harness = Harness::new();
    let victim = harness.sign_in().await;
    let request = with_cookies(
        post_request("/sign-out"),
        &[&cookie(UNKNOWN[0]), &cookie(&victim)],
    );
    let seen = send(&harness, request).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.set_cookies, [BLANK_COOKIE]);
    assert_eq!(harness.store.len(), 0);
}
