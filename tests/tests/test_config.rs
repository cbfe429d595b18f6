//! `NarvikBuilder::build` refuses settings that would make a broken or unsafe
//! cookie, naming the setting; valid settings, the cookie prefixes among them,
//! build.

use narvik::{Error, MemoryStore, NarvikBuilder, SameSite};
use narvik_tests::cookies::{builder, cookie_of, session, token, TOKEN};
use time::Duration;

/// The setting `build()` refuses, checking the error names it in its message too.
#[track_caller]
fn refused_setting(builder: NarvikBuilder<MemoryStore<()>>) -> &'static str {
    let error = match builder.build() {
        Ok(narvik) => panic!("expected Error::InvalidConfig, but it built: {narvik:?}"),
        Err(error) => error,
    };
    let message = error.to_string();
    match error {
        Error::InvalidConfig { setting, .. } => {
            assert!(
                message.contains(&format!("`{setting}`")),
                "the message does not name `{setting}`: {message}"
            );
            setting
        }
        other => panic!("expected Error::InvalidConfig, got {other:?}"),
    }
}

/// Checks that `build()` refuses each of `values`, given to the builder by `set`,
/// naming `setting`.
#[track_caller]
fn assert_each_refused<T: Copy + std::fmt::Debug>(
    setting: &str,
    values: &[T],
    set: impl Fn(NarvikBuilder<MemoryStore<()>>, T) -> NarvikBuilder<MemoryStore<()>>,
) {
    for &value in values {
        assert_eq!(
            refused_setting(set(builder(), value)),
            setting,
            "{setting} {value:?}"
        );
    }
}

#[test]
fn defaults_build() {
    let narvik = builder().build().expect("the defaults are valid");
    assert_eq!(narvik.cookie_name(), narvik::DEFAULT_COOKIE_NAME);
    assert_eq!(narvik.cookie_name(), "narvik_session");
    assert_eq!(narvik.session_expires_in(), Duration::days(30));
}

#[test]
fn zero_or_negative_session_length_is_refused() {
    assert_each_refused(
        "session_expires_in",
        &[Duration::ZERO, Duration::seconds(-1), Duration::days(-30)],
        |builder, value| builder.session_expires_in(value),
    );
}

#[test]
fn cookie_lifetime_under_one_second_is_refused() {
    assert_each_refused(
        "cookie_expires_in",
        &[
            Duration::ZERO,
            Duration::seconds(-5),
            Duration::milliseconds(999),
            Duration::nanoseconds(1),
        ],
        |builder, value| builder.cookie_expires_in(value),
    );
}

#[test]
fn session_length_under_one_second_without_cookie_lifetime_is_refused_for_the_cookie() {
    // The cookie's lifetime defaults to the session's: half a second is no `Max-Age`.
    assert_eq!(
        refused_setting(builder().session_expires_in(Duration::milliseconds(500))),
        "cookie_expires_in"
    );
    builder()
        .session_expires_in(Duration::milliseconds(500))
        .cookie_expires_in(Duration::SECOND)
        .build()
        .expect("a short session with a cookie of one second is valid");
}

#[test]
fn cookie_lifetime_of_exactly_one_second_builds() {
    // One second is the least `Max-Age`.
    let cookie = cookie_of(builder().cookie_expires_in(Duration::SECOND));
    assert_eq!(cookie.attributes.max_age, 1);
}

#[test]
fn cookie_names_that_are_not_rfc6265_tokens_are_refused() {
    assert_each_refused(
        "cookie_name",
        &[
            "",
            "my session",
            "my;session",
            "my=session",
            "sessión",
            "セッション",
            "tab\tname",
            "new\nline",
            "comma,name",
            "quote\"name",
            "slash/name",
            "paren(name)",
            "colon:name",
            "at@name",
            "del\u{7f}name",
        ],
        |builder, value| builder.cookie_name(value),
    );
}

