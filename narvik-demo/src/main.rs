//! `narvik-demo`: serves the demo app; see `--help`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use narvik_demo::config::DEFAULT_NAMESPACE;
use narvik_demo::Config;

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
    --insecure-cookies         leave `Secure` off the session cookie, for browsers that
                               refuse a Secure cookie from http://127.0.0.1
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
            "--insecure-cookies" => config.secure_cookies = false,
            other => return Err(format!("unknown argument {other:?}")),
        }
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
    match axum::serve(listener, router)
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
        assert!(matches!(parse(&["--help"]), Ok(None)));
    }
}
