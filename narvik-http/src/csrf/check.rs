//! The decision of [`CsrfPolicy::check`](crate::CsrfPolicy::check): may this
//! request pass?

use super::origin::{default_port, is_scheme, Origin};
use super::{CsrfPolicy, CsrfRejection, ForwardedProto};
use crate::HeaderSource;

impl CsrfPolicy {
    /// `Ok` when the request may pass, else why not; see [`CsrfPolicy`] for the
    /// rules. `method` is the request's method as sent (`"POST"`), `authority` its
    /// URI's authority (`host[:port]`, which HTTP/2 requests carry instead of a
    /// `Host` header), if any.
    ///
    /// # Errors
    ///
    /// The [`CsrfRejection`] that says why the request may not pass.
    pub fn check<H: HeaderSource + ?Sized>(
        &self,
        method: &str,
        authority: Option<&str>,
        headers: &H,
    ) -> Result<(), CsrfRejection> {
        let guarded = !is_safe(method)
            || (self.guard_websocket_upgrades && is_websocket_upgrade(method, headers));
        if !guarded || is_header_authenticated(headers) {
            return Ok(());
        }
        // Browsers say where the request comes from, and pages cannot forge it;
        // `same-site`, `none` and its absence (older browsers, other clients) leave
        // the decision to `Origin`.
        match headers.single_header(SEC_FETCH_SITE) {
            Some("same-origin") => return Ok(()),
            Some("cross-site") if !self.is_allowed_origin(headers) => {
                return Err(CsrfRejection::CrossSite);
            }
            _ => {}
        }
        self.check_origin(authority, headers)
    }

    /// Whether the request's one `Origin` is one of the allowed origins.
    fn is_allowed_origin<H: HeaderSource + ?Sized>(&self, headers: &H) -> bool {
        headers.single_header(ORIGIN).is_some_and(|origin| {
            self.allowed_origins
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin))
        })
    }

    /// `Ok` when the request's one `Origin` is an allowed origin, or names the
    /// request's host with the site's scheme.
    fn check_origin<H: HeaderSource + ?Sized>(
        &self,
        authority: Option<&str>,
        headers: &H,
    ) -> Result<(), CsrfRejection> {
        let origin = headers
            .single_header(ORIGIN)
            .ok_or(CsrfRejection::MissingOrigin)?;
        if self.is_allowed_origin(headers) {
            return Ok(());
        }
        let origin = Origin::parse(origin).ok_or(CsrfRejection::OtherOrigin)?;
        let site_scheme = self.effective_scheme(headers);
        if !origin.scheme.eq_ignore_ascii_case(site_scheme) {
            return Err(CsrfRejection::SchemeMismatch);
        }
        let host = if headers.has_header(HOST) {
            headers.single_header(HOST)
        } else {
            authority
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
    fn effective_scheme<'a, H: HeaderSource + ?Sized>(&'a self, headers: &'a H) -> &'a str {
        let forwarded = match self.trusted_forwarded_proto {
            None => None,
            Some(ForwardedProto::XForwardedProto) => {
                headers.single_header(X_FORWARDED_PROTO).map(str::trim)
            }
            Some(ForwardedProto::Forwarded) => {
                headers.single_header(FORWARDED).and_then(forwarded_proto)
            }
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

/// `Sec-Fetch-Site`, which browsers send and scripts cannot set.
const SEC_FETCH_SITE: &str = "sec-fetch-site";
/// `X-Forwarded-Proto`, the de-facto header of reverse proxies.
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
const FORWARDED: &str = "forwarded";
const HOST: &str = "host";
const ORIGIN: &str = "origin";

/// Methods that must not change state (RFC 9110, section 9.2.1).
fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

/// A request that carries an `Authorization` header and no `Cookie` header: it
/// cannot be authenticated by the session cookie, so another site cannot make it
/// act as the user. (A page cannot add an `Authorization` header to a cross-site
/// request without a CORS preflight the app approves, and then it would need the
/// user's token, which only the user's own client holds.) Forms, which cannot set
/// the header, stay checked, including sign-in forms sent without a cookie.
fn is_header_authenticated<H: HeaderSource + ?Sized>(headers: &H) -> bool {
    headers.has_header("authorization") && !headers.has_header("cookie")
}

/// A WebSocket handshake over HTTP/1.1: `GET` with `Connection: upgrade` and
/// `Upgrade: websocket`. (Over HTTP/2 it is a `CONNECT`, an unsafe method.)
fn is_websocket_upgrade<H: HeaderSource + ?Sized>(method: &str, headers: &H) -> bool {
    method == "GET"
        && has_token(headers, "connection", "upgrade")
        && has_token(headers, "upgrade", "websocket")
}

/// Whether a comma-separated list header holds `token`, compared without case.
fn has_token<H: HeaderSource + ?Sized>(headers: &H, name: &'static str, token: &str) -> bool {
    headers.header_values(name).any(|value| {
        std::str::from_utf8(value).is_ok_and(|value| {
            value
                .split(',')
                .any(|item| item.trim().eq_ignore_ascii_case(token))
        })
    })
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
