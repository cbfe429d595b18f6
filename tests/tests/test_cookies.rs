//! The `Set-Cookie` strings, byte for byte as the original writes them, and the
//! places where the Rust version deliberately differs: `Max-Age` never outlives
//! the absolute deadline.

use narvik::{CreatedSession, Error, MemoryStore, Narvik, NarvikBuilder, SameSite};
use narvik_tests::cookies::{builder, cookie_of, session, token, TOKEN};
use narvik_tests::{create, with_manual_clock};
use time::Duration;

/// The original's second configuration: session 7 days, cookie 3 days, no `Secure`,
/// a domain and a path.
fn example_builder() -> NarvikBuilder<MemoryStore<()>> {
    builder()
        .session_expires_in(Duration::days(7))
        .cookie_name("example-cookie")
        .cookie_expires_in(Duration::days(3))
        .secure(false)
        .domain("example.com")
        .path("/example")
        .same_site(SameSite::Lax)
}

#[test]
fn default_cookie_matches_the_original_byte_for_byte() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    assert_eq!(
        narvik.create_cookie(&token(), &session()).to_string(),
        format!("narvik_session={TOKEN}; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly")
    );
}

#[test]
fn default_blank_cookie_matches_the_original_byte_for_byte() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    assert_eq!(
        narvik.create_blank_cookie().to_string(),
        "narvik_session=; Max-Age=0; Path=/; SameSite=Lax; Secure; HttpOnly"
    );
}

#[test]
fn configured_cookie_matches_the_original_byte_for_byte() {
    assert_eq!(
        cookie_of(example_builder()).to_string(),
        format!("example-cookie={TOKEN}; Domain=example.com; Max-Age=259200; Path=/example; SameSite=Lax; HttpOnly")
    );
}

#[test]
fn same_site_none_without_secure_is_refused_where_the_original_wrote_a_cookie() {
    // The original's fourth string, `SameSite=None` without `Secure`, is a cookie
    // browsers drop; `build()` refuses the setting instead.
    let refused = example_builder().same_site(SameSite::None).build();
    match refused {
        Err(Error::InvalidConfig { setting, reason }) => {
            assert_eq!(setting, "same_site");
            assert!(reason.contains("secure"), "{reason}");
        }
        other => panic!("expected InvalidConfig for same_site, got {other:?}"),
    }
}

#[test]
fn blank_cookie_with_same_site_none_and_secure() {
    let narvik = example_builder()
        .same_site(SameSite::None)
        .secure(true)
        .build()
        .expect("SameSite=None with Secure is valid");
    assert_eq!(
        narvik.create_blank_cookie().to_string(),
        "example-cookie=; Domain=example.com; Max-Age=0; Path=/example; SameSite=None; Secure; HttpOnly"
    );
    assert_eq!(
        narvik.create_cookie(&token(), &session()).to_string(),
        format!("example-cookie={TOKEN}; Domain=example.com; Max-Age=259200; Path=/example; SameSite=None; Secure; HttpOnly")
    );
}

#[test]
fn same_site_strict_is_written_capitalised() {
    assert_eq!(
        cookie_of(builder().same_site(SameSite::Strict)).to_string(),
        format!(
            "narvik_session={TOKEN}; Max-Age=2592000; Path=/; SameSite=Strict; Secure; HttpOnly"
        )
    );
    assert_eq!(SameSite::Lax.as_str(), "Lax");
    assert_eq!(SameSite::None.to_string(), "None");
    assert_eq!(SameSite::default(), SameSite::Lax);
}

#[test]
fn max_age_is_whole_seconds_rounded_down() {
    // The original wrote `Max-Age=1.5`; RFC 6265 allows digits only.
    for (lifetime, max_age) in [
        (Duration::milliseconds(1500), 1),
        (Duration::SECOND, 1),
        (Duration::milliseconds(2999), 2),
        (Duration::seconds(90) + Duration::nanoseconds(1), 90),
    ] {
        let cookie = cookie_of(builder().cookie_expires_in(lifetime));
        assert_eq!(cookie.attributes.max_age, max_age, "lifetime {lifetime}");
        assert_eq!(
            cookie.to_string(),
            format!(
                "narvik_session={TOKEN}; Max-Age={max_age}; Path=/; SameSite=Lax; Secure; HttpOnly"
            )
        );
    }
}

#[test]
fn cookie_lifetime_defaults_to_the_session_length() {
    let cookie = cookie_of(builder().session_expires_in(Duration::hours(2)));
    assert_eq!(cookie.attributes.max_age, 7200);
}

#[test]
fn cookie_lifetime_may_differ_from_the_session_length() {
    let narvik = builder()
        .session_expires_in(Duration::hours(2))
        .cookie_expires_in(Duration::days(400))
        .build()
        .expect("valid settings");
    assert_eq!(
        narvik
            .create_cookie(&token(), &session())
            .attributes
            .max_age,
        400 * 86_400
    );
    assert_eq!(narvik.create_blank_cookie().attributes.max_age, 0);
}