#[test]
fn cookie_names_of_token_characters_build() {
    for name in ["session", "my-session_2", "a!#$%&'*+-.^_`|~z", "x"] {
        let narvik = builder().cookie_name(name).build().expect(name);
        assert_eq!(narvik.cookie_name(), name);
        assert!(narvik
            .create_cookie(&token(), &session())
            .to_string()
            .starts_with(&format!("{name}={TOKEN};")));
    }
}

#[test]
fn domains_that_would_break_the_cookie_are_refused() {
    assert_each_refused(
        "domain",
        &[
            "",
            "example.com; Secure",
            "example .com",
            " example.com",
            "example.com\n",
            "exa\rmple.com",
            "example\u{0}.com",
            "example\u{7f}.com",
            "example\u{a0}.com",
        ],
        |builder, value| builder.domain(value),
    );
}

#[test]
fn paths_that_would_break_the_cookie_are_refused() {
    assert_each_refused(
        "path",
        &[
            "", "/a;b", "/a b", "/a\tb", "/a\u{0}", "/a\u{1b}", "/a\n", "relative", "app/",
        ],
        |builder, value| builder.path(value),
    );
}

#[test]
fn domain_and_path_that_are_fine_build() {
    let cookie = cookie_of(builder().domain("sub.example.com").path("/app/v1"));
    assert_eq!(cookie.attributes.domain.as_deref(), Some("sub.example.com"));
    assert_eq!(cookie.attributes.path, "/app/v1");
}

#[test]
fn same_site_none_without_secure_is_refused() {
    assert_eq!(
        refused_setting(builder().same_site(SameSite::None).secure(false)),
        "same_site"
    );
}

#[test]
fn same_site_none_with_secure_builds() {
    // `Secure` is on by default.
    let cookie = cookie_of(builder().same_site(SameSite::None));
    assert_eq!(cookie.attributes.same_site, SameSite::None);
}

#[test]
fn host_prefix_without_secure_is_refused() {
    assert_eq!(
        refused_setting(builder().cookie_name("__Host-session").secure(false)),
        "cookie_name"
    );
}

#[test]
fn host_prefix_with_domain_is_refused() {
    assert_eq!(
        refused_setting(
            builder()
                .cookie_name("__Host-session")
                .domain("example.com")
        ),
        "cookie_name"
    );
}

#[test]
fn host_prefix_with_path_other_than_root_is_refused() {
    assert_eq!(
        refused_setting(builder().cookie_name("__Host-session").path("/app")),
        "cookie_name"
    );
}

#[test]
fn host_prefix_is_matched_case_insensitively_as_browsers_do() {
    assert_eq!(
        refused_setting(builder().cookie_name("__host-session").secure(false)),
        "cookie_name"
    );
    assert_eq!(
        refused_setting(
            builder()
                .cookie_name("__HOST-session")
                .domain("example.com")
        ),
        "cookie_name"
    );
}

#[test]
fn secure_prefix_without_secure_is_refused() {
    assert_eq!(
        refused_setting(builder().cookie_name("__Secure-session").secure(false)),
        "cookie_name"
    );
    assert_eq!(
        refused_setting(builder().cookie_name("__secure-session").secure(false)),
        "cookie_name"
    );
}

#[test]
fn valid_host_prefixed_cookie_builds() {
    // `Secure`, no `Domain` and `Path=/` satisfy `__Host-`.
    assert_eq!(
        cookie_of(builder().cookie_name("__Host-session")).to_string(),
        format!("__Host-session={TOKEN}; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly")
    );
}

#[test]
fn valid_secure_prefixed_cookie_builds_with_domain_and_path() {
    // `__Secure-` needs only `Secure`.
    let cookie = cookie_of(
        builder()
            .cookie_name("__Secure-session")
            .domain("example.com")
            .path("/app"),
    );
    assert_eq!(
        cookie.to_string(),
        format!("__Secure-session={TOKEN}; Domain=example.com; Max-Age=2592000; Path=/app; SameSite=Lax; Secure; HttpOnly")
    );
}

