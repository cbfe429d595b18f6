//! `From<narvik::Cookie> for cookie::Cookie<'static>` (feature `cookie`).

use crate::cookie::{Cookie, SameSite};

/// Every attribute carries over: `Domain`, `Max-Age` (as a `cookie::time::Duration`
/// of whole seconds), `Path`, `SameSite`, `Secure` and `HttpOnly`.
///
/// ```
/// use narvik::{MemoryStore, Narvik};
///
/// let narvik = Narvik::new(MemoryStore::<()>::new());
/// let cookie: cookie::Cookie<'static> = narvik.create_blank_cookie().into();
/// assert_eq!(cookie.name(), "narvik_session");
/// assert_eq!(cookie.max_age(), Some(cookie::time::Duration::ZERO));
/// assert_eq!(cookie.http_only(), Some(true));
/// ```
impl From<Cookie> for ::cookie::Cookie<'static> {
    fn from(cookie: Cookie) -> Self {
        let attributes = cookie.attributes;
        let mut converted = ::cookie::Cookie::new(cookie.name, cookie.value);
        if let Some(domain) = attributes.domain {
            converted.set_domain(domain);
        }
        converted.set_max_age(::cookie::time::Duration::seconds(attributes.max_age));
        converted.set_path(attributes.path);
        converted.set_same_site(match attributes.same_site {
            SameSite::Lax => ::cookie::SameSite::Lax,
            SameSite::Strict => ::cookie::SameSite::Strict,
            SameSite::None => ::cookie::SameSite::None,
        });
        converted.set_secure(attributes.secure);
        converted.set_http_only(attributes.http_only);
        converted
    }
}

#[cfg(test)]
// A failed expectation is how a test reports the failure.
#[allow(clippy::expect_used)]
mod tests {
    use ::cookie::time::Duration;

    use crate::cookie::{Cookie, CookieAttributes, SameSite};

    fn cookie(domain: Option<&str>, max_age: i64, same_site: SameSite, secure: bool) -> Cookie {
        Cookie {
            name: "example-cookie".to_owned(),
            value: "session-token".to_owned(),
            attributes: CookieAttributes {
                domain: domain.map(str::to_owned),
                max_age,
                path: "/example".to_owned(),
                same_site,
                secure,
                http_only: true,
            },
        }
    }

    #[test]
    fn every_attribute_carries_over() {
        let converted: ::cookie::Cookie<'static> =
            cookie(Some("example.com"), 259_200, SameSite::Strict, true).into();
        assert_eq!(converted.name(), "example-cookie");
        assert_eq!(converted.value(), "session-token");
        assert_eq!(converted.domain(), Some("example.com"));
        assert_eq!(converted.max_age(), Some(Duration::seconds(259_200)));
        assert_eq!(converted.path(), Some("/example"));
        assert_eq!(converted.same_site(), Some(::cookie::SameSite::Strict));
        assert_eq!(converted.secure(), Some(true));
        assert_eq!(converted.http_only(), Some(true));
        assert_eq!(converted.expires(), None);
    }

    #[test]
    fn absent_domain_and_insecure_cookie_carry_over() {
        let converted: ::cookie::Cookie<'static> = cookie(None, 0, SameSite::Lax, false).into();
        assert_eq!(converted.domain(), None);
        assert_eq!(converted.max_age(), Some(Duration::ZERO));
        assert_eq!(converted.same_site(), Some(::cookie::SameSite::Lax));
        assert_eq!(converted.secure(), Some(false));
        assert!(!converted.to_string().contains("Secure"));
    }

    #[test]
    fn same_site_none_carries_over() {
        let converted: ::cookie::Cookie<'static> = cookie(None, 60, SameSite::None, true).into();
        assert_eq!(converted.same_site(), Some(::cookie::SameSite::None));
    }

    #[test]
    fn the_cookie_crate_reads_back_what_narvik_writes() {
        let original = cookie(Some("example.com"), 259_200, SameSite::Lax, true);
        let parsed = ::cookie::Cookie::parse(original.to_string()).expect("a valid Set-Cookie");
        let converted: ::cookie::Cookie<'static> = original.into();
        assert_eq!(parsed.name_value(), converted.name_value());
        assert_eq!(parsed.domain(), converted.domain());
        assert_eq!(parsed.max_age(), converted.max_age());
        assert_eq!(parsed.path(), converted.path());
        assert_eq!(parsed.same_site(), converted.same_site());
        assert_eq!(parsed.secure(), converted.secure());
        assert_eq!(parsed.http_only(), converted.http_only());
    }
}
