//! `narvik-demo`: serves the demo app; see `--help`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::process::ExitCode;
use std::time::Duration;

use narvik_demo::config::DEFAULT_NAMESPACE;
use narvik_demo::{Config, HashingPool};

const USAGE: &str = "\
narvik-demo: sign up, sign in, see and end your sessions (server-side sessions by narvik)

USAGE:
    narvik-demo [OPTIONS]

OPTIONS:
    --addr IP[:PORT]           where to listen (default 127.0.0.1:3000; env NARVIK_DEMO_ADDR)
    --port PORT                the port to listen on (env NARVIK_DEMO_PORT)
    --store URL                where sessions and accounts live (env NARVIK_DEMO_STORE):
                                 sqlite::memory:    (default) nothing to set up, nothing kept
                                 sqlite://FILE      a SQLite file, created if missing
                                 postgres://USER@HOST:5432/DB
                                 mysql://USER@HOST:3306/DB
                                 redis://HOST:6379
                               Instances on one shared store serve the same users.
    --namespace NAME           table names / Redis key prefix (default narvik_demo)
    --session-length-secs N    how long an unused session lasts (default 30 days)
    --absolute-lifetime-secs N|off
                               how long a session lasts at most after sign-in,
                               however active (default 43200: 12 hours)
    --max-sessions-per-user N|off
                               sessions one user may have at once; a sign-in
                               beyond it ends their least recently extended one
                               (default 10)
    --reauthenticate-after-secs N
                               how long a password check counts before signing
                               other sessions out or changing the password asks
                               for it again (default 300: five minutes)
    --insecure-cookies         leave `Secure` off the session cookie (and so its
                               `__Host-` prefix), for browsers that refuse a Secure
                               cookie from http://127.0.0.1
    --https                    clients come over HTTPS (a TLS proxy in front): forms
                               must then come from https:// origins
    --hash-permits N           password hashes at once (default: one per core)
    --hash-queue-ms N          how long a sign-in waits for a hasher before `503`
                               (default 5000)
    --attempts-per-username N  password attempts (sign-in, sign-up, confirming or
                               changing it) a minute for one username, from
                               anywhere (default 5)
    --attempts-per-address N   attempts a minute from one client address (an IPv6
                               client's /64), for any usernames (default 20)
    -h, --help                 this help
";

/// What the command line asks for.
#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    config: Config,
}