#[test]
fn insecure_cookie_without_prefix_builds_for_development() {
    // Plain HTTP development servers need `secure(false)`.
    assert!(!cookie_of(builder().secure(false)).attributes.secure);
}

#[test]
fn invalid_config_error_says_what_to_fix() {
    let error = builder()
        .cookie_name("my session")
        .build()
        .expect_err("a space is refused");
    let message = error.to_string();
    assert!(
        message.starts_with("invalid narvik configuration: `cookie_name`"),
        "{message}"
    );
    assert!(message.contains("RFC 6265"), "{message}");
}

#[test]
fn absolute_lifetime_is_off_by_default() {
    let narvik = builder().build().expect("the defaults are valid");
    assert_eq!(narvik.absolute_lifetime(), None);
}

#[test]
fn absolute_lifetime_under_one_second_or_over_400_days_is_refused() {
    assert_each_refused(
        "absolute_lifetime",
        &[
            Duration::ZERO,
            Duration::seconds(-1),
            Duration::milliseconds(999),
            narvik::MAX_LIFETIME + Duration::nanoseconds(1),
            Duration::days(401),
            Duration::MAX,
        ],
        |builder, value| builder.absolute_lifetime(value),
    );
}

#[test]
fn absolute_lifetime_of_one_second_to_400_days_builds() {
    for lifetime in [Duration::SECOND, Duration::hours(12), narvik::MAX_LIFETIME] {
        let narvik = builder()
            .absolute_lifetime(lifetime)
            .build()
            .expect("a lifetime from one second to 400 days is valid");
        assert_eq!(narvik.absolute_lifetime(), Some(lifetime));
    }
}

#[test]
fn absolute_lifetime_shorter_than_the_session_builds() {
    // The session then simply ends at the absolute deadline.
    let narvik = builder()
        .session_expires_in(Duration::days(30))
        .absolute_lifetime(Duration::hours(8))
        .build()
        .expect("valid settings");
    assert_eq!(narvik.absolute_lifetime(), Some(Duration::hours(8)));
}

#[test]
fn a_limit_of_zero_sessions_per_user_is_refused() {
    for policy in [
        narvik::SessionLimitPolicy::EndLeastRecentlyExtended,
        narvik::SessionLimitPolicy::RefuseNew,
    ] {
        let zero = builder()
            .max_sessions_per_user(0)
            .session_limit_policy(policy);
        assert_eq!(refused_setting(zero), "max_sessions_per_user");
        // The policy may come first, too.
        let zero = builder()
            .session_limit_policy(policy)
            .max_sessions_per_user(0);
        assert_eq!(refused_setting(zero), "max_sessions_per_user");
    }
}

#[test]
fn a_limit_of_one_or_more_sessions_per_user_builds() {
    for max in [1, 5, u32::MAX] {
        let narvik = builder()
            .max_sessions_per_user(max)
            .build()
            .expect("a limit of at least one session is valid");
        assert!(
            format!("{narvik:?}").contains(&format!("Some(({max}, EndLeastRecentlyExtended))")),
            "{narvik:?}"
        );
    }
}

#[test]
fn session_limit_policy_defaults_to_ending_the_least_recently_extended() {
    assert_eq!(
        narvik::SessionLimitPolicy::default(),
        narvik::SessionLimitPolicy::EndLeastRecentlyExtended
    );
    let refusing = builder()
        .session_limit_policy(narvik::SessionLimitPolicy::RefuseNew)
        .max_sessions_per_user(3)
        .build()
        .expect("valid settings");
    assert!(
        format!("{refusing:?}").contains("Some((3, RefuseNew))"),
        "the policy set before the limit applies: {refusing:?}"
    );
}

#[test]
fn too_many_sessions_error_says_the_limit() {
    let error = Error::TooManySessions { max: 5 };
    assert_eq!(
        error.to_string(),
        "the user already has 5 sessions, the most allowed"
    );
}
