//! `NarvikBuilder::build` refuses settings that would make a broken or unsafe
//! cookie, naming the setting; valid settings, the cookie prefixes among them,
//! build.

use narvik::{Error, MemoryStore, Narvik, NarvikBuilder, SameSite, SessionToken};
use time::Duration;

/// A token as a client sends it back in its cookie.
const TOKEN: &str = "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j";

/// [`TOKEN`], parsed as `create_cookie` takes it.
fn token() -> SessionToken {
    TOKEN
        .parse()
        .unwrap_or_else(|error| panic!("{TOKEN} is a well-formed token: {error}"))
}

fn builder() -> NarvikBuilder<MemoryStore<()>> {
    Narvik::builder(MemoryStore::new())
}

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

#[test]
fn defaults_build() {
    let narvik = builder().build().expect("the defaults are valid");
    assert_eq!(narvik.cookie_name(), narvik::DEFAULT_COOKIE_NAME);
    assert_eq!(narvik.cookie_name(), "narvik_session");
    assert_eq!(narvik.session_expires_in(), Duration::days(30));
}

#[test]
fn zero_or_negative_session_length_is_refused() {
    for length in [Duration::ZERO, Duration::seconds(-1), Duration::days(-30)] {
        assert_eq!(
            refused_setting(builder().session_expires_in(length)),
            "session_expires_in",
            "session length {length}"
        );
    }
}

#[test]
fn cookie_lifetime_under_one_second_is_refused() {
    for lifetime in [
        Duration::ZERO,
        Duration::seconds(-5),
        Duration::milliseconds(999),
        Duration::nanoseconds(1),
    ] {
        assert_eq!(
            refused_setting(builder().cookie_expires_in(lifetime)),
            "cookie_expires_in",
            "cookie lifetime {lifetime}"
        );
    }
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
    let narvik = builder()
        .cookie_expires_in(Duration::SECOND)
        .build()
        .expect("one second is the least Max-Age");
    assert_eq!(narvik.create_cookie(&token()).attributes.max_age, 1);
}

#[test]
fn cookie_names_that_are_not_rfc6265_tokens_are_refused() {
    for name in [
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
    ] {
        assert_eq!(
            refused_setting(builder().cookie_name(name)),
            "cookie_name",
            "cookie name {name:?}"
        );
    }
}

#[test]
fn cookie_names_of_token_characters_build() {
    for name in ["session", "my-session_2", "a!#$%&'*+-.^_`|~z", "x"] {
        let narvik = builder().cookie_name(name).build().expect(name);
        assert_eq!(narvik.cookie_name(), name);
        assert!(narvik
            .create_cookie(&token())
            .to_string()
            .starts_with(&format!("{name}={TOKEN};")));
    }
}

#[test]
fn domains_that_would_break_the_cookie_are_refused() {
    for domain in [
        "",
        "example.com; Secure",
        "example .com",
        " example.com",
        "example.com\n",
        "exa\rmple.com",
        "example\u{0}.com",
        "example\u{7f}.com",
        "example\u{a0}.com",
    ] {
        assert_eq!(
            refused_setting(builder().domain(domain)),
            "domain",
            "domain {domain:?}"
        );
    }
}

#[test]
fn paths_that_would_break_the_cookie_are_refused() {
    for path in [
        "", "/a;b", "/a b", "/a\tb", "/a\u{0}", "/a\u{1b}", "/a\n", "relative", "app/",
    ] {
        assert_eq!(
            refused_setting(builder().path(path)),
            "path",
            "path {path:?}"
        );
    }
}

#[test]
fn domain_and_path_that_are_fine_build() {
    let narvik = builder()
        .domain("sub.example.com")
        .path("/app/v1")
        .build()
        .expect("valid settings");
    let cookie = narvik.create_cookie(&token());
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
    let narvik = builder()
        .same_site(SameSite::None)
        .build()
        .expect("Secure is on by default");
    assert_eq!(
        narvik.create_cookie(&token()).attributes.same_site,
        SameSite::None
    );
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
    let narvik = builder()
        .cookie_name("__Host-session")
        .build()
        .expect("Secure, no Domain and Path=/ satisfy __Host-");
    assert_eq!(
        narvik.create_cookie(&token()).to_string(),
        format!("__Host-session={TOKEN}; Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly")
    );
}

#[test]
fn valid_secure_prefixed_cookie_builds_with_domain_and_path() {
    let narvik = builder()
        .cookie_name("__Secure-session")
        .domain("example.com")
        .path("/app")
        .build()
        .expect("__Secure- needs only Secure");
    assert_eq!(
        narvik.create_cookie(&token()).to_string(),
        format!("__Secure-session={TOKEN}; Domain=example.com; Max-Age=2592000; Path=/app; SameSite=Lax; Secure; HttpOnly")
    );
}

#[test]
fn insecure_cookie_without_prefix_builds_for_development() {
    let narvik = builder()
        .secure(false)
        .build()
        .expect("plain HTTP development servers need secure(false)");
    assert!(!narvik.create_cookie(&token()).attributes.secure);
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
