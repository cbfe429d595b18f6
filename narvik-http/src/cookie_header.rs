//! [`find_cookie`] and [`find_cookies`]: reading one cookie out of a request's
//! `Cookie` headers.

use crate::HeaderSource;

/// The value of the first cookie named `name` in a request's `Cookie` headers, as
/// sent (without one pair of surrounding double quotes), or `None` when the request
/// has no such cookie.
///
/// - A request may carry several `Cookie` headers (HTTP/2 sends one per cookie),
///   each holding several `name=value` pairs separated by `;` and optional
///   whitespace; all are searched, in order.
/// - Names compare exactly (case-sensitive, never as prefixes).
/// - When a name appears more than once, the first occurrence is returned: browsers
///   send the cookie with the longest matching path first (RFC 6265, section 5.4).
///   That is not always the app's own: a sibling subdomain can set a cookie of the
///   same name for the parent domain on a longer path. [`find_cookies`] gives every
///   occurrence, which is what [`validate_request`](crate::validate_request) reads.
/// - The value is bytes, since a header may carry bytes that are not UTF-8; an
///   empty value is `Some(b"")` (the blank cookie leaves one).
///
/// To know whether a request brought a session cookie at all, pass
/// [`Narvik::cookie_name`](narvik::Narvik::cookie_name) as `name`.
///
/// ```
/// use http::header::{HeaderMap, HeaderValue, COOKIE};
/// use narvik_http::find_cookie;
///
/// let mut headers = HeaderMap::new();
/// headers.append(COOKIE, HeaderValue::from_static("theme=dark; narvik_session=\"abc\""));
/// headers.append(COOKIE, HeaderValue::from_static("narvik_session=later"));
/// assert_eq!(find_cookie(&headers, "narvik_session"), Some(&b"abc"[..]));
/// assert_eq!(find_cookie(&headers, "lang"), None);
/// ```
pub fn find_cookie<'a, H: HeaderSource + ?Sized>(headers: &'a H, name: &str) -> Option<&'a [u8]> {
    find_cookies(headers, name).next()
}

/// The values of every cookie named `name` in a request's `Cookie` headers, in the
/// order sent, read as [`find_cookie`] reads the first.
///
/// ```
/// use http::header::{HeaderMap, HeaderValue, COOKIE};
/// use narvik_http::find_cookies;
///
/// let mut headers = HeaderMap::new();
/// headers.append(COOKIE, HeaderValue::from_static("narvik_session=tossed; theme=dark"));
/// headers.append(COOKIE, HeaderValue::from_static("narvik_session=own"));
/// let values: Vec<&[u8]> = find_cookies(&headers, "narvik_session").collect();
/// assert_eq!(values, [&b"tossed"[..], &b"own"[..]]);
/// ```
pub fn find_cookies<'h, 'n, H: HeaderSource + ?Sized>(
    headers: &'h H,
    name: &'n str,
) -> impl Iterator<Item = &'h [u8]> + use<'h, 'n, H> {
    headers
        .header_values("cookie")
        .flat_map(|header| header.split(|&byte| byte == b';'))
        .filter_map(move |pair| {
            let (pair_name, value) = split_pair(pair)?;
            (pair_name == name.as_bytes()).then(|| unquote(value))
        })
}

/// `name` and `value` of one `name=value` pair, whitespace trimmed; `None` for a pair
/// without `=`.
fn split_pair(pair: &[u8]) -> Option<(&[u8], &[u8])> {
    let equals = pair.iter().position(|&byte| byte == b'=')?;
    Some((trim(&pair[..equals]), trim(&pair[equals + 1..])))
}

/// `bytes` without leading and trailing spaces and tabs.
fn trim(bytes: &[u8]) -> &[u8] {
    let is_whitespace = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let start = bytes.iter().position(|byte| !is_whitespace(byte));
    let end = bytes.iter().rposition(|byte| !is_whitespace(byte));
    match (start, end) {
        (Some(start), Some(end)) => &bytes[start..=end],
        _ => &[],
    }
}

/// `value` without one pair of surrounding double quotes, which RFC 6265 allows
/// around a cookie value.
fn unquote(value: &[u8]) -> &[u8] {
    match value {
        [b'"', inner @ .., b'"'] => inner,
        _ => value,
    }
}

