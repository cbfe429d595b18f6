//! Shared support of the demo's tests: test servers and browsers that may be
//! missing, the demo served in-process, chromedriver and Chromium, raw HTTP.
//!
//! Under `CI=true` a missing server, `chromium` or `chromedriver` fails the test;
//! elsewhere the test prints why it skips. Reaching the servers is
//! `narvik_tests::servers`, shared with the store tests.

#![allow(
    dead_code,
    unused_imports,
    unreachable_pub,
    reason = "each test binary uses a different part of the support, all of it `pub` for them"
)]
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a failed expectation is how a test reports the failure"
)]

pub mod browser;
pub mod oneshot;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use narvik_demo::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use narvik_tests::servers::{host_port, require_server, server_url, unique_name};

/// Skips (or, under CI, fails) with `reason`; returns `false` for `if !...`.
pub fn skip(reason: &str) -> bool {
    narvik_tests::servers::skip_or_fail(reason, "scripts/test.sh")
}

/// The demo app of `config`, served on a free port of 127.0.0.1 until the test's
/// runtime ends.
pub struct DemoServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl DemoServer {
    /// Builds the app of `config` and serves it.
    pub async fn start(config: Config) -> Self {
        let router = narvik_demo::app(config).await.expect("the demo app starts");
        Self::serve(router).await
    }

    /// Serves `router`, with each connection's peer address as the binary does.
    pub async fn serve(router: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port on 127.0.0.1");
        let addr = listener.local_addr().expect("the listener's address");
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        Self { addr }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `http://127.0.0.1:PORT`, as a browser sends it in `Origin`.
    pub fn origin(&self) -> String {
        self.url("")
    }
}

/// A response read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl RawResponse {
    /// Every value of header `name`.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).into_iter().next()
    }
}

/// Sends one HTTP/1.1 request over a plain `TcpStream`, as a script replaying a
/// stolen cookie would, and reads the whole response (`Connection: close`).
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> RawResponse {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("the demo answers within 10 s")
        .expect("the request goes through");
    let response = String::from_utf8(response).expect("a UTF-8 response");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("a response with a head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// Removes what a test made in the shared store at `url` under `namespace`: the
/// tables `{namespace}_sessions` and `{namespace}_users`, or the Redis keys
/// `{namespace}:*`. Best effort: a leftover only costs space.
pub async fn drop_namespace(url: &str, namespace: &str) {
    use narvik_redis::redis;
    use narvik_sqlx::sqlx;

    let tables = [
        format!("{namespace}_sessions"),
        format!("{namespace}_users"),
    ];
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme {
        "postgres" | "postgresql" => drop_tables::<sqlx::Postgres>(url, &tables).await,
        "mysql" | "mariadb" => drop_tables::<sqlx::MySql>(url, &tables).await,
        "redis" | "rediss" => {
            let Ok(client) = redis::Client::open(url) else {
                return;
            };
            let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
                return;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{namespace}:*"))
                .query_async(&mut connection)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL")
                    .arg(keys)
                    .query_async(&mut connection)
                    .await;
            }
        }
        _ => {}
    }
}

/// Drops `tables` in the SQL database at `url`, if it can be reached.
async fn drop_tables<DB>(url: &str, tables: &[String])
where
    DB: narvik_sqlx::sqlx::Database,
    for<'c> &'c mut DB::Connection: narvik_sqlx::sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: narvik_sqlx::sqlx::IntoArguments<'q, DB>,
{
    use narvik_sqlx::sqlx;

    let Ok(pool) = sqlx::Pool::<DB>::connect(url).await else {
        return;
    };
    for table in tables {
        let _ = sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(&pool)
            .await;
    }
    pool.close().await;
}