#[test]
fn cookie_fields_carry_name_value_and_attributes() {
    let narvik = example_builder().build().expect("valid settings");
    let cookie = narvik.create_cookie(&token(), &session());
    assert_eq!(cookie.name, "example-cookie");
    assert_eq!(cookie.value, TOKEN);
    assert_eq!(cookie.attributes.domain.as_deref(), Some("example.com"));
    assert_eq!(cookie.attributes.path, "/example");
    assert_eq!(cookie.attributes.same_site, SameSite::Lax);
    assert!(!cookie.attributes.secure);
    assert!(cookie.attributes.http_only, "HttpOnly is always on");
    assert_eq!(narvik.cookie_name(), "example-cookie");

    let blank = narvik.create_blank_cookie();
    assert_eq!(blank.name, "example-cookie");
    assert_eq!(blank.value, "");
    assert_eq!(blank.attributes.max_age, 0);
    assert_eq!(blank.attributes.path, cookie.attributes.path);
}

#[tokio::test]
async fn cookie_of_a_created_session_carries_its_token() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    let created = narvik.create_session("123", ()).await.expect("create");
    let cookie = narvik.create_cookie(&created.token, &created.session);
    assert_eq!(cookie.value, created.token.as_str());
    assert!(cookie
        .to_string()
        .starts_with(&format!("narvik_session={}; ", created.token.as_str())));
    // What a request sends back validates.
    assert!(narvik
        .validate_session(&cookie.value)
        .await
        .expect("validate")
        .is_some());
}

/// `Max-Age` of the cookie of `created` under the settings of `narvik`.
fn max_age_of(narvik: &Narvik<MemoryStore<()>>, created: &CreatedSession<()>) -> i64 {
    narvik
        .create_cookie(&created.token, &created.session)
        .attributes
        .max_age
}

#[tokio::test]
async fn max_age_never_outlives_the_absolute_deadline() {
    let (narvik, clock) = with_manual_clock(
        builder()
            .session_expires_in(Duration::days(30))
            .absolute_lifetime(Duration::days(10)),
    );
    let created = create(&narvik, "123", ()).await;
    assert_eq!(
        max_age_of(&narvik, &created),
        Duration::days(10).whole_seconds(),
        "a new session's cookie lives until the absolute deadline, not the session length"
    );

    clock.advance(Duration::days(9) + Duration::hours(12));
    assert_eq!(
        max_age_of(&narvik, &created),
        Duration::hours(12).whole_seconds()
    );
    clock.advance(Duration::hours(12) - Duration::milliseconds(1500));
    assert_eq!(
        max_age_of(&narvik, &created),
        1,
        "whole seconds, rounded down"
    );
    clock.advance(Duration::SECOND);
    assert_eq!(max_age_of(&narvik, &created), 0, "under a second left");
    clock.advance(Duration::days(1));
    assert_eq!(
        max_age_of(&narvik, &created),
        0,
        "past the deadline the cookie is cleared, never negative"
    );
}

#[tokio::test]
async fn max_age_is_the_cookie_lifetime_while_the_deadline_is_further() {
    let (narvik, clock) = with_manual_clock(
        builder()
            .session_expires_in(Duration::days(7))
            .cookie_expires_in(Duration::days(3))
            .absolute_lifetime(Duration::days(60)),
    );
    let created = create(&narvik, "123", ()).await;
    assert_eq!(
        max_age_of(&narvik, &created),
        Duration::days(3).whole_seconds()
    );
    clock.advance(Duration::days(58));
    assert_eq!(
        max_age_of(&narvik, &created),
        Duration::days(2).whole_seconds(),
        "two days before the deadline, the cookie lives two days"
    );
}

#[tokio::test]
async fn max_age_counts_from_sign_in_across_rotation() {
    let (narvik, clock) = with_manual_clock(builder().absolute_lifetime(Duration::days(10)));
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::days(4));
    let rotated = narvik
        .reauthenticate(&created.session.id)
        .await
        .expect("reauthenticate")
        .expect("a live session is re-authenticated");
    assert_eq!(
        max_age_of(&narvik, &rotated),
        Duration::days(6).whole_seconds(),
        "re-authentication gives a new token, not a new absolute deadline"
    );
}

#[tokio::test]
async fn max_age_without_absolute_lifetime_is_the_cookie_lifetime() {
    let (narvik, clock) = with_manual_clock(builder());
    let created = create(&narvik, "123", ()).await;
    clock.advance(Duration::days(29));
    assert_eq!(
        max_age_of(&narvik, &created),
        Duration::days(30).whole_seconds(),
        "as in the original, Max-Age is the configured lifetime"
    );
}
