//! The server of the HTTP benchmark (`benchmarks/http-bench.sh`): one axum 0.8 app,
//! with its sessions kept either by narvik-axum or by tower-sessions 0.15, both on
//! an in-memory store.
//!
//! ```text
//! http_server --impl narvik|tower-sessions --addr 127.0.0.1:PORT
//! ```
//!
//! Every route is a `GET`, so the load generator needs no script, and neither side
//! has a CSRF layer:
//!
//! | route | narvik-axum | tower-sessions |
//! | --- | --- | --- |
//! | `/sign-in` | `SessionManager::start`: a new session, its cookie | `Session::insert` into a fresh session: the layer creates the record, sets the cookie |
//! | `/validate` | `Session<AppData>`: the username, `401` without a session | `Session::get`: the username, `401` without one |
//! | `/write` | reads the session, then `SessionManager::update_data` with `visits + 1`: one conditional write in place (`modify_data` after a conflict); no new cookie | reads the session, inserts `visits + 1`; the layer saves the record and sets the cookie again |
//!
//! Each user signing in gets the next number (`user-1`, `user-2`, ...), so the
//! sign-in run creates one session per user as a real sign-in storm would.
//!
//! The runtime is tokio's current-thread one: the benchmark pins the server to one
//! core, where a second thread would only add context switches.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use narvik::{MemoryStore, Narvik, SessionData};
use narvik_axum::{NarvikLayer, SessionManager, SessionRejection};
use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, SessionManagerLayer};

/// The session data of the narvik side; the user id is one of narvik's own fields.
#[derive(SessionData, Clone, Debug)]
struct AppData {
    username: String,
    visits: u64,
}

/// The session data of the tower-sessions side, kept under [`TOWER_DATA_KEY`]: the
/// same fields as narvik's session holds, the user id among them, since
/// tower-sessions has no field of its own for it.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct TowerData {
    user_id: String,
    username: String,
    visits: u64,
}

/// The key of [`TowerData`] in a tower-sessions session.
const TOWER_DATA_KEY: &str = "app";

type NarvikSessions = SessionManager<MemoryStore<AppData>>;

/// Which session library serves the requests.
#[derive(Debug, Clone, Copy)]
enum Implementation {
    Narvik,
    TowerSessions,
}

/// The command line.
#[derive(Debug)]
struct Args {
    implementation: Implementation,
    addr: SocketAddr,
}

const USAGE: &str = "usage: http_server --impl narvik|tower-sessions --addr 127.0.0.1:PORT";

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (implementation, addr) =
        narvik_benchmarks::parse_server_args(args, USAGE, |name| match name {
            "narvik" => Some(Implementation::Narvik),
            "tower-sessions" => Some(Implementation::TowerSessions),
            _ => None,
        })?;
    Ok(Args {
        implementation,
        addr,
    })
}

/// Numbers the users who sign in, shared by the handlers of either side.
#[derive(Debug, Clone, Default)]
struct Users(Arc<AtomicU64>);

impl Users {
    fn next_user_id(&self) -> String {
        // Only uniqueness matters, not an order with other memory.
        format!("user-{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

async fn narvik_sign_in(
    State(users): State<Users>,
    sessions: NarvikSessions,
) -> Result<&'static str, SessionRejection> {
    let user_id = users.next_user_id();
    let data = AppData {
        username: user_id.clone(),
        visits: 0,
    };
    sessions.start(user_id, data).await?;
    Ok("signed in")
}

async fn narvik_validate(session: narvik_axum::CurrentSession<AppData>) -> String {
    session.0.data.username
}

async fn narvik_write(
    session: narvik_axum::CurrentSession<AppData>,
    sessions: NarvikSessions,
) -> Result<String, SessionRejection> {
    let session = session.into_inner();
    let data = AppData {
        username: session.data.username,
        visits: session.data.visits + 1,
    };
    // The layer's read is the base: one conditional write. Should another request
    // of this session have written since, read again and apply the change.
    let updated = match sessions.update_data(data).await {
        Err(narvik::Error::Conflict) => sessions.modify_data(|data| data.visits += 1).await?,
        updated => updated?,
    };
    let visits = updated.map_or(0, |session| session.data.visits);
    Ok(visits.to_string())
}

fn narvik_app() -> Router {
    Router::new()
        .route("/sign-in", get(narvik_sign_in))
        .route("/validate", get(narvik_validate))
        .route("/write", get(narvik_write))
        .with_state(Users::default())
        .layer(NarvikLayer::new(Narvik::new(MemoryStore::<AppData>::new())))
}

/// A store failure answers `500`, as narvik-axum's rejection does.
fn tower_store_failed(error: &tower_sessions::session::Error) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("session store failed: {error}"),
    )
        .into_response()
}

async fn tower_sign_in(State(users): State<Users>, session: tower_sessions::Session) -> Response {
    let user_id = users.next_user_id();
    let data = TowerData {
        username: user_id.clone(),
        user_id,
        visits: 0,
    };
    match session.insert(TOWER_DATA_KEY, data).await {
        Ok(()) => "signed in".into_response(),
        Err(error) => tower_store_failed(&error),
    }
}

async fn tower_validate(session: tower_sessions::Session) -> Response {
    match session.get::<TowerData>(TOWER_DATA_KEY).await {
        Ok(Some(data)) => data.username.into_response(),
        Ok(None) => StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => tower_store_failed(&error),
    }
}

async fn tower_write(session: tower_sessions::Session) -> Response {
    let mut data = match session.get::<TowerData>(TOWER_DATA_KEY).await {
        Ok(Some(data)) => data,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => return tower_store_failed(&error),
    };
    data.visits += 1;
    let visits = data.visits;
    match session.insert(TOWER_DATA_KEY, data).await {
        Ok(()) => visits.to_string().into_response(),
        Err(error) => tower_store_failed(&error),
    }
}

fn tower_sessions_app() -> Router {
    // narvik's defaults: sessions last 30 days, the cookie says so (`Max-Age`).
    // The other cookie attributes are tower-sessions' defaults, as narvik's are.
    let session_layer = SessionManagerLayer::new(tower_sessions::MemoryStore::default())
        .with_expiry(Expiry::OnInactivity(narvik::DEFAULT_SESSION_EXPIRES_IN));
    Router::new()
        .route("/sign-in", get(tower_sign_in))
        .route("/validate", get(tower_validate))
        .route("/write", get(tower_write))
        .with_state(Users::default())
        .layer(session_layer)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("http_server: {message}");
            return ExitCode::from(2);
        }
    };
    let app = match args.implementation {
        Implementation::Narvik => narvik_app(),
        Implementation::TowerSessions => tower_sessions_app(),
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("http_server: cannot listen on {}: {error}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "http_server: {:?} listening on {}",
        args.implementation, args.addr
    );
    if let Err(error) = axum::serve(listener, app).await {
        eprintln!("http_server: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
