//! [`TokenSource`]: where a request's session token is read from, and
//! [`bearer_token`], reading it from `Authorization: Bearer`.

use crate::HeaderSource;

/// Where the adapters read a request's session token from.
///
/// Never from the URL or a form field: a token there ends up in logs, in the
/// browser's history and in `Referer` headers (OWASP ASVS V7.2.1's premise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenSource {
    /// The session cookie ([`narvik::Narvik::cookie_name`]) only: browsers.
    #[default]
    Cookie,
    /// The `Authorization: Bearer <token>` header only: command-line, mobile and
    /// other API clients.
    Bearer,
    /// The cookie first and, when no cookie gives a valid session, the header: an
    /// app that serves browsers and API clients on the same routes.
    CookieOrBearer,
}

impl TokenSource {
    /// Whether cookies are read.
    pub fn reads_cookie(self) -> bool {
        matches!(self, Self::Cookie | Self::CookieOrBearer)
    }

    /// Whether the `Authorization` header is read.
    pub fn reads_bearer(self) -> bool {
        matches!(self, Self::Bearer | Self::CookieOrBearer)
    }
}

/// How a request presented its session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// A cookie: the response carries `Set-Cookie` when the session is new,
    /// rotated, extended or ended.
    Cookie,
    /// `Authorization: Bearer`: the response never carries `Set-Cookie`; the
    /// client keeps its token, and an extension is told by the expiry header when
    /// one is configured.
    Bearer,
}

/// What a request's `Authorization` header holds, for the bearer scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerHeader<'a> {
    /// No `Authorization` header.
    Absent,
    /// Exactly one `Authorization: Bearer <credentials>`; the credentials, not yet
    /// checked to be a token.
    Present(&'a [u8]),
    /// An `Authorization` header of another scheme, an empty credential, or
    /// several `Authorization` headers (which a client never sends on purpose).
    Malformed,
}

/// Reads `Authorization: Bearer <token>` (RFC 6750, section 2.1): the scheme
/// compared without case, one or more spaces, then the credentials up to the end,
/// without trailing whitespace.
///
/// ```
/// use http::header::{HeaderMap, HeaderValue, AUTHORIZATION};
/// use narvik_http::{bearer_token, BearerHeader};
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(bearer_token(&headers), BearerHeader::Absent);
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
/// assert_eq!(bearer_token(&headers), BearerHeader::Present(b"abc"));
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic dXNlcjpwYXNz"));
/// assert_eq!(bearer_token(&headers), BearerHeader::Malformed);
/// ```
pub fn bearer_token<H: HeaderSource + ?Sized>(headers: &H) -> BearerHeader<'_> {
    let mut values = headers.header_values("authorization");
    let value = match (values.next(), values.next()) {
        (None, _) => return BearerHeader::Absent,
        (Some(value), None) => value,
        (Some(_), Some(_)) => return BearerHeader::Malformed,
    };
    const SCHEME: &[u8] = b"bearer";
    let Some((scheme, rest)) = value.split_at_checked(SCHEME.len()) else {
        return BearerHeader::Malformed;
    };
    if !scheme.eq_ignore_ascii_case(SCHEME) || !rest.starts_with(b" ") {
        return BearerHeader::Malformed;
    }
    let credentials = rest.trim_ascii();
    if credentials.is_empty() {
        BearerHeader::Malformed
    } else {
        BearerHeader::Present(credentials)
    }
}

#[cfg(test)]
mod tests {
    use http::header::{HeaderMap, HeaderValue, AUTHORIZATION};

    use super::{bearer_token, BearerHeader};

    fn read(values: &[&'static str]) -> BearerHeader<'static> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(AUTHORIZATION, HeaderValue::from_static(value));
        }
        // Leaked so the answer can outlive the map: a test's few bytes.
        let headers: &'static HeaderMap = Box::leak(Box::new(headers));
        bearer_token(headers)
    }

    #[test]
    fn the_scheme_is_read_without_case_and_spaces_are_trimmed() {
        assert_eq!(read(&["bearer abc"]), BearerHeader::Present(b"abc"));
        assert_eq!(read(&["BEARER   abc  "]), BearerHeader::Present(b"abc"));
    }

    #[test]
    fn other_schemes_empty_credentials_and_repeats_are_malformed() {
        assert_eq!(read(&["Basic abc"]), BearerHeader::Malformed);
        assert_eq!(read(&["Bearerabc"]), BearerHeader::Malformed);
        assert_eq!(read(&["Bearer "]), BearerHeader::Malformed);
        assert_eq!(read(&["Bearer"]), BearerHeader::Malformed);
        assert_eq!(read(&["Bearer a", "Bearer b"]), BearerHeader::Malformed);
    }

    #[test]
    fn no_header_is_absent() {
        assert_eq!(read(&[]), BearerHeader::Absent);
    }
}
