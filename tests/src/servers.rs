//! Reaching the test servers (PostgreSQL, MySQL/MariaDB, Redis) from the tests of
//! every crate: their URLs, whether they answer, and names no other test run uses.
//!
//! A test whose server does not answer prints why it skips and passes, except
//! under `CI=true`, where it fails. A skip is also written as one line to the file
//! named by `NARVIK_TEST_SKIPS`, when set, so `scripts/test.sh` can count them
//! (the test harness hides a passing test's output).

use std::time::Duration;

/// How long a server may take to accept a TCP connection before it counts as
/// missing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether `CI=true`: then a missing server (or tool) fails the test instead of
/// skipping it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci == "true")
}

/// Skips for `reason`, or under `CI=true` fails the test, pointing at `setup` (the
/// script that provides what is missing). Returns `false`, for `if !...`.
pub fn skip_or_fail(reason: &str, setup: &str) -> bool {
    if in_ci() {
        panic!("{reason}; CI needs it (see {setup})");
    }
    eprintln!("skipping: {reason} (set CI=true to fail instead)");
    if let Some(path) = std::env::var_os("NARVIK_TEST_SKIPS") {
        use std::io::Write as _;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        // Counting skips is a report, not a check: a file that cannot be written
        // only loses the count, and the notice above is printed anyway.
        // One write of the whole line: appends of parallel tests do not interleave.
        if let Ok(mut file) = file {
            let _ = file.write_all(format!("{reason}\n").as_bytes());
        }
    }
    false
}

/// The URL of a test server: `env_var` if set, else `default`.
pub fn server_url(env_var: &str, default: &str) -> String {
    std::env::var(env_var).unwrap_or_else(|_| default.to_owned())
}

/// Whether the server at `host_port` answers a TCP connect. Under `CI=true` a server
/// that does not answer fails the test; elsewhere the test prints why it skips.
pub async fn require_server(name: &str, host_port: &str) -> bool {
    let connect = tokio::net::TcpStream::connect(host_port);
    let reachable = matches!(
        tokio::time::timeout(CONNECT_TIMEOUT, connect).await,
        Ok(Ok(_))
    );
    reachable
        || skip_or_fail(
            &format!("{name} is not reachable at {host_port}"),
            "scripts/services.sh",
        )
}

/// The `host:port` part of a URL such as `postgres://root@127.0.0.1:5432/test`.
pub fn host_port(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or(after_scheme);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    host_port.to_owned()
}

/// A name unique to this test run, `{prefix}_{process}_{nanoseconds}_{counter}`: a
/// namespace for tables, key prefixes and folders, so tests running in parallel
/// (and runs after a crash) never collide. Lower case when `prefix` is.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_is_the_authority_without_user() {
        assert_eq!(
            host_port("postgres://root@127.0.0.1:5432/test"),
            "127.0.0.1:5432"
        );
        assert_eq!(host_port("redis://127.0.0.1:6379"), "127.0.0.1:6379");
        assert_eq!(host_port("127.0.0.1:3306"), "127.0.0.1:3306");
    }

    #[test]
    fn unique_names_differ_within_a_run() {
        assert_ne!(unique_name("t"), unique_name("t"));
    }
}