#[cfg(test)]
// A failed expectation is how a test reports the failure.
#[allow(clippy::expect_used)]
mod tests {
    use http::header::{HeaderMap, HeaderValue, COOKIE};

    use super::{find_cookie, find_cookies};

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(COOKIE, HeaderValue::from_static(value));
        }
        headers
    }

    fn found(values: &[&'static str], name: &str) -> Option<String> {
        find_cookie(&headers(values), name).map(|value| String::from_utf8_lossy(value).into_owned())
    }

    #[test]
    fn no_cookie_header_finds_nothing() {
        assert_eq!(found(&[], "narvik_session"), None);
    }

    #[test]
    fn a_single_cookie_is_found() {
        assert_eq!(
            found(&["narvik_session=abc"], "narvik_session").as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let values = ["theme=dark; narvik_session=abc; lang=en"];
        assert_eq!(found(&values, "narvik_session").as_deref(), Some("abc"));
        assert_eq!(found(&values, "lang").as_deref(), Some("en"));
    }

    #[test]
    fn the_cookie_is_found_in_a_later_header() {
        let values = ["theme=dark", "lang=en; narvik_session=abc"];
        assert_eq!(found(&values, "narvik_session").as_deref(), Some("abc"));
    }

    #[test]
    fn whitespace_around_pairs_names_and_values_is_ignored() {
        let values = ["theme=dark;narvik_session = abc\t;  lang=en"];
        assert_eq!(found(&values, "narvik_session").as_deref(), Some("abc"));
        assert_eq!(found(&values, "lang").as_deref(), Some("en"));
    }

    #[test]
    fn the_first_of_duplicate_names_wins() {
        let values = ["narvik_session=first; narvik_session=second"];
        assert_eq!(found(&values, "narvik_session").as_deref(), Some("first"));
        let values = ["narvik_session=first", "narvik_session=second"];
        assert_eq!(found(&values, "narvik_session").as_deref(), Some("first"));
    }

    #[test]
    fn every_duplicate_is_listed_in_order() {
        let headers = headers(&[
            "narvik_session=a; lang=en; narvik_session=",
            "narvik_session=\"c\"",
        ]);
        let values: Vec<&[u8]> = find_cookies(&headers, "narvik_session").collect();
        assert_eq!(values, [&b"a"[..], &b""[..], &b"c"[..]]);
        assert_eq!(find_cookies(&headers, "theme").count(), 0);
    }

    #[test]
    fn names_are_case_sensitive_and_not_prefixes() {
        let values = ["Narvik_Session=upper; narvik_session_old=old; xnarvik_session=x"];
        assert_eq!(found(&values, "narvik_session"), None);
    }

    #[test]
    fn a_value_may_contain_equals_signs() {
        assert_eq!(found(&["data=a=b=c"], "data").as_deref(), Some("a=b=c"));
    }

    #[test]
    fn surrounding_double_quotes_are_removed() {
        assert_eq!(
            found(&["narvik_session=\"abc\""], "narvik_session").as_deref(),
            Some("abc")
        );
        assert_eq!(
            found(&["narvik_session=\""], "narvik_session").as_deref(),
            Some("\"")
        );
    }

    #[test]
    fn pairs_without_equals_and_empty_pairs_are_skipped() {
        let values = ["narvik_session; ;; narvik_session=abc"];
        assert_eq!(found(&values, "narvik_session").as_deref(), Some("abc"));
    }

    #[test]
    fn an_empty_value_is_found_as_empty() {
        assert_eq!(
            found(&["narvik_session=; lang=en"], "narvik_session").as_deref(),
            Some("")
        );
    }

    #[test]
    fn non_utf8_values_are_returned_as_bytes() {
        let mut headers = HeaderMap::new();
        let value =
            HeaderValue::from_bytes(b"narvik_session=\xff\xfe").expect("obs-text is allowed");
        headers.append(COOKIE, value);
        assert_eq!(
            find_cookie(&headers, "narvik_session"),
            Some(&b"\xff\xfe"[..])
        );
    }
}
