//! The actix-web server of the HTTP benchmark (`benchmarks/http-bench.sh` with
//! `SUITE=actix`): one actix-web 4 app, its sessions kept by narvik-actix or by
//! actix-session 0.11, on one worker thread.
//!
//! ```text
//! actix_server --impl IMPL --addr 127.0.0.1:PORT
//! ```
//!
//! | `--impl` | sessions |
//! | --- | --- |
//! | `narvik-actix` | narvik-actix on narvik's in-memory store, tokens by cookie or by `Authorization: Bearer` |
//! | `narvik-actix-redis` | the same on narvik-redis (Redis at `127.0.0.1:6379`, or `REDIS_URL`) |
//! | `actix-session-cookie` | actix-session's cookie store: the data in the (signed and encrypted) cookie |
//! | `actix-session-redis` | actix-session's Redis store, on the same server |
//!
//! Every route is a `GET`, so the load generator needs no script, and no side has a
//! CSRF guard:
//!
//! | route | narvik-actix | actix-session |
//! | --- | --- | --- |
//! | `/sign-in` | `SessionManager::start`: a new session, its cookie | `Session::insert` of the user's data, `renew` (a new key, as a sign-in must): the cookie |
//! | `/sign-in-bearer` | `SessionManager::start_bearer`: the token as the body | - |
//! | `/validate` | `CurrentSession<AppData>`: the username, `401` without a session | `Session::get`: the username, `401` without one |
//!
//! Sessions last 30 days on both sides (narvik's default; actix-session's
//! `PersistentSession` with the same time to live, so both send `Max-Age`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_session::config::PersistentSession;
use actix_session::storage::{CookieSessionStore, RedisSessionStore};
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::Key;
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use narvik::{MemoryStore, Narvik, SessionData, SessionStore};
use narvik_actix::{CurrentSession, NarvikMiddleware, SessionManager, TokenSource};
use narvik_redis::RedisStore;
use serde::{Deserialize, Serialize};

/// The session data of the narvik side; the user id is one of narvik's own fields.
#[derive(SessionData, Clone, Debug)]
struct AppData {
    username: String,
}

/// The session data of the actix-session side, under [`ACTIX_DATA_KEY`]: the user
/// id among the fields, since actix-session has no field of its own for it.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct ActixData {
    user_id: String,
    username: String,
}

/// The key of [`ActixData`] in an actix-session session.
const ACTIX_DATA_KEY: &str = "app";

/// Which session library, on which store, serves the requests.
#[derive(Debug, Clone, Copy)]
enum Implementation {
    NarvikMemory,
    NarvikRedis,
    ActixSessionCookie,
    ActixSessionRedis,
}

const USAGE: &str = "usage: actix_server --impl narvik-actix|narvik-actix-redis|\
                     actix-session-cookie|actix-session-redis --addr 127.0.0.1:PORT";

/// The command line.
#[derive(Debug)]
struct Args {
    implementation: Implementation,
    addr: SocketAddr,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (implementation, addr) =
        narvik_benchmarks::parse_server_args(args, USAGE, |name| match name {
            "narvik-actix" => Some(Implementation::NarvikMemory),
            "narvik-actix-redis" => Some(Implementation::NarvikRedis),
            "actix-session-cookie" => Some(Implementation::ActixSessionCookie),
            "actix-session-redis" => Some(Implementation::ActixSessionRedis),
            _ => None,
        })?;
    Ok(Args {
        implementation,
        addr,
    })
}

/// Numbers the users who sign in.
#[derive(Debug, Clone, Default)]
struct Users(Arc<AtomicU64>);

