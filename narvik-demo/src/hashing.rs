//! [`HashingPool`]: how many password hashes run at once, and how long a request
//! waits for its turn.
//!
//! Each argon2id hash or check takes 19 MiB and tens of milliseconds of CPU on
//! purpose. Run straight on Tokio's blocking threads (up to 512), a burst of
//! sign-ins would take about 10 GiB and every core; through the pool at most
//! [`permits`](HashingPool::permits) run, the others wait in line for at most
//! [`queue_timeout`](HashingPool::queue_timeout) and are then refused (`503`).

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a request waits for a hashing permit by default.
pub const DEFAULT_HASH_QUEUE_TIMEOUT: Duration = Duration::from_secs(5);

/// At most [`permits`](Self::permits) password hashes at once, and a line of
/// requests that wait at most [`queue_timeout`](Self::queue_timeout) for their
/// turn.
///
/// A clone shares the permits (and the gauges) with the original: instances of the
/// app in one process may share one pool, and a test keeps a clone to read
/// [`peak_in_flight`](Self::peak_in_flight).
#[derive(Clone)]
pub struct HashingPool {
    inner: Arc<Inner>,
}

struct Inner {
    semaphore: Arc<Semaphore>,
    permits: usize,
    queue_timeout: Duration,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
}

/// Why a hash did not run, or did not finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HashingError {
    /// Every permit stayed taken for the whole queue timeout.
    #[error("every password hasher stayed busy for {waited:?}")]
    Busy {
        /// How long the request waited.
        waited: Duration,
    },
    /// The hashing task panicked.
    #[error("the password hashing task failed")]
    Task(#[from] tokio::task::JoinError),
}

impl HashingPool {
    /// A pool of `permits` hashes at once, whose requests wait at most
    /// `queue_timeout` (zero: no waiting, refused at once when every permit is
    /// taken).
    pub fn new(permits: NonZeroUsize, queue_timeout: Duration) -> Self {
        let permits = permits.get().min(Semaphore::MAX_PERMITS);
        Self {
            inner: Arc::new(Inner {
                semaphore: Arc::new(Semaphore::new(permits)),
                permits,
                queue_timeout,
                in_flight: AtomicUsize::new(0),
                peak_in_flight: AtomicUsize::new(0),
            }),
        }
    }

    /// How many hashes may run at once.
    pub fn permits(&self) -> usize {
        self.inner.permits
    }

    /// How long a request waits for a permit before it is refused.
    pub fn queue_timeout(&self) -> Duration {
        self.inner.queue_timeout
    }

    /// How many hashes are running now.
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::SeqCst)
    }

    /// The most hashes that have run at once since the pool was made: never more
    /// than [`permits`](Self::permits).
    pub fn peak_in_flight(&self) -> usize {
        self.inner.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Runs `hash` on a blocking thread once a permit is free, or refuses it when
    /// none frees up within the queue timeout.
    ///
    /// The permit goes with the work, not with the request: a client that gives
    /// up does not free it before its hash has finished.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        hash: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let inner = Arc::clone(&self.inner);
        let waited = inner.queue_timeout;
        let acquire = Arc::clone(&inner.semaphore).acquire_owned();
        let permit = match tokio::time::timeout(waited, acquire).await {
            Ok(Ok(permit)) => permit,
            // The semaphore is never closed; refused like a timeout if it were.
            Ok(Err(_)) | Err(_) => return Err(HashingError::Busy { waited }),
        };
        let hashed = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _gauge = InFlight::enter(&inner);
            hash()
        })
        .await?;
        Ok(hashed)
    }
}

/// Counts one running hash in the gauges while it lives, even if the hash panics.
struct InFlight<'a> {
    pool: &'a Inner,
}

impl<'a> InFlight<'a> {
    fn enter(pool: &'a Inner) -> Self {
        let now = pool.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        pool.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        Self { pool }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.pool.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Default for HashingPool {
    /// One permit per core the process may use (one if that cannot be told), and
    /// [`DEFAULT_HASH_QUEUE_TIMEOUT`].
    fn default() -> Self {
        let cores = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
        Self::new(cores, DEFAULT_HASH_QUEUE_TIMEOUT)
    }
}

impl fmt::Debug for HashingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashingPool")
            .field("permits", &self.permits())
            .field("queue_timeout", &self.queue_timeout())
            .field("in_flight", &self.in_flight())
            .finish()
    }
}
