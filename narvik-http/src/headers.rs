//! [`HeaderSource`]: how the request logic reads a request's headers, whatever the
//! framework's header map is.

use http::header::HeaderMap;

/// Read access to the headers of a request, by name.
///
/// Implemented for [`http::HeaderMap`] (axum, hyper, tower). A framework on another
/// version of the `http` crate (actix-web 4 is on `http` 0.2) implements it for a
/// wrapper of its own map: that is the whole translation the request logic needs.
pub trait HeaderSource {
    /// The values of every header named `name` (lower case, as HTTP/2 writes
    /// header names), in the order received. Bytes, since a header value may hold
    /// bytes that are not UTF-8.
    fn header_values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]> + 'a;

    /// The value of header `name` when it appears exactly once and is visible
    /// ASCII; `None` when it is missing, repeated or holds other bytes.
    fn single_header(&self, name: &'static str) -> Option<&str> {
        let mut values = self.header_values(name);
        match (values.next(), values.next()) {
            (Some(value), None) => std::str::from_utf8(value).ok().filter(|value| {
                value
                    .bytes()
                    .all(|byte| byte == b'\t' || (b' '..=b'~').contains(&byte))
            }),
            _ => None,
        }
    }

    /// Whether a header named `name` is present at all.
    fn has_header(&self, name: &'static str) -> bool {
        self.header_values(name).next().is_some()
    }
}

impl HeaderSource for HeaderMap {
    fn header_values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get_all(name).iter().map(|value| value.as_bytes())
    }
}

impl<T: HeaderSource + ?Sized> HeaderSource for &T {
    fn header_values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]> + 'a {
        (**self).header_values(name)
    }
}

#[cfg(test)]
mod tests {
    use http::header::{HeaderMap, HeaderValue, ORIGIN};

    use super::HeaderSource;

    #[test]
    fn a_single_header_is_read_and_a_repeated_one_is_not() {
        let mut headers = HeaderMap::new();
        assert_eq!(headers.single_header("origin"), None);
        headers.append(ORIGIN, HeaderValue::from_static("https://a.example"));
        assert_eq!(headers.single_header("origin"), Some("https://a.example"));
        headers.append(ORIGIN, HeaderValue::from_static("https://b.example"));
        assert_eq!(headers.single_header("origin"), None);
        assert!(headers.has_header("origin"));
    }

    #[test]
    fn a_header_with_bytes_beyond_ascii_is_not_read_as_text() {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap_or_else(|_| unreachable!());
        headers.append(ORIGIN, value);
        assert_eq!(headers.single_header("origin"), None);
    }
}