/// Flags win over environment variables, which win over defaults.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let mut listen = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);
    let mut addr = env("NARVIK_DEMO_ADDR");
    let mut port = env("NARVIK_DEMO_PORT");
    let mut config = Config::default();
    let mut hash_permits = None;
    let mut hash_queue = None;
    if let Some(store) = env("NARVIK_DEMO_STORE") {
        config.store_url = store;
    }
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--addr" => addr = Some(value()?),
            "--port" => port = Some(value()?),
            "--store" => config.store_url = value()?,
            "--namespace" => config.namespace = value()?,
            "--session-length-secs" => {
                let secs: u32 = value()?
                    .parse()
                    .ok()
                    .filter(|&secs| secs > 0)
                    .ok_or("--session-length-secs needs a whole number of seconds above 0")?;
                config.session_length = time::Duration::seconds(i64::from(secs));
            }
            "--absolute-lifetime-secs" => {
                config.absolute_lifetime = match value()?.as_str() {
                    "off" => None,
                    secs => Some(seconds(&flag, secs)?),
                };
            }
            "--max-sessions-per-user" => {
                config.max_sessions_per_user = match value()?.as_str() {
                    "off" => None,
                    max => Some(positive::<NonZeroU32>(&flag, max)?),
                };
            }
            "--reauthenticate-after-secs" => {
                config.reauthenticate_after = seconds(&flag, &value()?)?;
            }
            "--insecure-cookies" => config.secure_cookies = false,
            "--https" => config.https = true,
            "--hash-permits" => {
                hash_permits = Some(positive::<NonZeroUsize>(&flag, &value()?)?);
            }
            "--hash-queue-ms" => {
                let millis: u64 = value()?
                    .parse()
                    .map_err(|_| "--hash-queue-ms needs a whole number of milliseconds")?;
                hash_queue = Some(Duration::from_millis(millis));
            }
            "--attempts-per-username" => {
                config.rate_limits.per_username_per_minute =
                    positive::<NonZeroU32>(&flag, &value()?)?;
            }
            "--attempts-per-address" => {
                config.rate_limits.per_address_per_minute =
                    positive::<NonZeroU32>(&flag, &value()?)?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if hash_permits.is_some() || hash_queue.is_some() {
        let defaults = HashingPool::default();
        let permits = hash_permits
            .unwrap_or_else(|| NonZeroUsize::new(defaults.permits()).unwrap_or(NonZeroUsize::MIN));
        config.hashing = HashingPool::new(permits, hash_queue.unwrap_or(defaults.queue_timeout()));
    }
    if let Some(addr) = addr {
        listen = match addr.parse::<SocketAddr>() {
            Ok(socket) => socket,
            Err(_) => SocketAddr::new(
                addr.parse()
                    .map_err(|_| format!("--addr {addr:?} is not an IP address or IP:PORT"))?,
                listen.port(),
            ),
        };
    }
    if let Some(port) = port {
        let port = port
            .parse()
            .map_err(|_| format!("--port {port:?} is not a port number"))?;
        listen.set_port(port);
    }
    if config.namespace.is_empty() {
        config.namespace = DEFAULT_NAMESPACE.to_owned();
    }
    Ok(Some(Args { listen, config }))
}

/// `value` of `flag` as a whole number above 0.
fn positive<N: std::str::FromStr>(flag: &str, value: &str) -> Result<N, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} needs a whole number above 0, not {value:?}"))
}

