//! `TryFrom<&narvik::Cookie> for http::HeaderValue` (feature `http`).

use ::http::header::{HeaderValue, InvalidHeaderValue};

use crate::cookie::Cookie;

/// The `Set-Cookie` header value, as [`Cookie`]'s `Display` writes it.
///
/// Fails only on bytes a header cannot carry (control characters); cookies from
/// [`Narvik::create_cookie`](crate::Narvik::create_cookie) with a token narvik issued
/// always convert. The header value is marked sensitive, so `http` keeps it out of
/// `Debug` output and HTTP/2 header compression.
///
/// ```
/// use http::header::{HeaderMap, SET_COOKIE};
/// use narvik::{MemoryStore, Narvik};
///
/// # fn main() -> Result<(), http::header::InvalidHeaderValue> {
/// let narvik = Narvik::new(MemoryStore::<()>::new());
/// let mut headers = HeaderMap::new();
/// headers.append(SET_COOKIE, (&narvik.create_blank_cookie()).try_into()?);
/// assert_eq!(
///     headers[SET_COOKIE],
///     "narvik_session=; Max-Age=0; Path=/; SameSite=Lax; Secure; HttpOnly"
/// );
/// # Ok(())
/// # }
/// ```
impl TryFrom<&Cookie> for HeaderValue {
    type Error = InvalidHeaderValue;

    fn try_from(cookie: &Cookie) -> Result<Self, Self::Error> {
        let mut value = HeaderValue::try_from(cookie.to_string())?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// As for `&Cookie`.
impl TryFrom<Cookie> for HeaderValue {
    type Error = InvalidHeaderValue;

    fn try_from(cookie: Cookie) -> Result<Self, Self::Error> {
        HeaderValue::try_from(&cookie)
    }
}

#[cfg(test)]
// A failed expectation is how a test reports the failure.
#[allow(clippy::expect_used)]
mod tests {
    use ::http::header::HeaderValue;

    use crate::cookie::{Cookie, CookieAttributes, SameSite};

    fn cookie(value: &str) -> Cookie {
        Cookie {
            name: "narvik_session".to_owned(),
            value: value.to_owned(),
            attributes: CookieAttributes {
                domain: Some("example.com".to_owned()),
                max_age: 2_592_000,
                path: "/".to_owned(),
                same_site: SameSite::Lax,
                secure: true,
                http_only: true,
            },
        }
    }

    #[test]
    fn header_value_is_the_set_cookie_string() {
        let cookie = cookie("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j");
        let value = HeaderValue::try_from(&cookie).expect("a valid header value");
        assert_eq!(value.to_str().expect("ASCII"), cookie.to_string());
        assert_eq!(
            value,
            "narvik_session=hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j; Domain=example.com; \
             Max-Age=2592000; Path=/; SameSite=Lax; Secure; HttpOnly"
        );
    }

    #[test]
    fn header_value_is_sensitive_and_hides_the_token_from_debug() {
        let cookie = cookie("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j");
        let value = HeaderValue::try_from(cookie).expect("a valid header value");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j"));
    }

    #[test]
    fn invalid_header_bytes_are_an_error() {
        for value in ["line\r\nbreak", "nul\0byte", "delete\u{7f}"] {
            assert!(HeaderValue::try_from(&cookie(value)).is_err(), "{value:?}");
        }
    }
}
