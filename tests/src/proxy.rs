//! A loopback TCP proxy that counts round trips on the wire and can simulate two
//! outages: what the store tests use to prove "one round trip per validation", "a
//! store that cannot be reached is an error, and a connection that comes back is
//! used again", and "a server that stops answering is an error within the time
//! limit".
//!
//! - [`cut`](CountingProxy::cut): every connection is closed and new ones are
//!   refused, as when the server is down: the client learns it at once.
//! - [`blackhole`](CountingProxy::blackhole): nothing is closed, but nothing gets
//!   through any more, on the open connections or on new ones (accepted, then
//!   silent), as in a network partition or with a host that died: the client learns
//!   nothing and only its own time limits end the wait.
//!
//! [`restore`](CountingProxy::restore) forwards new connections again. Connections
//! silenced by a blackhole stay silent (the server behind them is gone, as after a
//! failover) until the client closes them, which the server then sees, or the
//! proxy is dropped.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// A proxy in front of one server, listening on a free loopback port.
pub struct CountingProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_task: AbortHandle,
}

#[derive(Default)]
struct Shared {
    round_trips: AtomicU64,
    /// Refusing connections ([`CountingProxy::cut`]).
    down: AtomicBool,
    /// Holding new connections without forwarding ([`CountingProxy::blackhole`]).
    silent: AtomicBool,
    /// Counts the blackholes so far: a connection forwards only while the count is
    /// the one it started under.
    blackholes: AtomicU64,
    connections: Mutex<Vec<AbortHandle>>,
}

impl CountingProxy {
    /// Starts a proxy forwarding to `upstream` (`host:port`).
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound: the test cannot run without one.
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("bind a loopback port for the proxy: {error}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("the proxy's address: {error}"));
        let shared = Arc::new(Shared::default());
        let upstream = upstream.to_owned();
        let accept_shared = Arc::clone(&shared);
        let accept_task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if accept_shared.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let connection_shared = Arc::clone(&accept_shared);
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if connection_shared.silent.load(Ordering::SeqCst) {
                        hold(client).await;
                    } else if let Ok(server) = TcpStream::connect(&upstream).await {
                        forward(client, server, &connection_shared).await;
                    }
                });
                accept_shared
                    .connections
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(task.abort_handle());
            }
        })
        .abort_handle();
        Self {
            addr,
            shared,
            accept_task,
        }
    }

    /// The `host:port` to give the client instead of the server's.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// Round trips since the start or the last [`reset`](Self::reset): each time a
    /// client sends after the server last spoke (or first) counts one.
    pub fn round_trips(&self) -> u64 {
        self.shared.round_trips.load(Ordering::SeqCst)
    }

    /// Sets the count to zero.
    pub fn reset(&self) {
        self.shared.round_trips.store(0, Ordering::SeqCst);
    }

    /// Cuts every open connection and refuses new ones until [`restore`](Self::restore).
    pub fn cut(&self) {
        self.shared.down.store(true, Ordering::SeqCst);
        let connections = std::mem::take(
            &mut *self
                .shared
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for connection in connections {
            connection.abort();
        }
    }

    /// Stops forwarding without closing anything: the open connections go silent
    /// both ways (what the client sends is read and dropped, what the server sends
    /// never arrives), and new connections are accepted and held silent, until
    /// [`restore`](Self::restore).
    pub fn blackhole(&self) {
        self.shared.silent.store(true, Ordering::SeqCst);
        self.shared.blackholes.fetch_add(1, Ordering::SeqCst);
    }

    /// Accepts and forwards new connections again, after a [`cut`](Self::cut) or a
    /// [`blackhole`](Self::blackhole).
    pub fn restore(&self) {
        self.shared.down.store(false, Ordering::SeqCst);
        self.shared.silent.store(false, Ordering::SeqCst);
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.accept_task.abort();
        self.cut();
    }
}

/// Reads and drops what `client` sends, never answering, until it closes.
async fn hold(mut client: TcpStream) {
    drain(&mut client).await;
}

async fn drain(reader: &mut (impl AsyncRead + Unpin)) {
    let mut buffer = vec![0u8; 16 * 1024];
    while let Ok(1..) = reader.read(&mut buffer).await {}
}

async fn forward(client: TcpStream, server: TcpStream, shared: &Shared) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let blackholes_at_start = shared.blackholes.load(Ordering::SeqCst);
    let silenced = || shared.blackholes.load(Ordering::SeqCst) != blackholes_at_start;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Set while the client has spoken and the server has not answered yet.
    let awaiting_reply = AtomicBool::new(false);
    // A client that closes a silenced connection ends it here, server side too.
    let silenced_client_gone = Notify::new();
    let upstream = async {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let read = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            if silenced() {
                // Lost on the way, and so is the client's close, when it comes.
                drain(&mut client_read).await;
                silenced_client_gone.notify_one();
                return;
            }
            if !awaiting_reply.swap(true, Ordering::SeqCst) {
                shared.round_trips.fetch_add(1, Ordering::SeqCst);
            }
            if server_write.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let read = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            if silenced() {
                drain(&mut server_read).await;
                return;
            }
            awaiting_reply.store(false, Ordering::SeqCst);
            if client_write.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        let _ = client_write.shutdown().await;
    };
    tokio::select! {
        _ = async { tokio::join!(upstream, downstream) } => {}
        () = silenced_client_gone.notified() => {}
    }
}
