//! Serialized origins (`scheme://host[:port]`) and `Host` values, compared as
//! browsers write them.

/// A serialized origin: `scheme://host[:port]`.
pub(super) struct Origin<'a> {
    pub(super) scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

impl<'a> Origin<'a> {
    /// `None` for `null` and anything that is not a serialized origin.
    pub(super) fn parse(origin: &'a str) -> Option<Self> {
        let (scheme, authority) = origin.split_once("://")?;
        if !is_scheme(scheme) {
            return None;
        }
        let (host, port) = split_authority(authority)?;
        Some(Self { scheme, host, port })
    }

    /// Whether this origin names `host` (a `Host` header value), the scheme's
    /// `default_port` filled in where a port is left out.
    pub(super) fn is_host(&self, host: &str, default_port: Option<u16>) -> bool {
        let Some((host, port)) = split_authority(host) else {
            return false;
        };
        self.host.eq_ignore_ascii_case(host) && self.port.or(default_port) == port.or(default_port)
    }
}

/// Whether `scheme` is a URI scheme: a letter, then letters, digits, `+`, `-`, `.`.
pub(super) fn is_scheme(scheme: &str) -> bool {
    let mut bytes = scheme.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte))
}

/// The port a URL of `scheme` means when it names none.
pub(super) fn default_port(scheme: &str) -> Option<u16> {
    if scheme.eq_ignore_ascii_case("https") {
        Some(443)
    } else if scheme.eq_ignore_ascii_case("http") {
        Some(80)
    } else {
        None
    }
}

/// `host` and `port` of `host[:port]` (an IPv6 host in brackets); `None` when it has a
/// path, user information, an empty host or a port that is not a number.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    if authority.contains(['/', '?', '#', '@', ' ', '\t']) {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        let (host, rest) = authority.split_at(end);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(port) if !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit()) => {
            Some(port.parse().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some((host, port))
}

#[cfg(test)]
// A failed expectation is how a test reports the failure.
#[allow(clippy::expect_used)]
mod tests {
    use super::{default_port, is_scheme, split_authority, Origin};

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(split_authority("example.com"), Some(("example.com", None)));
        assert_eq!(
            split_authority("example.com:8080"),
            Some(("example.com", Some(8080)))
        );
        assert_eq!(split_authority("[::1]:3000"), Some(("[::1]", Some(3000))));
        assert_eq!(split_authority("[::1]"), Some(("[::1]", None)));
    }

    #[test]
    fn malformed_authorities_are_refused() {
        for authority in [
            "",
            ":80",
            "example.com:",
            "example.com:http",
            "example.com:99999",
            "example.com/path",
            "user@example.com",
            "[::1",
            "[::1]x",
            "a b",
        ] {
            assert_eq!(split_authority(authority), None, "{authority:?}");
        }
    }

    #[test]
    fn null_and_malformed_origins_are_refused() {
        for origin in [
            "null",
            "",
            "example.com",
            "https://",
            "https://example.com/",
            "ht tp://x",
            "1http://example.com",
            "://example.com",
        ] {
            assert!(Origin::parse(origin).is_none(), "{origin:?}");
        }
    }

    #[test]
    fn schemes_are_letters_then_letters_digits_and_signs() {
        for scheme in ["https", "HTTP", "web+app", "a1.b-c"] {
            assert!(is_scheme(scheme), "{scheme}");
        }
        for scheme in ["", "1http", "+a", "ht tp", "https:", "a,b"] {
            assert!(!is_scheme(scheme), "{scheme}");
        }
    }

    #[test]
    fn default_ports_match_explicit_ones() {
        let origin = Origin::parse("https://Example.com").expect("an origin");
        let https = default_port(origin.scheme);
        assert_eq!(https, Some(443));
        assert!(origin.is_host("example.com", https));
        assert!(origin.is_host("example.com:443", https));
        assert!(!origin.is_host("example.com:80", https));
        let origin = Origin::parse("http://example.com:80").expect("an origin");
        let http = default_port(origin.scheme);
        assert!(origin.is_host("EXAMPLE.COM", http));
        assert!(!origin.is_host("example.com:8080", http));
        // Without a default port, both sides must name the same one, or none.
        let origin = Origin::parse("foo://example.com").expect("an origin");
        assert!(origin.is_host("example.com", None));
        assert!(!origin.is_host("example.com:443", None));
    }
}
