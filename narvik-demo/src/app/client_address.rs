//! [`ClientAddress`]: the address password attempts are counted by.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The TCP peer's IP address, from the [`ConnectInfo`] that `axum::serve` gives a
/// router served with `into_make_service_with_connect_info::<SocketAddr>()` (or a
/// test's `MockConnectInfo`); `None` for a router served without it.
///
/// Never a forwarded header (`Forwarded`, `X-Forwarded-For`): any client can send
/// one, and a limit keyed by it would be a limit the client picks. Behind a
/// reverse proxy the peer is the proxy, so every client would share its limit;
/// such a deployment must take the address the proxy forwards (see the README),
/// which this demo does not do.
pub(super) struct ClientAddress(pub(super) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await;
        let address = peer.ok().map(|ConnectInfo(peer)| peer.ip());
        if address.is_none() {
            warn_once_without_peer_address();
        }
        Ok(Self(address))
    }
}

/// Says once per process that every client shares one address limit.
fn warn_once_without_peer_address() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "the app is served without the peer's address \
             (into_make_service_with_connect_info::<SocketAddr>()): \
             every client shares one per-address rate limit"
        );
    }
}