impl Users {
    fn next_user_id(&self) -> String {
        // Only uniqueness matters, not an order with other memory.
        format!("user-{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

async fn narvik_sign_in<S>(users: Data<Users>, sessions: SessionManager<S>) -> HttpResponse
where
    S: SessionStore<Data = AppData>,
{
    let user_id = users.next_user_id();
    let data = AppData {
        username: user_id.clone(),
    };
    match sessions.start(user_id, data).await {
        Ok(_) => HttpResponse::Ok().body("signed in"),
        Err(error) => HttpResponse::ServiceUnavailable().body(error.to_string()),
    }
}

async fn narvik_sign_in_bearer<S>(users: Data<Users>, sessions: SessionManager<S>) -> HttpResponse
where
    S: SessionStore<Data = AppData>,
{
    let user_id = users.next_user_id();
    let data = AppData {
        username: user_id.clone(),
    };
    match sessions.start_bearer(user_id, data).await {
        Ok(created) => HttpResponse::Ok().body(created.token.as_str().to_owned()),
        Err(error) => HttpResponse::ServiceUnavailable().body(error.to_string()),
    }
}

async fn narvik_validate(session: CurrentSession<AppData>) -> String {
    session.0.data.username
}

/// The narvik app over `store`.
async fn serve_narvik<S>(store: S, addr: SocketAddr) -> std::io::Result<()>
where
    S: SessionStore<Data = AppData> + 'static,
{
    let narvik = Narvik::new(store);
    let users = Users::default();
    HttpServer::new(move || {
        App::new()
            .app_data(Data::new(users.clone()))
            .route("/sign-in", web::get().to(narvik_sign_in::<S>))
            .route("/sign-in-bearer", web::get().to(narvik_sign_in_bearer::<S>))
            .route("/validate", web::get().to(narvik_validate))
            .wrap(NarvikMiddleware::new(narvik.clone()).token_source(TokenSource::CookieOrBearer))
    })
    .workers(1)
    .bind(addr)?
    .run()
    .await
}

async fn actix_sign_in(users: Data<Users>, request: HttpRequest) -> HttpResponse {
    let session = request.get_session();
    let user_id = users.next_user_id();
    let data = ActixData {
        username: user_id.clone(),
        user_id,
    };
    // A sign-in gets a new session key (actix-session's advice against fixation).
    session.renew();
    match session.insert(ACTIX_DATA_KEY, data) {
        Ok(()) => HttpResponse::Ok().body("signed in"),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}

async fn actix_validate(session: Session) -> HttpResponse {
    match session.get::<ActixData>(ACTIX_DATA_KEY) {
        Ok(Some(data)) => HttpResponse::Ok().body(data.username),
        Ok(None) => HttpResponse::Unauthorized().finish(),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}

/// The actix-session app over the store `make_store` makes (once per worker).
async fn serve_actix_session<Store, MakeStore>(
    make_store: MakeStore,
    addr: SocketAddr,
) -> std::io::Result<()>
where
    Store: actix_session::storage::SessionStore + 'static,
    MakeStore: Fn() -> Store + Clone + Send + 'static,
{
    let key = Key::generate();
    let users = Users::default();
    let ttl = actix_web::cookie::time::Duration::seconds(
        narvik::DEFAULT_SESSION_EXPIRES_IN.whole_seconds(),
    );
    HttpServer::new(move || {
        App::new()
            .app_data(Data::new(users.clone()))
            .route("/sign-in", web::get().to(actix_sign_in))
            .route("/validate", web::get().to(actix_validate))
            .wrap(
                SessionMiddleware::builder(make_store(), key.clone())
                    .session_lifecycle(PersistentSession::default().session_ttl(ttl))
                    .build(),
            )
    })
    .workers(1)
    .bind(addr)?
    .run()
    .await
}

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

async fn serve(args: &Args) -> Result<(), String> {
    match args.implementation {
        Implementation::NarvikMemory => serve_narvik(MemoryStore::<AppData>::new(), args.addr)
            .await
            .map_err(|error| error.to_string()),
        Implementation::NarvikRedis => {
            let store = RedisStore::<AppData>::connect(&redis_url())
                .await
                .map_err(|error| format!("narvik-redis: {error}"))?;
            serve_narvik(store, args.addr)
                .await
                .map_err(|error| error.to_string())
        }
        Implementation::ActixSessionCookie => {
            serve_actix_session(CookieSessionStore::default, args.addr)
                .await
                .map_err(|error| error.to_string())
        }
        Implementation::ActixSessionRedis => {
            let store = RedisSessionStore::new(redis_url())
                .await
                .map_err(|error| format!("actix-session redis: {error}"))?;
            serve_actix_session(move || store.clone(), args.addr)
                .await
                .map_err(|error| error.to_string())
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("actix_server: {message}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "actix_server: {:?} listening on {}",
        args.implementation, args.addr
    );
    match actix_web::rt::System::new().block_on(serve(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("actix_server: {message}");
            ExitCode::FAILURE
        }
    }
}