/// `value` of `flag` as a whole number of seconds above 0.
fn seconds(flag: &str, value: &str) -> Result<time::Duration, String> {
    let secs = positive::<NonZeroU32>(flag, value)?;
    Ok(time::Duration::seconds(i64::from(secs.get())))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("narvik-demo: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let secure = args.config.secure_cookies;
    let router = match narvik_demo::app(args.config).await {
        Ok(router) => router,
        Err(error) => {
            eprintln!("narvik-demo: {error}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("narvik-demo: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().unwrap_or(args.listen);
    println!("narvik demo listening on http://{address}");
    if secure && !address.ip().is_loopback() {
        println!(
            "note: the session cookie is Secure; over plain HTTP browsers keep it only \
             for 127.0.0.1 and localhost (see --insecure-cookies)"
        );
    }
    let shutdown = async {
        // Without a signal handler the server runs until killed, which is fine too.
        let _ = tokio::signal::ctrl_c().await;
    };
    // With each connection's peer address: the rate limits count attempts by it.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    match axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("narvik-demo: server failed: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::parse_args;

    fn parse(args: &[&str]) -> Result<Option<super::Args>, String> {
        parse_args(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn flags_set_the_address_store_and_session_length() {
        let args = parse(&[
            "--port",
            "3001",
            "--store=redis://127.0.0.1:6379",
            "--session-length-secs",
            "2",
            "--insecure-cookies",
        ]);
        let Ok(Some(args)) = args else {
            panic!("valid flags refused: {args:?}");
        };
        assert_eq!(args.listen.to_string(), "127.0.0.1:3001");
        assert_eq!(args.config.store_url, "redis://127.0.0.1:6379");
        assert_eq!(args.config.session_length, time::Duration::seconds(2));
        assert!(!args.config.secure_cookies);
        assert_eq!(args.config.cookie_name(), "narvik_session");
        assert!(!args.config.https);
    }

    #[test]
    fn flags_set_the_defences() {
        let Ok(Some(args)) = parse(&[
            "--https",
            "--hash-permits",
            "3",
            "--hash-queue-ms=250",
            "--attempts-per-username",
            "7",
            "--attempts-per-address",
            "70",
        ]) else {
            panic!("valid flags refused");
        };
        let config = &args.config;
        assert!(config.https);
        assert_eq!(config.cookie_name(), "__Host-narvik_session");
        assert_eq!(config.hashing.permits(), 3);
        assert_eq!(config.hashing.queue_timeout(), Duration::from_millis(250));
        assert_eq!(config.rate_limits.per_username_per_minute.get(), 7);
        assert_eq!(config.rate_limits.per_address_per_minute.get(), 70);

        // One of the two hashing flags keeps the other's default.
        let Ok(Some(args)) = parse(&["--hash-queue-ms", "0"]) else {
            panic!("a zero queue refused");
        };
        let defaults = narvik_demo::HashingPool::default();
        assert_eq!(args.config.hashing.permits(), defaults.permits());
        assert_eq!(args.config.hashing.queue_timeout(), Duration::ZERO);
        let Ok(Some(args)) = parse(&[]) else {
            panic!("no flags refused");
        };
        assert_eq!(args.config.rate_limits, narvik_demo::RateLimits::default());
        assert_eq!(
            args.config.hashing.queue_timeout(),
            narvik_demo::DEFAULT_HASH_QUEUE_TIMEOUT
        );
    }

    #[test]
    fn flags_set_the_session_lifecycle() {
        let Ok(Some(args)) = parse(&[]) else {
            panic!("no flags refused");
        };
        let config = &args.config;
        assert_eq!(config.absolute_lifetime, Some(time::Duration::hours(12)));
        assert_eq!(config.max_sessions_per_user.map(|max| max.get()), Some(10));
        assert_eq!(config.reauthenticate_after, time::Duration::minutes(5));

        let Ok(Some(args)) = parse(&[
            "--absolute-lifetime-secs",
            "60",
            "--max-sessions-per-user=3",
            "--reauthenticate-after-secs",
            "2",
        ]) else {
            panic!("valid flags refused");
        };
        let config = &args.config;
        assert_eq!(config.absolute_lifetime, Some(time::Duration::seconds(60)));
        assert_eq!(config.max_sessions_per_user.map(|max| max.get()), Some(3));
        assert_eq!(config.reauthenticate_after, time::Duration::seconds(2));

        let Ok(Some(args)) = parse(&[
            "--absolute-lifetime-secs=off",
            "--max-sessions-per-user",
            "off",
        ]) else {
            panic!("off refused");
        };
        assert_eq!(args.config.absolute_lifetime, None);
        assert_eq!(args.config.max_sessions_per_user, None);
    }

    #[test]
    fn addr_takes_an_ip_or_an_ip_and_port() {
        let Ok(Some(args)) = parse(&["--addr", "0.0.0.0"]) else {
            panic!("an IP refused");
        };
        assert_eq!(args.listen.to_string(), "0.0.0.0:3000");
        let Ok(Some(args)) = parse(&["--addr", "127.0.0.1:8080"]) else {
            panic!("an IP and port refused");
        };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn bad_flags_are_refused_with_a_reason() {
        assert!(parse(&["--port", "http"]).is_err());
        assert!(parse(&["--session-length-secs", "0"]).is_err());
        assert!(parse(&["--store"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        for flag in [
            "--hash-permits",
            "--attempts-per-username",
            "--attempts-per-address",
            "--absolute-lifetime-secs",
            "--max-sessions-per-user",
            "--reauthenticate-after-secs",
        ] {
            assert!(parse(&[flag, "0"]).is_err(), "{flag} 0");
            assert!(parse(&[flag, "-1"]).is_err(), "{flag} -1");
        }
        assert!(parse(&["--hash-queue-ms", "soon"]).is_err());
        assert!(parse(&["--reauthenticate-after-secs", "off"]).is_err());
        assert!(parse(&["--absolute-lifetime-secs", "12h"]).is_err());
        assert!(matches!(parse(&["--help"]), Ok(None)));
    }
}
