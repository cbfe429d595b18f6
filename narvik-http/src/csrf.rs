//! [`CsrfPolicy`]: which state-changing requests come from the site itself.
//!
//! The session cookie is `SameSite=Lax` by default, which keeps it off most
//! cross-site requests, but not off those from sibling subdomains (same site,
//! different origin), from a plain-HTTP page of the same host (in browsers without
//! schemeful same-site), nor from browsers that ignore `SameSite`. As the
//! original's guides recommend, each adapter's CSRF guard checks that every request
//! that may change state comes from the site itself: by its `Sec-Fetch-Site`
//! header, or by its `Origin`, which must name the request's host with the site's
//! scheme. This module is that decision, once, for every adapter.

mod check;
mod origin;
mod rejection;

use http::uri::Scheme;

pub use self::rejection::CsrfRejection;

/// Which header a trusted reverse proxy sets to the scheme its client used; see
/// [`CsrfPolicy::trust_forwarded_proto`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedProto {
    /// `X-Forwarded-Proto: https`.
    XForwardedProto,
    /// `Forwarded: proto=https` (RFC 7239), its `proto` parameter.
    Forwarded,
}

/// The rules of the adapters' CSRF guards; [`check`](Self::check) applies them.
///
/// - `GET`, `HEAD`, `OPTIONS` and `TRACE` pass unchecked: they must not change
///   state. Except WebSocket handshakes (`GET` with `Connection: upgrade` and
///   `Upgrade: websocket`): a WebSocket acts with the user's cookie like any form,
///   so they are checked as state-changing requests by default; see
///   [`guard_websocket_upgrades`](Self::guard_websocket_upgrades).
/// - A request with an `Authorization` header and no `Cookie` header passes: it
///   cannot be authenticated by the session cookie, which is what CSRF abuses (API
///   clients with bearer tokens). A page cannot add an `Authorization` header to a
///   cross-site request without a CORS preflight the app approves, and the token
///   it would need is the user's own client's. Forms cannot set the header, so a
///   sign-in form stays checked even when the browser sends no cookie.
/// - Every other method (`POST`, `PUT`, `PATCH`, `DELETE` and any other) is checked:
///   1. `Sec-Fetch-Site: same-origin` passes: browsers send it, pages cannot forge
///      it, and it says the site's own page made the request.
///   2. `Sec-Fetch-Site: cross-site` is refused, whatever the `Origin`, unless the
///      `Origin` is an [allowed one](Self::allow_origin).
///   3. Otherwise (`same-site`, `none`, an unknown or repeated value, or no such
///      header, as from older browsers and other clients) the request passes only
///      with exactly one `Origin` header that either is one of the
///      [allowed origins](Self::allow_origin), or has the
///      [site's scheme](Self::site_scheme) (`https` unless set) and names the
///      request's host (the `Host` header, or the URI's authority without one;
///      compared without regard to case, with the scheme's default port filled in).
///      So `same-site` (a sibling subdomain) passes only from an allowed origin,
///      and `none` (a navigation the user started) only with the site's own origin.
/// - `Origin: null` (sandboxed frames, some redirects) never matches the host.
///
/// Browsers send `Origin` on every `POST`, `PUT`, `PATCH` and `DELETE`, and on
/// WebSocket handshakes; other clients that send cookies must send it too.
///
/// ```
/// use http::header::{HeaderMap, HeaderValue, HOST, ORIGIN};
/// use http::uri::Scheme;
/// use narvik_http::{CsrfPolicy, CsrfRejection};
///
/// let policy = CsrfPolicy::new().site_scheme(Scheme::HTTP);
/// let mut headers = HeaderMap::new();
/// headers.insert(HOST, HeaderValue::from_static("localhost:3000"));
/// headers.insert(ORIGIN, HeaderValue::from_static("http://localhost:3000"));
/// assert_eq!(policy.check("POST", None, &headers), Ok(()));
/// headers.insert(ORIGIN, HeaderValue::from_static("http://evil.example"));
/// assert_eq!(policy.check("POST", None, &headers), Err(CsrfRejection::OtherOrigin));
/// assert_eq!(policy.check("GET", None, &headers), Ok(()));
/// ```
#[derive(Debug, Clone)]
pub struct CsrfPolicy {
    allowed_origins: Vec<String>,
    site_scheme: Scheme,
    trusted_forwarded_proto: Option<ForwardedProto>,
    guard_websocket_upgrades: bool,
}

impl Default for CsrfPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl CsrfPolicy {
    /// The policy of an `https://` site that accepts state-changing requests only
    /// from its own origin, and guards WebSocket handshakes.
    pub fn new() -> Self {
        Self {
            allowed_origins: Vec::new(),
            site_scheme: Scheme::HTTPS,
            trusted_forwarded_proto: None,
            guard_websocket_upgrades: true,
        }
    }

    /// Also accepts requests from `origin`, written as browsers send it:
    /// `scheme://host` or `scheme://host:port`, such as
    /// `https://app.example.com` (compared without regard to case; a trailing `/`
    /// is ignored). Its scheme need not be the site's.
    #[must_use]
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        let origin: String = origin.into();
        self.allowed_origins
            .push(origin.trim_end_matches('/').to_owned());
        self
    }

    /// The allowed origins besides the request's own.
    pub fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
    }

    /// The scheme clients reach the site with, and so the only scheme an `Origin`
    /// naming the request's host may have: [`Scheme::HTTPS`] unless set. Set
    /// [`Scheme::HTTP`] for a site served over plain HTTP, such as local
    /// development on `http://localhost:3000`.
    ///
    /// Why it matters: a network attacker can inject a page into any plain-HTTP
    /// response, and `http://example.com` is the same host as `https://example.com`;
    /// browsers without schemeful same-site send the `Lax` cookie with its forms.
    #[must_use]
    pub fn site_scheme(mut self, scheme: Scheme) -> Self {
        self.site_scheme = scheme;
        self
    }

    /// Reads the site's scheme from `header`, as set by a reverse proxy in front of
    /// the app, falling back to [`site_scheme`](Self::site_scheme) when the request
    /// does not carry exactly one scheme there (no header, several, or a list:
    /// `https, http`).
    ///
    /// Trust it only behind a proxy that sets the header on every request,
    /// replacing what a client sent: otherwise any client chooses the scheme the
    /// guard accepts.
    #[must_use]
    pub fn trust_forwarded_proto(mut self, header: ForwardedProto) -> Self {
        self.trusted_forwarded_proto = Some(header);
        self
    }

    /// Whether WebSocket handshakes (`GET` with `Connection: upgrade` and
    /// `Upgrade: websocket`) are checked as state-changing requests: **on** by
    /// default. A page of any site may open a WebSocket to yours, and the browser
    /// sends your cookie with it (`SameSite=Lax` does not stop it when the sites
    /// share a registrable domain, and browsers without `SameSite` never do), so
    /// without the check another site could act through the socket as the user.
    /// Turn it off only when the socket authenticates otherwise, or checks `Origin`
    /// itself.
    #[must_use]
    pub fn guard_websocket_upgrades(mut self, guard: bool) -> Self {
        self.guard_websocket_upgrades = guard;
        self
    }
}
