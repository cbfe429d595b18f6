//! Shared support of the integration tests: reaching the test servers, and a TCP
//! proxy that counts round trips and can cut the connection.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support"
)]

pub mod proxy;

use std::time::Duration;

/// The URL of a test server: `env_var` if set, else `default`.
pub fn server_url(env_var: &str, default: &str) -> String {
    std::env::var(env_var).unwrap_or_else(|_| default.to_owned())
}

/// Whether the server at `host_port` answers a TCP connect. Under `CI=true` a server
/// that does not answer fails the test; elsewhere the test prints why it skips.
pub async fn require_server(name: &str, host_port: &str) -> bool {
    let connect = tokio::net::TcpStream::connect(host_port);
    let reachable = matches!(
        tokio::time::timeout(Duration::from_secs(3), connect).await,
        Ok(Ok(_))
    );
    if reachable {
        return true;
    }
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{name} is not reachable at {host_port}; CI needs it (see scripts/services.sh)");
    }
    eprintln!("skipping: {name} is not reachable at {host_port} (set CI=true to fail instead)");
    false
}

/// The `host:port` part of a URL such as `postgres://root@127.0.0.1:5432/test`.
pub fn host_port(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or(after_scheme);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    host_port.to_owned()
}

/// A name unique to this test run, for table names and key prefixes, so tests
/// running in parallel (and runs after a crash) never collide.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
