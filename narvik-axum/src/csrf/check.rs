//! The decision of [`CsrfLayer`](crate::CsrfLayer): may this request pass?

use http::header::{HeaderMap, HeaderName, CONNECTION, FORWARDED, HOST, ORIGIN, UPGRADE};
use http::uri::Scheme;
use http::{Method, Uri};

use super::origin::{default_port, is_scheme, Origin};
use super::CsrfRejection;

/// `Sec-Fetch-Site`, which browsers send and scripts cannot set.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
/// `X-Forwarded-Proto`, the de-facto header of reverse proxies.
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Which header a trusted reverse proxy sets to the scheme its client used; see
/// [`CsrfLayer::trust_forwarded_proto`](crate::CsrfLayer::trust_forwarded_proto).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedProto {
    /// `X-Forwarded-Proto: https`.
    XForwardedProto,
    /// `Forwarded: proto=https` (RFC 7239), its `proto` parameter.
    Forwarded,
}

/// The settings of a [`CsrfLayer`](crate::CsrfLayer).
#[derive(Debug, Clone)]
pub(super) struct Policy {
    pub(super) allowed_origins: Vec<String>,
    pub(super) site_scheme: Scheme,
    pub(super) trusted_forwarded_proto: Option<ForwardedProto>,
    pub(super) guard_websocket_upgrades: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            site_scheme: Scheme::HTTPS,
            trusted_forwarded_proto: None,
            guard_websocket_upgrades: true,
        }
    }
}

impl Policy {
    /// `Ok` when the request may pass, else why not.
    pub(super) fn check(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<(), CsrfRejection> {
        let guarded = !is_safe(method)
            || (self.guard_websocket_upgrades && is_websocket_upgrade(method, headers));
        if !guarded {
            return Ok(());
        }
        // Browsers say where the request comes from, and pages cannot forge it;
        // `same-site`, `none` and its absence (older browsers, other clients) leave
        // the decision to `Origin`.
        match single(headers, SEC_FETCH_SITE) {
            Some("same-origin") => return Ok(()),
            Some("cross-site") if !self.is_allowed_origin(headers) => {
                return Err(CsrfRejection::CrossSite);
            }
            _ => {}
        }
        self.check_origin(uri, headers)
    }

    /// Whether the request's one `Origin` is one of the allowed origins.
    fn is_allowed_origin(&self, headers: &HeaderMap) -> bool {
        single(headers, ORIGIN).is_some_and(|origin| {
            self.allowed_origins
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin))
        })
    }

    /// `Ok` when the request's one `Origin` is an allowed origin, or names the
    /// request's host with the site's scheme.
    fn check_origin(&self, uri: &Uri, headers: &HeaderMap) -> Result<(), CsrfRejection> {
        let origin = single(headers, ORIGIN).ok_or(CsrfRejection::MissingOrigin)?;
        if self.is_allowed_origin(headers) {
            return Ok(());
        }
        let origin = Origin::parse(origin).ok_or(CsrfRejection::OtherOrigin)?;
        let site_scheme = self.site_scheme(headers);
        if !origin.scheme.eq_ignore_ascii_case(site_scheme) {
            return Err(CsrfRejection::SchemeMismatch);
        }
        let host = match headers.get(HOST) {
            Some(_) => single(headers, HOST),
            None => uri.authority().map(|authority| authority.as_str()),
        };
        let host = host.ok_or(CsrfRejection::MissingHost)?;
        if origin.is_host(host, default_port(site_scheme)) {
            Ok(())
        } else {
            Err(CsrfRejection::OtherOrigin)
        }
    }

    /// The scheme the client reached the site with: the trusted proxy's header
    /// when it holds exactly one scheme, the configured one otherwise.
    fn site_scheme<'a>(&'a self, headers: &'a HeaderMap) -> &'a str {
        let forwarded = match self.trusted_forwarded_proto {
            None => None,
            Some(ForwardedProto::XForwardedProto) => {
                single(headers, X_FORWARDED_PROTO).map(str::trim)
            }
            Some(ForwardedProto::Forwarded) => single(headers, FORWARDED).and_then(forwarded_proto),
        };
        // A list (`https, http`: a proxy that appends) says nothing reliable.
        forwarded
            .filter(|scheme| is_scheme(scheme))
            .unwrap_or(self.site_scheme.as_str())
    }
}

/// The `proto` of a `Forwarded` header with one element (one proxy) and one
/// `proto` parameter; `None` otherwise.
fn forwarded_proto(forwarded: &str) -> Option<&str> {
    if forwarded.contains(',') {
        return None;
    }
    let mut protos = forwarded.split(';').filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim().eq_ignore_ascii_case("proto").then(|| {
            let value = value.trim();
            value
                .strip_prefix('"')
                .and_then(|value| value.strip_suffix('"'))
                .unwrap_or(value)
        })
    });
    match (protos.next(), protos.next()) {
        (Some(proto), None) => Some(proto),
        _ => None,
    }
}

/// Methods that must not change state (RFC 9110, section 9.2.1).
fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// A WebSocket handshake over HTTP/1.1: `GET` with `Connection: upgrade` and
/// `Upgrade: websocket`. (Over HTTP/2 it is a `CONNECT`, an unsafe method.)
fn is_websocket_upgrade(method: &Method, headers: &HeaderMap) -> bool {
    *method == Method::GET
        && has_token(headers, CONNECTION, "upgrade")
        && has_token(headers, UPGRADE, "websocket")
}

/// Whether a comma-separated list header holds `token`, compared without case.
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .any(|item| item.trim().eq_ignore_ascii_case(token))
        })
    })
}

/// The value of header `name` when it appears exactly once and is visible ASCII.
fn single(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::forwarded_proto;

    #[test]
    fn the_proto_of_one_forwarded_element_is_read() {
        assert_eq!(forwarded_proto("proto=https"), Some("https"));
        assert_eq!(
            forwarded_proto("for=192.0.2.60; Proto=\"http\";by=203.0.113.43"),
            Some("http")
        );
    }

    #[test]
    fn several_elements_or_protos_say_nothing() {
        assert_eq!(forwarded_proto("proto=http, proto=https"), None);
        assert_eq!(forwarded_proto("proto=http;proto=https"), None);
        assert_eq!(forwarded_proto("for=192.0.2.60"), None);
        assert_eq!(forwarded_proto(""), None);
    }
}
